"""Bad requests get a 4xx with a sentence a person understands, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    upgrade_schema(make_engine(settings.database_url))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


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


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=abc"])
def test_bad_paging_is_422(client: TestClient, query: str) -> None:
    response = client.get(f"/processes?{query}")
    assert response.status_code == 422
    assert response.json()["message"].split(":")[0] in {"limit", "offset"}


def test_health_before_any_indexing_reports_no_chains(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "chains": []}
