"""GET /processes/{ocid}/timeline: every event in chain order, each with its evidence, checked against the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from web3 import Web3

from ledger.demo import DEMO_PROCESSES, FINANCE, PURCHASER, SUPPLIER_A, SUPPLIER_B
from ledger.proofs.merkle import merkle_root
from tests.api.lifecycle import ANCHORED, BIDS, DAYS_TO_PAY, MILESTONE_AMOUNTS, SEALED, TENDER

TENDER_KINDS = [
    "ProcessCreated", "TenderOpened", "BidCommitted", "BidCommitted", "BidRevealed", "BidRevealed",
    "EvaluationRecorded", "ComplaintFiled", "ComplaintResolved", "ProcessAwarded", "ContractSigned",
    "MilestoneDelivered", "MilestoneAccepted", "PaymentRecorded", "MilestoneDelivered", "MilestoneAccepted",
    "AuditNoteRecorded", "DocumentsAnchored",
]  # fmt: skip


def timeline(api: TestClient, ocid: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/processes/{ocid}/timeline", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_timeline_lists_every_event_in_chain_order(api: TestClient) -> None:
    body = timeline(api, TENDER.ocid)
    assert [entry["kind"] for entry in body["entries"]] == TENDER_KINDS
    positions = [(entry["chain"]["block_number"], entry["chain"]["log_index"]) for entry in body["entries"]]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert body["stage"] == "implementation" and body["currency"] == "CNY" and body["next_cursor"] is None


def test_each_entry_is_the_log_the_chain_holds(api: TestClient, demo_chain: Any) -> None:
    w3 = Web3(Web3.HTTPProvider(demo_chain.settings.rpc_url))
    for entry in timeline(api, TENDER.ocid)["entries"]:
        chain = entry["chain"]
        receipt = w3.eth.get_transaction_receipt(chain["tx_hash"])
        block = w3.eth.get_block(chain["block_number"])
        assert "0x" + block["hash"].hex().removeprefix("0x") == chain["block_hash"]
        assert [log["logIndex"] for log in receipt["logs"]].count(chain["log_index"]) == 1
        assert int(block["timestamp"]) == datetime.fromisoformat(chain["block_time"]).timestamp()


def test_entries_carry_labels_actor_amounts_and_documents(api: TestClient) -> None:
    entries = {entry["kind"]: entry for entry in timeline(api, TENDER.ocid)["entries"]}
    payment = entries["PaymentRecorded"]
    assert (payment["label_en"], payment["label_zh"]) == ("Payment made", "支付合同款项")
    assert payment["actor"]["org_id"] == "0x" + FINANCE.org_id.hex() and payment["actor"]["role"] == "payer"
    assert {"label": "amount", "amount": str(MILESTONE_AMOUNTS[0]), "currency": "CNY"} in payment["amounts"]
    assert [document["role"] for document in payment["documents"]] == ["payment_voucher"]
    assert payment["durations"] == {"days_since_acceptance": DAYS_TO_PAY}
    award = entries["ProcessAwarded"]
    assert award["actor"]["role"] == "purchaser"
    assert any(party["org_id"] == "0x" + SUPPLIER_A.org_id.hex() for party in award["parties"])
    assert entries["ComplaintResolved"]["details"]["outcome"] == "dismissed"
    assert entries["ComplaintResolved"]["durations"] == {"days_since_filing": 5}


def test_bids_show_as_sealed_until_revealed(api: TestClient) -> None:
    sealed = timeline(api, SEALED.ocid)["entries"]
    commits = [entry for entry in sealed if entry["kind"] == "BidCommitted"]
    assert [(entry["sealed"], entry["label_en"]) for entry in commits] == [
        (True, "Sealed bid submitted"),
        (True, "Sealed bid replaced"),
    ]
    assert all(entry["amounts"] == [] for entry in commits)
    opened = timeline(api, TENDER.ocid)["entries"]
    assert [entry["sealed"] for entry in opened if entry["kind"] == "BidCommitted"] == [False, False]
    reveals = [entry for entry in opened if entry["kind"] == "BidRevealed"]
    assert sorted(int(entry["amounts"][0]["amount"]) for entry in reveals) == sorted(BIDS.values())
    assert all(entry["sealed"] is None for entry in opened if entry["kind"] != "BidCommitted")


def test_timeline_pages_with_a_cursor_without_gaps_or_repeats(api: TestClient) -> None:
    kinds: list[str] = []
    page = timeline(api, TENDER.ocid, limit=4)
    while True:
        kinds.extend(entry["kind"] for entry in page["entries"])
        if page["next_cursor"] is None:
            break
        page = timeline(api, TENDER.ocid, limit=4, after=page["next_cursor"])
    assert kinds == TENDER_KINDS


def test_a_cursor_of_another_process_is_refused(api: TestClient) -> None:
    cursor = timeline(api, TENDER.ocid, limit=1)["next_cursor"]
    response = api.get(f"/processes/{DEMO_PROCESSES[1].ocid}/timeline", params={"after": cursor})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request" and "another listing" in response.json()["message"]


def test_a_garbled_cursor_is_422(api: TestClient) -> None:
    response = api.get(f"/processes/{TENDER.ocid}/timeline", params={"after": "%%%not-base64"})
    assert response.status_code == 422 and "start again without it" in response.json()["message"]


def test_timeline_of_an_unknown_process_is_404(api: TestClient) -> None:
    response = api.get("/processes/ocds-pl0001-nope/timeline")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_titles_names_and_withdrawn_documents_come_from_the_store(api: TestClient) -> None:
    body = timeline(api, TENDER.ocid)
    assert body["title"]["title"] == TENDER.title and body["title"]["stored"] is True
    assert body["buyer"]["name"] == PURCHASER.name and body["finance"]["name"] == FINANCE.name
    reveals = [entry for entry in body["entries"] if entry["kind"] == "BidRevealed"]
    by_bidder = {entry["actor"]["name"]: entry["documents"][0] for entry in reveals}
    assert by_bidder[SUPPLIER_A.name]["available"] is True
    withdrawn = by_bidder[SUPPLIER_B.name]  # the demo withdraws Northgate's bid: a trade secret
    assert (withdrawn["stored"], withdrawn["available"]) == (True, False) and withdrawn["withdrawal_reason"]
    late = next(entry for entry in body["entries"] if entry["kind"] == "PaymentRecorded")
    assert late["documents"][0]["stored"] is False  # the lifecycle's voucher was never put in the store


def test_documents_anchored_under_the_process_appear_in_its_timeline(api: TestClient) -> None:
    anchoring = timeline(api, TENDER.ocid)["entries"][-1]
    assert anchoring["kind"] == "DocumentsAnchored" and anchoring["label_zh"] == "文件哈希存证"
    assert anchoring["details"] == {"root": "0x" + merkle_root(list(ANCHORED)).hex(), "count": len(ANCHORED)}
    assert anchoring["actor"]["org_id"] == "0x" + PURCHASER.org_id.hex() and anchoring["actor"]["role"] == "anchorer"
