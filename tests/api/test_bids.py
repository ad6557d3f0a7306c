"""POST /bids/verify and GET /suppliers/{org}/bids: a supplier proves its bid from what it kept."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.demo import SUPPLIER_A, SUPPLIER_B
from tests.api.lifecycle import BIDS, SEALED, TENDER, sha


def kept(supplier: Any, amount: int) -> dict[str, Any]:
    """What the demo's supplier kept of its bid on the open tender."""
    return {
        "ocid": TENDER.ocid,
        "bidder_org": "0x" + supplier.org_id.hex(),
        "amount": amount,
        "bid_doc_hash": "0x" + hashlib.sha256(f"bid of {supplier.name}".encode()).hexdigest(),
        "salt": "0x" + hashlib.sha256(f"demo salt {supplier.registry_id}".encode()).hexdigest(),
    }


def verify(api: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/bids/verify", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_revealed_bid_is_found_committed_and_revealed_as_such(api: TestClient) -> None:
    answer = verify(api, kept(SUPPLIER_A, BIDS[SUPPLIER_A]))
    assert (answer["committed"], answer["replaced"], answer["revealed"]) == (True, False, True)
    assert answer["committed_at"]["block_number"] < answer["revealed_at"]["block_number"]
    assert answer["bidder"]["org_id"] == "0x" + SUPPLIER_A.org_id.hex()


def test_a_different_amount_is_not_the_committed_bid(api: TestClient) -> None:
    answer = verify(api, kept(SUPPLIER_A, BIDS[SUPPLIER_A] - 1))
    assert (answer["committed"], answer["revealed"]) == (False, False)
    assert "check the amount" in answer["explanation"]


def test_a_replaced_bid_is_reported_replaced_and_the_last_one_still_sealed(api: TestClient) -> None:
    base = {"ocid": SEALED.ocid, "bidder_org": "0x" + SUPPLIER_B.org_id.hex(), "salt": "0x" + sha("salt").hex()}
    first = verify(api, {**base, "amount": 2_400_000_00, "bid_doc_hash": "0x" + sha("bid 240000000").hex()})
    assert (first["committed"], first["replaced"], first["revealed"]) == (True, True, False)
    assert first["replaced_at"]["block_number"] >= first["committed_at"]["block_number"]
    last = verify(api, {**base, "amount": 2_350_000_00, "bid_doc_hash": "0x" + sha("bid 235000000").hex()})
    assert (last["committed"], last["replaced"], last["revealed"]) == (True, False, False)
    assert last["explanation"] == "this bid was committed and is still sealed"


def test_a_receipt_is_checked_with_its_transaction_and_commitment(api: TestClient) -> None:
    fields = kept(SUPPLIER_B, BIDS[SUPPLIER_B])
    answer = verify(api, fields)
    receipt = {**fields, "commitment": answer["commitment"], "tx_hash": answer["committed_at"]["tx_hash"]}
    checked = verify(api, {"receipt": receipt})
    assert (checked["tx_hash_matches"], checked["receipt_commitment_matches"], checked["revealed"]) == (
        True,
        True,
        True,
    )
    forged = verify(api, {"receipt": {**receipt, "commitment": "0x" + "11" * 32, "tx_hash": "0x" + "22" * 32}})
    assert (forged["tx_hash_matches"], forged["receipt_commitment_matches"]) == (False, False)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"ocid": TENDER.ocid}, "send either `receipt`"),
        ({**kept(SUPPLIER_A, 1), "amount": -1}, "amount"),
        ({**kept(SUPPLIER_A, 1), "amount": 2**96}, "amount"),
        ({**kept(SUPPLIER_A, 1), "salt": "0x12"}, "salt"),
        ({**kept(SUPPLIER_A, 1), "receipt": {**kept(SUPPLIER_A, 1)}}, "not both"),
    ],
)
def test_malformed_bid_checks_are_422(api: TestClient, body: dict[str, Any], words: str) -> None:
    response = api.post("/bids/verify", json=body)
    assert response.status_code == 422 and words in response.json()["message"]


def test_a_bid_on_an_unknown_process_is_404(api: TestClient) -> None:
    response = api.post("/bids/verify", json={**kept(SUPPLIER_A, 1), "ocid": "ocds-pl0001-none"})
    assert response.status_code == 404


def test_a_supplier_lists_its_bids_sealed_ones_without_amount(api: TestClient) -> None:
    response = api.get(f"/suppliers/0x{SUPPLIER_B.org_id.hex()}/bids")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(item["ocid"], item["revealed"], item["amount"]) for item in items] == [
        (TENDER.ocid, True, str(BIDS[SUPPLIER_B])),
        (SEALED.ocid, False, None),
    ]
    assert items[1]["commitments"] == 2 and items[0]["awarded"] is False
    page = api.get(f"/suppliers/0x{SUPPLIER_B.org_id.hex()}/bids", params={"limit": 1}).json()
    rest = api.get(f"/suppliers/0x{SUPPLIER_B.org_id.hex()}/bids", params={"after": page["next_cursor"]}).json()
    assert [item["ocid"] for item in page["items"] + rest["items"]] == [TENDER.ocid, SEALED.ocid]


@pytest.mark.parametrize("amount", [False, "187450000", 1874.5])
def test_an_amount_that_is_not_a_json_integer_is_422(api: TestClient, amount: object) -> None:
    # Schemathesis found POST /bids/verify with "amount": false answered 200, checked as an amount of 0.
    response = api.post("/bids/verify", json={**kept(SUPPLIER_A, 0), "amount": amount})
    assert response.status_code == 422
    assert response.json() == {"error": "invalid_request", "message": "amount: Input should be a valid integer"}


def test_a_receipt_amount_that_is_not_a_json_integer_is_422(api: TestClient) -> None:
    receipt = {**kept(SUPPLIER_A, 0), "amount": True}
    response = api.post("/bids/verify", json={"receipt": receipt})
    assert response.status_code == 422
    assert response.json() == {"error": "invalid_request", "message": "receipt.amount: Input should be a valid integer"}
