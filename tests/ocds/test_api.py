"""/ocds: releases page through the whole mirror in chain order without a gap or a repeat, honour date filters,
and come as valid packages; a record compiles; errors come in the API's one shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.app import create_app
from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import LEDGER
from ledger.indexer.decode import EventDecoder
from ledger.ocds.export import chain_releases
from ledger.ocds.patched import extension_file, patched_release_schema
from ledger.ocds.releases import Publication
from ledger.ocds.schemas import RECORD_PACKAGE, RELEASE_PACKAGE, problems
from ledger.settings import Settings
from tests.api.conftest import DemoChain
from tests.api.lifecycle import TENDER


@pytest.fixture(scope="module")
def api(mirrored_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(mirrored_settings)) as client:
        yield client


@pytest.fixture(scope="module")
def exported(full_chain: DemoChain, mirrored: Engine) -> list[dict[str, Any]]:
    """Every release, as the export writes them (process by process)."""
    decoder = EventDecoder([load_artifact(full_chain.settings.artifacts_dir, LEDGER).abi])
    with Session(mirrored) as session:
        # Documents linked as the API links them: to where it is reached (the test client's base URL).
        return list(chain_releases(session, decoder, Publication(documents_url="http://testserver")))


def _walk(api: TestClient, limit: int, **filters: str) -> list[dict[str, Any]]:
    releases: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": limit, **filters}
    for _ in range(200):
        page = api.get("/ocds/releases", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        if not body["releases"]:  # the end, for now; OCDS has no valid empty package (releases: minItems 1)
            return releases
        assert list(problems(body, RELEASE_PACKAGE, patched_release_schema())) == []
        releases.extend(body["releases"])
        params["after"] = body["next_cursor"]
    raise AssertionError("the pages never ended")


def _position(release: dict[str, Any]) -> tuple[int, int]:
    return release["chainReference"]["blockNumber"], release["chainReference"]["logIndex"]


def test_pages_of_releases_hold_every_release_once_in_chain_order(
    api: TestClient, exported: list[dict[str, Any]]
) -> None:
    walked = _walk(api, limit=4)
    assert [release["id"] for release in walked] == sorted(
        (release["id"] for release in exported), key=lambda id_: _position(next(r for r in exported if r["id"] == id_))
    )
    assert walked == sorted(exported, key=_position)  # the same releases as the export, not just the same ids


def test_date_filters_keep_releases_within_the_range(api: TestClient, exported: list[dict[str, Any]]) -> None:
    dates = sorted({release["date"] for release in exported})
    middle, late = dates[len(dates) // 3], dates[2 * len(dates) // 3]
    walked = _walk(api, limit=5, date_from=middle, date_to=late)
    assert walked and all(middle <= release["date"] <= late for release in walked)
    assert len(walked) == sum(middle <= release["date"] <= late for release in exported)
    assert {release["id"] for release in _walk(api, limit=50, date_to=middle)} == {
        release["id"] for release in exported if release["date"] <= middle
    }


def test_the_next_link_resumes_after_the_page(api: TestClient) -> None:
    first = api.get("/ocds/releases", params={"limit": 2}).json()
    second = api.get(first["links"]["next"]).json()
    assert second["releases"][0]["id"] not in {release["id"] for release in first["releases"]}
    assert _position(second["releases"][0]) > _position(first["releases"][-1])


def test_a_record_is_a_valid_record_package_with_its_compiled_release(api: TestClient) -> None:
    response = api.get(f"/ocds/records/{TENDER.ocid}")
    assert response.status_code == 200, response.text
    package = response.json()
    assert list(problems(package, RECORD_PACKAGE, patched_release_schema())) == []
    (record,) = package["records"]
    assert record["ocid"] == TENDER.ocid and record["compiledRelease"]["tag"] == ["compiled"]


def test_an_unknown_ocid_is_a_404_in_the_error_shape(api: TestClient) -> None:
    response = api.get("/ocds/records/ocds-pl0001-2026-9999")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found" and "ocds-pl0001-2026-9999" in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"since": "2026-01-01T00:00:00Z"}, "unknown query parameter since"),
        ({"after": "not-a-cursor"}, "cursor"),
        ({"date_from": "2027-01-01T00:00:00Z", "date_to": "2026-01-01T00:00:00Z"}, "date_from is after date_to"),
    ],
)
def test_bad_queries_are_refused_in_the_error_shape(api: TestClient, params: dict[str, str], says: str) -> None:
    response = api.get("/ocds/releases", params=params)
    assert response.status_code in (400, 422), response.text
    assert set(response.json()) >= {"error", "message"} and says in response.json()["message"]


def test_the_chain_extension_is_served_as_shipped(api: TestClient) -> None:
    for name in ("extension.json", "release-schema.json"):
        assert api.get(f"/ocds/extensions/chain/{name}").json() == extension_file("chain", name)
