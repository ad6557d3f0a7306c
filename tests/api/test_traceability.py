"""Traceability: budget line, buyer and supplier → processes → contracts → milestones → payments, with totals
and the 30-day payment flags, on the lifecycle mirror."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.demo import (
    BUDGET_AMOUNT,
    BUDGET_ID,
    DEMO_PROCESSES,
    FINANCE,
    PURCHASER,
    QUARTER_AMOUNT,
    SUPPLIER_A,
    SUPPLIER_B,
)
from tests.api.lifecycle import BIDS, DAYS_TO_PAY, MILESTONE_AMOUNTS, TENDER

SINGLE_SOURCE = DEMO_PROCESSES[1]
SINGLE_SOURCE_VALUE = QUARTER_AMOUNT * 4
AWARDED = BIDS[SUPPLIER_A] + SINGLE_SOURCE_VALUE
ACCEPTED = sum(MILESTONE_AMOUNTS) + QUARTER_AMOUNT
PAID = MILESTONE_AMOUNTS[0] + QUARTER_AMOUNT


def hex_id(raw: bytes) -> str:
    return "0x" + raw.hex()


def get(api: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_budget_trace_totals_follow_the_money(api: TestClient) -> None:
    body = get(api, f"/budgets/{hex_id(BUDGET_ID)}/trace")
    assert body["scope"] == "budget" and body["subject"] is None
    assert body["totals"] == [
        {
            "currency": "CNY",
            "approved": str(BUDGET_AMOUNT),
            "committed": str(AWARDED),
            "awarded": str(AWARDED),
            "contracted": str(AWARDED),
            "accepted": str(ACCEPTED),
            "paid": str(PAID),
            "remaining": str(BUDGET_AMOUNT - AWARDED),
            "outstanding": str(AWARDED - PAID),
        }
    ]
    assert [process["ocid"] for process in body["processes"]] == [process.ocid for process in DEMO_PROCESSES]


def test_a_payment_after_30_days_and_a_milestone_unpaid_for_30_days_are_flagged(api: TestClient) -> None:
    body = get(api, f"/budgets/{hex_id(BUDGET_ID)}/trace")
    assert (body["late_payments"], body["overdue_milestones"]) == (1, 1)
    tender = next(process for process in body["processes"] if process["ocid"] == TENDER.ocid)
    first, second = tender["contract"]["milestones"]
    [payment] = first["payments"]
    assert payment["days_to_pay"] == DAYS_TO_PAY and payment["late"] is True
    assert payment["payer"]["org_id"] == hex_id(FINANCE.org_id)
    assert payment["payee"]["org_id"] == hex_id(SUPPLIER_A.org_id)
    assert (first["overdue"], first["unpaid"]) == (False, "0")
    assert (second["state"], second["overdue"], second["unpaid"]) == ("accepted", True, str(MILESTONE_AMOUNTS[1]))
    assert second["days_since_acceptance"] > 30
    single = next(process for process in body["processes"] if process["ocid"] == SINGLE_SOURCE.ocid)
    [quarter_payment] = single["contract"]["milestones"][0]["payments"]
    assert quarter_payment["late"] is False and quarter_payment["days_to_pay"] < 1


def test_supplier_and_buyer_traces_cover_their_processes(api: TestClient) -> None:
    supplier = get(api, f"/suppliers/{hex_id(SUPPLIER_A.org_id)}/trace")
    assert supplier["subject"]["org_id"] == hex_id(SUPPLIER_A.org_id)
    assert {process["ocid"] for process in supplier["processes"]} == {TENDER.ocid, SINGLE_SOURCE.ocid}
    assert supplier["totals"][0]["approved"] is None and supplier["totals"][0]["paid"] == str(PAID)
    buyer = get(api, f"/buyers/{hex_id(PURCHASER.org_id)}/trace")
    assert len(buyer["processes"]) == 3 and buyer["totals"][0]["awarded"] == str(AWARDED)
    loser = get(api, f"/suppliers/{hex_id(SUPPLIER_B.org_id)}/trace")
    assert loser["processes"] == [] and loser["totals"] == []


def test_trace_pages_with_a_cursor(api: TestClient) -> None:
    path = f"/budgets/{hex_id(BUDGET_ID)}/trace"
    first = get(api, path, limit=2)
    second = get(api, path, limit=2, after=first["next_cursor"])
    assert [p["ocid"] for p in first["processes"] + second["processes"]] == [p.ocid for p in DEMO_PROCESSES]
    assert second["next_cursor"] is None and second["totals"] == first["totals"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/budgets/0x" + "00" * 32 + "/trace", 404, "no budget line"),
        ("/suppliers/0x" + "00" * 32 + "/trace", 404, "no organisation"),
        ("/buyers/0x1234/trace", 422, "org_id"),
        ("/budgets/" + "zz" * 32 + "/trace", 422, "budget_id"),
    ],
)
def test_unknown_or_malformed_ids_get_a_clear_4xx(api: TestClient, path: str, status: int, words: str) -> None:
    response = api.get(path)
    assert response.status_code == status and words in response.json()["message"]
