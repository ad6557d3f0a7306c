"""Multicall: one writer batches many writes into one transaction; it is all or nothing, and every call in the
batch runs as the writer (msg.sender is preserved), so the usual role and purchaser checks still apply.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak
from hexbytes import HexBytes

from tests.contracts.conftest import BUDGET_ID, HOUR, OPEN_TENDER, PURCHASER_ROLE, Stage, doc, org, reverts

OCIDS = ["ocds-batch-1", "ocds-batch-2", "ocds-batch-3"]


@pytest.fixture(scope="module", autouse=True)
def _session_accounts_first(outsider: Any) -> None:
    """Set up the session-scoped outsider before ape snapshots the module, so it never has to rebase."""


def create_call(ledger: Any, ocid: str) -> bytes:
    """Calldata of createProcess for an open-tender process `ocid` on BUDGET_ID."""
    return ledger.createProcess.encode_input(ocid, BUDGET_ID, OPEN_TENDER, doc(f"notice {ocid}"), bytes(32))


def open_tender_call(ledger: Any, process_id: bytes, now: int) -> bytes:
    """Calldata of openTender with bids closing in 1 h and reveals in 2 h."""
    return ledger.openTender.encode_input(process_id, now + HOUR, now + 2 * HOUR, doc("tender"))


def test_purchaser_creates_three_processes_in_one_transaction(ledger, purchaser):
    tx = ledger.multicall([create_call(ledger, ocid) for ocid in OCIDS], sender=purchaser)

    created = [dict(log.event_arguments) for log in tx.decode_logs(ledger.ProcessCreated)]
    assert created == [
        {
            "processId": keccak(text=ocid),
            "budgetId": BUDGET_ID,
            "purchaserOrg": org("PURCHASER-ORG"),
            "purchaser": purchaser.address,
            "method": OPEN_TENDER,
            "docHash": doc(f"notice {ocid}"),
            "rationaleHash": bytes(32),
            "ocid": ocid,
        }
        for ocid in OCIDS
    ]
    assert {HexBytes(log.transaction_hash) for log in tx.decode_logs(ledger.ProcessCreated)} == {HexBytes(tx.txn_hash)}
    for ocid in OCIDS:
        assert ledger.processOf(keccak(text=ocid)).stage == Stage.PLANNING


def test_create_and_open_tender_in_one_batch_leaves_the_process_in_tender(ledger, chain, purchaser):
    pid = keccak(text=OCIDS[0])
    now = chain.pending_timestamp

    tx = ledger.multicall([create_call(ledger, OCIDS[0]), open_tender_call(ledger, pid, now)], sender=purchaser)

    assert [log.event_name for log in tx.events] == ["ProcessCreated", "TenderOpened"]
    [opened] = tx.decode_logs(ledger.TenderOpened)
    assert dict(opened.event_arguments) == {
        "processId": pid,
        "bidDeadline": now + HOUR,
        "revealDeadline": now + 2 * HOUR,
        "docHash": doc("tender"),
    }
    process = ledger.processOf(pid)
    assert (process.stage, process.bidDeadline, process.revealDeadline) == (Stage.TENDER, now + HOUR, now + 2 * HOUR)


@pytest.mark.parametrize("failing", ["duplicate-create", "tender-of-unknown-process"])
def test_one_reverting_call_reverts_the_whole_batch_with_its_error(ledger, chain, purchaser, failing):
    first, second = keccak(text=OCIDS[0]), keccak(text=OCIDS[1])
    unknown = keccak(text="ocds-never-created")
    calls = [create_call(ledger, OCIDS[0]), create_call(ledger, OCIDS[1])]
    if failing == "duplicate-create":
        calls.append(create_call(ledger, OCIDS[0]))
        expected = reverts(ledger.ProcessAlreadyExists, processId=first)
    else:
        calls.append(open_tender_call(ledger, unknown, chain.pending_timestamp))
        expected = reverts(ledger.ProcessUnknown, processId=unknown)

    with expected:
        ledger.multicall(calls, sender=purchaser)

    assert (ledger.processExists(first), ledger.processExists(second)) == (False, False)


def test_outsider_multicall_reverts_unauthorized_for_the_outsider(ledger, outsider):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=outsider, neededRole=PURCHASER_ROLE):
        ledger.multicall([create_call(ledger, ocid) for ocid in OCIDS], sender=outsider)

    assert not any(ledger.processExists(keccak(text=ocid)) for ocid in OCIDS)


def test_purchaser_of_another_organisation_cannot_open_our_tender_through_multicall(
    ledger, chain, purchaser, other_purchaser, create_process
):
    pid = create_process(OCIDS[0])

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.multicall([open_tender_call(ledger, pid, chain.pending_timestamp)], sender=other_purchaser)

    assert ledger.processOf(pid).stage == Stage.PLANNING
