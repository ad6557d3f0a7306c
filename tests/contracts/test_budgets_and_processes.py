"""Budgets and the process lifecycle: approval, creation, tender, amendment, forward-only stages, cancellation."""

from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    BUDGET_AMOUNT,
    BUDGET_ID,
    FINANCE_ROLE,
    HOUR,
    OPEN_TENDER,
    ORGS,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    Stage,
    commitment,
    doc,
    reverts,
    single_event,
)

NEW_BUDGET = keccak(text="BUDGET-2026-002")
PURCHASER_ORG = ORGS["purchaser"][0]


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def deadlines(ledger: Any, process_id: bytes) -> tuple[int, int]:
    """The bid and reveal deadlines of a process."""
    process = ledger.processOf(process_id)
    return process.bidDeadline, process.revealDeadline


# ─── approveBudget ───────────────────────────────────────────────────────────────────────────────────


def test_finance_approves_budget_and_emits_event(ledger, finance):
    tx = ledger.approveBudget(NEW_BUDGET, 2027, 5_000_00, b"EUR", doc("budget 2"), sender=finance)
    finance_org = ORGS["finance"][0]
    assert single_event(tx, ledger.BudgetApproved) == {
        "budgetId": NEW_BUDGET,
        "financeOrg": finance_org,
        "fiscalYear": 2027,
        "amount": 5_000_00,
        "currency": b"EUR",
        "docHash": doc("budget 2"),
    }
    line = ledger.budget(NEW_BUDGET)
    assert (line.amount, line.committed, line.fiscalYear, line.currency, line.financeOrg) == (
        5_000_00,
        0,
        2027,
        b"EUR",
        finance_org,
    )


@pytest.mark.parametrize("caller", ["purchaser", "supplier_a", "outsider"])
def test_approve_budget_by_non_finance_reverts_unauthorized(ledger, request, caller):
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=FINANCE_ROLE):
        ledger.approveBudget(NEW_BUDGET, 2026, 100, b"CNY", doc("budget 2"), sender=account)


@pytest.mark.parametrize(
    ("year", "amount", "currency"),
    [(0, 100, b"CNY"), (2026, 0, b"CNY"), (2026, 100, bytes(3))],
    ids=["no-fiscal-year", "zero-amount", "no-currency"],
)
def test_approve_budget_with_invalid_fields_reverts_budget_invalid(ledger, finance, year, amount, currency):
    with reverts(ledger.BudgetInvalid, fiscalYear=year, amount=amount, currency=currency):
        ledger.approveBudget(NEW_BUDGET, year, amount, currency, doc("budget 2"), sender=finance)


def test_approve_budget_without_document_reverts_document_missing(ledger, finance):
    with reverts(ledger.DocumentHashMissing):
        ledger.approveBudget(NEW_BUDGET, 2026, 100, b"CNY", bytes(32), sender=finance)


def test_approve_budget_twice_reverts_already_exists(ledger, finance):
    with reverts(ledger.BudgetAlreadyExists, budgetId=BUDGET_ID):
        ledger.approveBudget(BUDGET_ID, 2027, 1, b"USD", doc("again"), sender=finance)
    assert ledger.budget(BUDGET_ID).amount == BUDGET_AMOUNT


# ─── createProcess ───────────────────────────────────────────────────────────────────────────────────


def test_purchaser_creates_open_tender_process_and_emits_event(ledger, purchaser):
    tx = ledger.createProcess("ocds-abc-001", BUDGET_ID, OPEN_TENDER, doc("notice"), bytes(32), sender=purchaser)
    process_id = keccak(text="ocds-abc-001")
    assert tx.return_value == process_id
    assert single_event(tx, ledger.ProcessCreated) == {
        "processId": process_id,
        "budgetId": BUDGET_ID,
        "purchaserOrg": PURCHASER_ORG,
        "purchaser": purchaser.address,
        "method": OPEN_TENDER,
        "docHash": doc("notice"),
        "rationaleHash": bytes(32),
        "ocid": "ocds-abc-001",
    }
    process = ledger.processOf(process_id)
    assert (process.stage, process.method, process.budgetId, process.purchaserOrg) == (
        Stage.PLANNING,
        OPEN_TENDER,
        BUDGET_ID,
        PURCHASER_ORG,
    )
    assert ledger.processExists(process_id)
    assert ledger.processIdOf("ocds-abc-001") == process_id


def test_single_source_process_event_carries_rationale_hash(ledger, purchaser):
    tx = ledger.createProcess("ocds-ss-1", BUDGET_ID, SINGLE_SOURCE, doc("notice"), doc("why"), sender=purchaser)
    args = single_event(tx, ledger.ProcessCreated)
    assert (args["method"], args["rationaleHash"], args["purchaserOrg"]) == (SINGLE_SOURCE, doc("why"), PURCHASER_ORG)


def test_create_process_by_non_purchaser_reverts_unauthorized(ledger, supplier_a):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a.address, neededRole=PURCHASER_ROLE):
        ledger.createProcess("ocds-x", BUDGET_ID, OPEN_TENDER, doc("notice"), bytes(32), sender=supplier_a)


@pytest.mark.parametrize("length", [0, 129])
def test_create_process_with_invalid_ocid_length_reverts_invalid_ocid(ledger, purchaser, length):
    with reverts(ledger.ProcessInvalidOcid, length=length, maxLength=128):
        ledger.createProcess("o" * length, BUDGET_ID, OPEN_TENDER, doc("notice"), bytes(32), sender=purchaser)


def test_create_process_with_longest_ocid_works(ledger, purchaser):
    ledger.createProcess("o" * 128, BUDGET_ID, OPEN_TENDER, doc("notice"), bytes(32), sender=purchaser)
    assert ledger.processOf(keccak(text="o" * 128)).stage == Stage.PLANNING


def test_create_process_without_document_reverts_document_missing(ledger, purchaser):
    with reverts(ledger.DocumentHashMissing):
        ledger.createProcess("ocds-x", BUDGET_ID, OPEN_TENDER, bytes(32), bytes(32), sender=purchaser)


def test_create_process_on_unknown_budget_reverts_budget_unknown(ledger, purchaser):
    with reverts(ledger.BudgetUnknown, budgetId=NEW_BUDGET):
        ledger.createProcess("ocds-x", NEW_BUDGET, OPEN_TENDER, doc("notice"), bytes(32), sender=purchaser)


@pytest.mark.parametrize("creator", ["purchaser", "other_purchaser"])
def test_create_process_with_existing_ocid_reverts_already_exists(ledger, create_process, request, creator):
    process_id = create_process("ocds-dup")
    account = request.getfixturevalue(creator)
    with reverts(ledger.ProcessAlreadyExists, processId=process_id):
        ledger.createProcess("ocds-dup", BUDGET_ID, SINGLE_SOURCE, doc("n"), doc("r"), sender=account)
    assert ledger.processOf(process_id).method == OPEN_TENDER


def test_single_source_without_rationale_reverts_rationale_missing(ledger, purchaser):
    with reverts(ledger.SingleSourceRationaleMissing):
        ledger.createProcess("ocds-ss", BUDGET_ID, SINGLE_SOURCE, doc("notice"), bytes(32), sender=purchaser)


# ─── openTender ──────────────────────────────────────────────────────────────────────────────────────


def test_purchaser_opens_tender_and_emits_event(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    tx = ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)
    assert single_event(tx, ledger.TenderOpened) == {
        "processId": process_id,
        "bidDeadline": now + HOUR,
        "revealDeadline": now + 2 * HOUR,
        "docHash": doc("tender"),
    }
    assert ledger.processOf(process_id).stage == Stage.TENDER
    assert deadlines(ledger, process_id) == (now + HOUR, now + 2 * HOUR)


def test_open_tender_by_other_purchaser_reverts_not_purchaser(ledger, other_purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=other_purchaser)


def test_open_tender_by_supplier_reverts_unauthorized(ledger, supplier_a, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a.address, neededRole=PURCHASER_ROLE):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=supplier_a)


def test_open_tender_on_unknown_process_reverts_process_unknown(ledger, purchaser, chain):
    unknown = keccak(text="ocds-nowhere")
    now = chain.pending_timestamp
    with reverts(ledger.ProcessUnknown, processId=unknown):
        ledger.openTender(unknown, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


def test_open_tender_on_single_source_reverts_wrong_method(ledger, purchaser, chain, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    now = chain.pending_timestamp
    with reverts(ledger.ProcessWrongMethod, processId=process_id, method=SINGLE_SOURCE):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


@pytest.mark.parametrize(
    ("bid_offset", "reveal_offset"),
    [(0, HOUR), (-1, HOUR), (HOUR, HOUR), (HOUR, HOUR - 1)],
    ids=["bid-now", "bid-past", "reveal-equals-bid", "reveal-before-bid"],
)
def test_open_tender_with_invalid_deadlines_reverts(
    ledger, purchaser, chain, create_process, bid_offset, reveal_offset
):
    process_id = create_process()
    now = at(chain, chain.pending_timestamp + 10)
    bid, reveal = now + bid_offset, now + reveal_offset
    with reverts(ledger.TenderInvalidDeadlines, bidDeadline=bid, revealDeadline=reveal, now=now):
        ledger.openTender(process_id, bid, reveal, doc("tender"), sender=purchaser)


def test_open_tender_without_document_reverts_document_missing(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    with reverts(ledger.DocumentHashMissing):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, bytes(32), sender=purchaser)


# ─── amendTender ─────────────────────────────────────────────────────────────────────────────────────


def test_amend_tender_before_deadline_extends_deadlines_and_emits_event(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    tx = ledger.amendTender(process_id, doc("amend 1"), doc("why 1"), bid + HOUR, reveal + HOUR, sender=purchaser)
    assert single_event(tx, ledger.TenderAmended) == {
        "processId": process_id,
        "amendment": 1,
        "docHash": doc("amend 1"),
        "rationaleHash": doc("why 1"),
        "bidDeadline": bid + HOUR,
        "revealDeadline": reveal + HOUR,
    }
    assert deadlines(ledger, process_id) == (bid + HOUR, reveal + HOUR)
    tx = ledger.amendTender(process_id, doc("amend 2"), doc("why 2"), bid + HOUR, reveal + HOUR, sender=purchaser)
    assert single_event(tx, ledger.TenderAmended)["amendment"] == 2
    assert ledger.processOf(process_id).amendments == 2


def test_extended_bid_deadline_accepts_bids_after_the_original_deadline(
    ledger, purchaser, supplier_a, chain, open_tender
):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    ledger.amendTender(process_id, doc("amend"), doc("why"), bid + HOUR, reveal + HOUR, sender=purchaser)
    at(chain, bid + 1)
    sealed = commitment(process_id, supplier_a, 100, doc("bid"), doc("salt"))
    ledger.commitBid(process_id, sealed, sender=supplier_a)
    assert ledger.bidOf(process_id, supplier_a).commitment == sealed


@pytest.mark.parametrize("which", ["bid", "reveal"])
def test_amend_tender_shortening_a_deadline_reverts_deadline_shortened(ledger, purchaser, open_tender, which):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    new_bid, new_reveal = (bid - 1, reveal) if which == "bid" else (bid, reveal - 1)
    old, new = (bid, new_bid) if which == "bid" else (reveal, new_reveal)
    with reverts(ledger.TenderDeadlineShortened, oldDeadline=old, newDeadline=new):
        ledger.amendTender(process_id, doc("amend"), doc("why"), new_bid, new_reveal, sender=purchaser)


def test_amend_tender_moving_bid_past_reveal_reverts_invalid_deadlines(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    now = at(chain, bid - 10)
    with reverts(ledger.TenderInvalidDeadlines, bidDeadline=reveal, revealDeadline=reveal, now=now):
        ledger.amendTender(process_id, doc("amend"), doc("why"), reveal, reveal, sender=purchaser)


@pytest.mark.parametrize("after", [0, 1], ids=["at-deadline", "after-deadline"])
def test_amend_tender_at_or_after_bid_deadline_reverts_deadline_passed(ledger, purchaser, chain, open_tender, after):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    now = at(chain, bid + after)
    with reverts(ledger.TenderDeadlinePassed, processId=process_id, bidDeadline=bid, now=now):
        ledger.amendTender(process_id, doc("amend"), doc("why"), bid + HOUR, reveal + HOUR, sender=purchaser)


def test_amend_tender_without_rationale_reverts_document_missing(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    with reverts(ledger.DocumentHashMissing):
        ledger.amendTender(process_id, doc("amend"), bytes(32), bid, reveal, sender=purchaser)


def test_amend_tender_by_other_purchaser_reverts_not_purchaser(ledger, other_purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address):
        ledger.amendTender(process_id, doc("amend"), doc("why"), bid, reveal, sender=other_purchaser)


def test_amend_tender_in_planning_reverts_wrong_stage(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.PLANNING, required=Stage.TENDER):
        ledger.amendTender(process_id, doc("amend"), doc("why"), now + HOUR, now + 2 * HOUR, sender=purchaser)


# ─── Stages only move forward ────────────────────────────────────────────────────────────────────────


def test_open_tender_twice_reverts_wrong_stage(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.TENDER, required=Stage.PLANNING):
        ledger.openTender(process_id, bid + HOUR, reveal + HOUR, doc("tender again"), sender=purchaser)
    assert deadlines(ledger, process_id) == (bid, reveal)


def test_record_evaluation_twice_reverts_wrong_stage(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    _, reveal = deadlines(ledger, process_id)
    at(chain, reveal)
    ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.EVALUATION, required=Stage.TENDER):
        ledger.recordEvaluation(process_id, doc("report 2"), sender=purchaser)


def test_cancelled_process_cannot_reopen_tender(ledger, purchaser, chain, create_process):
    process_id = create_process()
    ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    now = chain.pending_timestamp
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.CANCELLED, required=Stage.PLANNING):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


# ─── cancelProcess ───────────────────────────────────────────────────────────────────────────────────


def to_stage(ledger: Any, purchaser: Any, chain: Any, open_tender: Any, stage: int) -> bytes:
    """An open-tender process brought to Planning, Tender or Evaluation."""
    if stage == Stage.PLANNING:
        ocid = "ocds-planning"
        ledger.createProcess(ocid, BUDGET_ID, OPEN_TENDER, doc("notice"), bytes(32), sender=purchaser)
        return keccak(text=ocid)
    process_id = open_tender()
    if stage == Stage.EVALUATION:
        at(chain, deadlines(ledger, process_id)[1])
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    return process_id


@pytest.mark.parametrize("stage", [Stage.PLANNING, Stage.TENDER, Stage.EVALUATION])
def test_cancel_before_award_emits_event_and_commits_nothing(ledger, purchaser, chain, open_tender, stage):
    process_id = to_stage(ledger, purchaser, chain, open_tender, stage)
    assert ledger.processOf(process_id).stage == stage
    tx = ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert single_event(tx, ledger.ProcessCancelled) == {
        "processId": process_id,
        "fromStage": stage,
        "docHash": doc("cancel"),
    }
    assert ledger.BudgetCommitmentChanged.from_receipt(tx) == []
    assert ledger.processOf(process_id).stage == Stage.CANCELLED


def test_cancel_awarded_process_releases_budget_commitment(ledger, purchaser, supplier_a, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    ledger.awardProcess(process_id, supplier_a, 40_000, doc("award"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == 40_000
    tx = ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == 0
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": process_id,
        "committed": 0,
    }
    assert single_event(tx, ledger.ProcessCancelled)["fromStage"] == Stage.AWARDED


def test_cancel_after_contract_signed_reverts_not_cancellable(ledger, purchaser, supplier_a, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    ledger.awardProcess(process_id, supplier_a, 40_000, doc("award"), sender=purchaser)
    ledger.signContract(process_id, keccak(text="contract-1"), 40_000, doc("contract"), sender=purchaser)
    with reverts(ledger.ProcessNotCancellable, processId=process_id, current=Stage.CONTRACTED):
        ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == 40_000


def test_cancel_twice_reverts_not_cancellable(ledger, purchaser, create_process):
    process_id = create_process()
    ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    with reverts(ledger.ProcessNotCancellable, processId=process_id, current=Stage.CANCELLED):
        ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)


def test_cancel_by_other_purchaser_reverts_not_purchaser(ledger, other_purchaser, create_process):
    process_id = create_process()
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address):
        ledger.cancelProcess(process_id, doc("cancel"), sender=other_purchaser)
    assert ledger.processOf(process_id).stage == Stage.PLANNING


def test_cancel_without_document_reverts_document_missing(ledger, purchaser, create_process):
    process_id = create_process()
    with reverts(ledger.DocumentHashMissing):
        ledger.cancelProcess(process_id, bytes(32), sender=purchaser)


def test_cancel_unknown_process_reverts_process_unknown(ledger, purchaser):
    unknown = keccak(text="ocds-nowhere")
    with reverts(ledger.ProcessUnknown, processId=unknown):
        ledger.cancelProcess(unknown, doc("cancel"), sender=purchaser)
