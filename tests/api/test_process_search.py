"""GET /processes: filters, free text in the title (Chinese included), cursor paging; names and titles bound by hash."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from eth_utils.crypto import keccak
from fastapi.testclient import TestClient

from ledger.demo import BUDGET_ID, DEMO_PROCESSES, PURCHASER, QUARTER_AMOUNT, SUPPLIER_A, SUPPLIER_B
from tests.api.lifecycle import BIDS

TENDER, SINGLE, FACILITY = (process.ocid for process in DEMO_PROCESSES)


def ocids(api: TestClient, **params: Any) -> list[str]:
    response = api.get("/processes", params=params)
    assert response.status_code == 200, response.text
    return [item["ocid"] for item in response.json()["items"]]


def test_every_process_newest_first(api: TestClient) -> None:
    assert ocids(api) == [FACILITY, SINGLE, TENDER]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "implementation"}, [SINGLE, TENDER]),
        ({"stage": "tender"}, [FACILITY]),
        ({"method": "single_source"}, [SINGLE]),
        ({"buyer": "0x" + PURCHASER.org_id.hex()}, [FACILITY, SINGLE, TENDER]),
        ({"supplier": "0x" + SUPPLIER_A.org_id.hex()}, [SINGLE, TENDER]),
        ({"supplier": "0x" + SUPPLIER_B.org_id.hex()}, []),
        ({"budget": "0x" + BUDGET_ID.hex(), "stage": "implementation"}, [SINGLE, TENDER]),
        ({"min_amount": QUARTER_AMOUNT * 4 + 1}, [TENDER]),
        ({"max_amount": QUARTER_AMOUNT * 4}, [SINGLE]),
        ({"min_amount": BIDS[SUPPLIER_A], "max_amount": BIDS[SUPPLIER_A]}, [TENDER]),
        ({"created_from": "2999-01-01T00:00:00Z"}, []),
        ({"created_to": "2000-01-01"}, []),
    ],
)
def test_filters_combine(api: TestClient, params: dict[str, Any], expected: list[str]) -> None:
    assert ocids(api, **params) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("物业", [FACILITY]),  # two Chinese characters: no spaces between words in Chinese
        ("物业管理服务", [FACILITY]),
        ("riverside ROAD", [TENDER]),  # any case
        ("water-treatment", [SINGLE]),
        ("ORIGINAL VENDOR", [SINGLE]),  # words of the description too
        ("0" * 200, []),  # schemathesis found every search on SQLite was a 500 (SQLAlchemy 2.1's text subquery)
        ("100%", []),  # LIKE's wildcards are taken literally
        ("_", None),
    ],
)
def test_free_text_finds_titles_in_any_language(api: TestClient, q: str, expected: list[str] | None) -> None:
    response = api.get("/processes", params={"q": q})
    if expected is None:
        assert response.status_code == 422 and "at least 2 characters" in response.json()["message"]
    else:
        assert [item["ocid"] for item in response.json()["items"]] == expected


def test_pages_follow_the_cursor_without_gaps_or_repeats(api: TestClient) -> None:
    first = api.get("/processes", params={"limit": 2}).json()
    second = api.get("/processes", params={"limit": 2, "after": first["next_cursor"]}).json()
    assert [item["ocid"] for item in first["items"] + second["items"]] == [FACILITY, SINGLE, TENDER]
    assert second["next_cursor"] is None
    other = api.get("/processes", params={"limit": 2, "stage": "tender", "after": first["next_cursor"]})
    assert other.status_code == 422 and "another listing" in other.json()["message"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("stag=tender", "unknown query parameter stag"),
        ("stage=finished", "stage"),
        ("buyer=0x12", "buyer"),
        ("min_amount=5&max_amount=4", "min_amount is above max_amount"),
        ("created_from=yesterday", "created_from"),
    ],
)
def test_a_bad_filter_is_a_422_never_ignored(api: TestClient, query: str, words: str) -> None:
    response = api.get(f"/processes?{query}")
    assert response.status_code == 422 and words in response.json()["message"]


def test_titles_and_names_name_the_hash_that_binds_them(api: TestClient) -> None:
    item = api.get(f"/processes/{FACILITY}").json()
    notice = DEMO_PROCESSES[2]
    assert item["title"]["title"] == notice.title
    assert item["title"]["sha256"] == "0x" + hashlib.sha256(notice.document).hexdigest() and item["title"]["available"]
    buyer = item["buyer"]
    assert buyer["name"] == PURCHASER.name and buyer["registry_id"] == PURCHASER.registry_id
    assert "0x" + keccak(text=buyer["registry_id"]).hex() == buyer["org_id"]  # anyone can check the binding
    profile = api.get(f"/documents/{buyer['name_sha256']}/content")
    assert profile.status_code == 200 and PURCHASER.name in profile.text
