"""Bad requests get a 4xx with a sentence a person understands, never a 500."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.errors import ContractRevertError, VerificationError
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema


def test_unknown_ocid_is_404_with_a_clear_message(client: TestClient) -> None:
    response = client.get("/processes/ocds-nobody-0000")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "no procurement process with ocid 'ocds-nobody-0000'" in response.json()["message"]


def test_overlong_ocid_is_422_naming_the_field(client: TestClient) -> None:
    response = client.get("/processes/" + "x" * 129)
    assert response.status_code == 422
    assert response.json() == {
        "error": "invalid_request",
        "message": "ocid: String should have at most 128 characters",
    }


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "after=" + "x" * 201])
def test_bad_paging_is_422(client: TestClient, query: str) -> None:
    response = client.get(f"/processes?{query}")
    assert response.status_code == 422
    assert response.json()["message"].split(":")[0] in {"limit", "after"}


def test_health_before_any_indexing_reports_no_chains(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "chains": [], "reorgs": 0, "last_reorg_at": None}


def test_an_amount_beyond_any_database_integer_is_422_not_500(client: TestClient) -> None:
    response = client.get(f"/processes?min_amount={2**96}")
    assert response.status_code == 422
    assert response.json() == {
        "error": "invalid_request",
        "message": f"min_amount: Input should be less than or equal to {2**96 - 1}",
    }


def test_offset_paging_is_gone_and_an_unknown_parameter_is_refused_not_ignored(client: TestClient) -> None:
    response = client.get("/processes?offset=9223372036854775808&stage=tender")
    assert response.status_code == 422
    assert response.json()["message"].startswith("unknown query parameter offset: this endpoint takes after, ")


def test_the_widest_amount_range_is_an_empty_page_on_every_database(settings: Settings, database_url: str) -> None:
    settings = settings.model_copy(update={"database_url": database_url})
    upgrade_schema(make_engine(database_url))
    with TestClient(create_app(settings)) as client:
        response = client.get(f"/processes?min_amount=0&max_amount={2**96 - 1}")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_an_unknown_endpoint_is_404_pointing_at_the_docs(client: TestClient) -> None:
    response = client.get("/procesess")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "no such endpoint: GET /procesess; see /docs for the endpoints this API offers",
    }


def test_a_wrong_method_is_405_naming_the_allowed_ones(client: TestClient) -> None:
    response = client.post("/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {
        "error": "method_not_allowed",
        "message": "/health does not accept POST; use GET or HEAD (see /docs)",
    }


def _app_raising(settings: Settings, error: Exception) -> FastAPI:
    """The real app plus one test-only route that raises `error`."""
    upgrade_schema(make_engine(settings.database_url))
    app = create_app(settings)

    def fail() -> None:
        raise error

    app.add_api_route("/test-only/fail", fail)
    return app


def test_a_contract_revert_is_409_with_the_decoded_custom_error(settings: Settings) -> None:
    revert = ContractRevertError(
        "ProcessAlreadyExists", {"processId": bytes.fromhex("ab" * 32), "count": 2, "amount": 2**60}, "createProcess"
    )
    with TestClient(_app_raising(settings, revert)) as client:
        response = client.get("/test-only/fail")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "contract_revert"
    assert body["message"].startswith(
        "the contract refused: createProcess reverted: ProcessAlreadyExists(processId=0xab"
    )
    assert body["revert"] == {
        "name": "ProcessAlreadyExists",
        "args": {"processId": "0x" + "ab" * 32, "count": 2, "amount": str(2**60)},
    }


def test_a_failed_verification_is_422_saying_what_was_expected_and_found(settings: Settings) -> None:
    failure = VerificationError("expected document hash 0x01, found 0x02 on chain")
    with TestClient(_app_raising(settings, failure)) as client:
        response = client.get("/test-only/fail")
    assert response.status_code == 422
    assert response.json() == {
        "error": "verification_failed",
        "message": "expected document hash 0x01, found 0x02 on chain",
    }


def test_an_unexpected_exception_is_500_in_the_error_shape(settings: Settings) -> None:
    app = _app_raising(settings, RuntimeError("a bug"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test-only/fail")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "a bug" not in response.text


@pytest.mark.parametrize("value", ["0.5", "1767225600"])
def test_a_number_as_a_date_is_422_not_read_as_unix_seconds(client: TestClient, value: str) -> None:
    # Schemathesis found GET /processes?created_to=0.5 answered 200: pydantic took it for Unix seconds.
    response = client.get(f"/processes?created_to={value}")
    assert response.status_code == 422
    assert response.json() == {
        "error": "invalid_request",
        "message": f"created_to: Value error, expected an ISO 8601 date-time such as 2026-03-01T00:00:00Z, got the "
        f"number {value}",
    }


@pytest.mark.parametrize("value", ["2026-03-01T00:00:00Z", "2026-03-01T08:00:00+08:00", "2026-03-01"])
def test_an_iso_8601_date_filter_is_accepted(client: TestClient, value: str) -> None:
    response = client.get("/processes", params={"created_from": value})
    assert response.status_code == 200, response.text


def test_a_body_that_is_not_json_is_a_documented_400(client: TestClient) -> None:
    """Schemathesis found this: an undecodable body got FastAPI's 400, which the schema did not list."""
    response = client.post("/bids/verify", content=b"\xff", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    documented = client.get("/openapi.json").json()["paths"]["/bids/verify"]["post"]["responses"]
    assert documented["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
