"""Evaluation, award (open tender and single source), complaints that pause the process, and audit notes."""

from collections.abc import Sequence
from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    AUDITOR_ROLE,
    BUDGET_ID,
    DELIVERY,
    DISMISSED,
    FINANCE_ROLE,
    HOUR,
    OPEN_TENDER,
    ORGS,
    SINGLE_SOURCE,
    SUPPLIER_ROLE,
    UPHELD,
    WITHDRAWN,
    Stage,
    commitment,
    doc,
    org,
    reverts,
    single_event,
)

SALT = keccak(text="salt")
SMALL_BUDGET = keccak(text="BUDGET-2026-SMALL")
CONTRACT_ID = keccak(text="contract-1")
COMPLAINT = keccak(text="complaint-1")
UNKNOWN_PROCESS = keccak(text="ocds-nowhere")


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def bid_and_reveal(ledger: Any, chain: Any, process_id: bytes, bids: Sequence[tuple[Any, int]], reveal: int) -> None:
    """Commit every (bidder, amount) in `bids`, reveal the first `reveal` of them, and close the reveal window."""
    for bidder, amount in bids:
        sealed = commitment(process_id, bidder, amount, doc(f"bid {amount}"), SALT)
        ledger.commitBid(process_id, sealed, sender=bidder)
    process = ledger.processOf(process_id)
    at(chain, process.bidDeadline)
    for bidder, amount in bids[:reveal]:
        ledger.revealBid(process_id, amount, doc(f"bid {amount}"), SALT, sender=bidder)
    at(chain, process.revealDeadline)


def evaluated(ledger: Any, purchaser: Any, chain: Any, process_id: bytes, bids: Any, reveal: int) -> bytes:
    """Run the tender `process_id` through bidding and record its evaluation."""
    bid_and_reveal(ledger, chain, process_id, bids, reveal)
    ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    return process_id


def process_on(ledger: Any, purchaser: Any, chain: Any, ocid: str, budget_id: bytes, method: int) -> bytes:
    """A process on budget line `budget_id`; an open tender is published (bids close in 1 h, reveals in 2 h)."""
    ledger.createProcess(ocid, budget_id, method, doc(f"notice {ocid}"), doc("rationale"), sender=purchaser)
    process_id = keccak(text=ocid)
    if method == OPEN_TENDER:
        now = chain.pending_timestamp
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)
    return process_id


# ─── recordEvaluation ────────────────────────────────────────────────────────────────────────────────


def test_record_evaluation_at_reveal_deadline_emits_bid_statistics(
    ledger, admin, purchaser, supplier_a, supplier_b, accounts, chain, open_tender
):
    supplier_c = accounts[7]
    ledger.registerOrganisation(org("SUPPLIER-C"), SUPPLIER_ROLE, sender=admin)
    ledger.addOrganisationAccount(org("SUPPLIER-C"), supplier_c, sender=admin)
    process_id = open_tender()
    bid_and_reveal(ledger, chain, process_id, [(supplier_b, 800), (supplier_a, 900), (supplier_c, 700)], reveal=2)
    tx = ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    assert single_event(tx, ledger.EvaluationRecorded) == {
        "processId": process_id,
        "reportHash": doc("report"),
        "bidCount": 3,
        "revealedBidders": [supplier_b.address, supplier_a.address],
        "revealedAmounts": [800, 900],
    }
    assert ledger.processOf(process_id).stage == Stage.EVALUATION


def test_record_evaluation_before_reveal_deadline_reverts_too_early(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    reveal = ledger.processOf(process_id).revealDeadline
    now = at(chain, reveal - 1)
    with reverts(ledger.EvaluationTooEarly, processId=process_id, revealDeadline=reveal, now=now):
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)


def test_record_evaluation_by_other_purchaser_reverts_not_purchaser(ledger, other_purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, ledger.processOf(process_id).revealDeadline)
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address):
        ledger.recordEvaluation(process_id, doc("report"), sender=other_purchaser)


def test_record_evaluation_without_report_reverts_document_missing(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, ledger.processOf(process_id).revealDeadline)
    with reverts(ledger.DocumentHashMissing):
        ledger.recordEvaluation(process_id, bytes(32), sender=purchaser)


# ─── awardProcess: open tender ───────────────────────────────────────────────────────────────────────


def test_award_to_revealed_bidder_at_its_bid_commits_budget_and_emits_events(
    ledger, purchaser, supplier_a, supplier_b, chain, open_tender
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900), (supplier_b, 800)], reveal=1)
    tx = ledger.awardProcess(process_id, supplier_a, 900, doc("award"), sender=purchaser)
    assert single_event(tx, ledger.ProcessAwarded) == {
        "processId": process_id,
        "supplier": supplier_a.address,
        "amount": 900,
        "docHash": doc("award"),
        "bidCount": 2,
        "revealCount": 1,
    }
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": process_id,
        "committed": 900,
    }
    assert ledger.budget(BUDGET_ID).committed == 900
    process = ledger.processOf(process_id)
    assert (process.stage, process.awardee, process.awardAmount) == (Stage.AWARDED, supplier_a.address, 900)


@pytest.mark.parametrize("who", ["supplier_b", "supplier_c"], ids=["committed-not-revealed", "supplier-without-bid"])
def test_award_to_bidder_not_revealed_reverts_not_revealed(
    ledger, admin, purchaser, supplier_a, supplier_b, accounts, chain, open_tender, request, who
):
    supplier_c = accounts[7]
    ledger.registerOrganisation(org("SUPPLIER-C"), SUPPLIER_ROLE, sender=admin)
    ledger.addOrganisationAccount(org("SUPPLIER-C"), supplier_c, sender=admin)
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900), (supplier_b, 800)], reveal=1)
    account = supplier_c if who == "supplier_c" else request.getfixturevalue(who)
    with reverts(ledger.AwardBidderNotRevealed, processId=process_id, supplier=account.address):
        ledger.awardProcess(process_id, account, 800, doc("award"), sender=purchaser)


@pytest.mark.parametrize("who", ["outsider", "purchaser", "auditor"])
def test_open_tender_award_to_non_supplier_reverts_not_registered(
    ledger, purchaser, supplier_a, chain, open_tender, request, who
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)
    account = request.getfixturevalue(who)
    with reverts(ledger.AwardSupplierNotRegistered, supplier=account.address):
        ledger.awardProcess(process_id, account, 900, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.EVALUATION


def test_award_to_supplier_removed_after_its_revealed_bid_reverts_not_registered(
    ledger, admin, purchaser, supplier_a, supplier_b, chain, open_tender
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 800), (supplier_b, 900)], reveal=2)
    ledger.removeOrganisationAccount(ORGS["supplier_a"][0], supplier_a, sender=admin)
    assert ledger.bidOf(process_id, supplier_a).revealed
    with reverts(ledger.AwardSupplierNotRegistered, supplier=supplier_a.address):
        ledger.awardProcess(process_id, supplier_a, 800, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.EVALUATION
    assert ledger.budget(BUDGET_ID).committed == 0
    tx = ledger.awardProcess(process_id, supplier_b, 900, doc("award"), sender=purchaser)
    assert single_event(tx, ledger.ProcessAwarded)["supplier"] == supplier_b.address


@pytest.mark.parametrize("method", [OPEN_TENDER, SINGLE_SOURCE], ids=["open-tender", "single-source"])
def test_award_checks_the_supplier_registration_before_the_method_and_stage(
    ledger, purchaser, supplier_a, outsider, chain, method
):
    # Both at the wrong stage to award: an open tender still taking bids, a single source already awarded.
    process_id = process_on(ledger, purchaser, chain, "ocds-early", BUDGET_ID, method)
    if method == SINGLE_SOURCE:
        ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    stage = ledger.processOf(process_id).stage
    with reverts(ledger.AwardSupplierNotRegistered, supplier=outsider.address):
        ledger.awardProcess(process_id, outsider, 5_000, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == stage


@pytest.mark.parametrize("amount", [899, 901])
def test_award_amount_other_than_revealed_bid_reverts_mismatch(
    ledger, purchaser, supplier_a, chain, open_tender, amount
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)
    with reverts(ledger.AwardAmountMismatch, processId=process_id, bidAmount=900, awardAmount=amount):
        ledger.awardProcess(process_id, supplier_a, amount, doc("award"), sender=purchaser)


def test_award_above_remaining_budget_reverts_budget_exceeded(ledger, finance, purchaser, supplier_a, chain):
    ledger.approveBudget(SMALL_BUDGET, 2026, 1_000, b"CNY", doc("small budget"), sender=finance)
    direct = process_on(ledger, purchaser, chain, "ocds-direct", SMALL_BUDGET, SINGLE_SOURCE)
    ledger.awardProcess(direct, supplier_a, 300, doc("award direct"), sender=purchaser)
    process_id = process_on(ledger, purchaser, chain, "ocds-small", SMALL_BUDGET, OPEN_TENDER)
    evaluated(ledger, purchaser, chain, process_id, [(supplier_a, 701)], reveal=1)
    with reverts(ledger.BudgetExceeded, budgetId=SMALL_BUDGET, requested=701, remaining=700):
        ledger.awardProcess(process_id, supplier_a, 701, doc("award"), sender=purchaser)
    assert ledger.budget(SMALL_BUDGET).committed == 300


def test_award_of_exactly_the_remaining_budget_works(ledger, finance, purchaser, supplier_a, chain):
    ledger.approveBudget(SMALL_BUDGET, 2026, 1_000, b"CNY", doc("small budget"), sender=finance)
    process_id = process_on(ledger, purchaser, chain, "ocds-small", SMALL_BUDGET, OPEN_TENDER)
    evaluated(ledger, purchaser, chain, process_id, [(supplier_a, 1_000)], reveal=1)
    tx = ledger.awardProcess(process_id, supplier_a, 1_000, doc("award"), sender=purchaser)
    assert single_event(tx, ledger.BudgetCommitmentChanged)["committed"] == 1_000
    assert ledger.budget(SMALL_BUDGET).committed == 1_000


def test_award_open_tender_before_evaluation_reverts_wrong_stage(ledger, purchaser, supplier_a, chain, open_tender):
    process_id = open_tender()
    bid_and_reveal(ledger, chain, process_id, [(supplier_a, 900)], reveal=1)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.TENDER, required=Stage.EVALUATION):
        ledger.awardProcess(process_id, supplier_a, 900, doc("award"), sender=purchaser)


def test_award_twice_reverts_wrong_stage(ledger, purchaser, supplier_a, chain, open_tender):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)
    ledger.awardProcess(process_id, supplier_a, 900, doc("award"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.AWARDED, required=Stage.EVALUATION):
        ledger.awardProcess(process_id, supplier_a, 900, doc("award"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == 900


def test_award_by_other_purchaser_reverts_not_purchaser(
    ledger, purchaser, other_purchaser, supplier_a, chain, open_tender
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address):
        ledger.awardProcess(process_id, supplier_a, 900, doc("award"), sender=other_purchaser)


# ─── awardProcess: single source ─────────────────────────────────────────────────────────────────────


def test_single_source_award_from_planning_commits_budget_and_emits_event(
    ledger, purchaser, supplier_a, create_process
):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    tx = ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    assert single_event(tx, ledger.ProcessAwarded) == {
        "processId": process_id,
        "supplier": supplier_a.address,
        "amount": 5_000,
        "docHash": doc("award"),
        "bidCount": 0,
        "revealCount": 0,
    }
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": process_id,
        "committed": 5_000,
    }
    assert ledger.processOf(process_id).stage == Stage.AWARDED


@pytest.mark.parametrize("who", ["outsider", "purchaser", "auditor"])
def test_single_source_award_to_non_supplier_reverts_not_registered(ledger, purchaser, create_process, request, who):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    account = request.getfixturevalue(who)
    with reverts(ledger.AwardSupplierNotRegistered, supplier=account.address):
        ledger.awardProcess(process_id, account, 5_000, doc("award"), sender=purchaser)


def test_single_source_award_to_removed_supplier_reverts_not_registered(
    ledger, admin, purchaser, supplier_a, create_process
):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    ledger.removeOrganisationAccount(ORGS["supplier_a"][0], supplier_a, sender=admin)
    with reverts(ledger.AwardSupplierNotRegistered, supplier=supplier_a.address):
        ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.PLANNING
    assert ledger.budget(BUDGET_ID).committed == 0


def test_single_source_award_twice_reverts_wrong_stage(ledger, purchaser, supplier_a, supplier_b, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.AWARDED, required=Stage.PLANNING):
        ledger.awardProcess(process_id, supplier_b, 4_000, doc("award"), sender=purchaser)


def test_award_zero_amount_reverts_invalid_amount(ledger, purchaser, supplier_a, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    with reverts(ledger.AwardInvalidAmount):
        ledger.awardProcess(process_id, supplier_a, 0, doc("award"), sender=purchaser)


# ─── Complaints ──────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("who", ["supplier_b", "other_purchaser", "auditor"])
def test_registered_organisation_files_complaint_and_emits_event(ledger, create_process, request, who):
    process_id = create_process()
    account = request.getfixturevalue(who)
    tx = ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=account)
    assert single_event(tx, ledger.ComplaintFiled) == {
        "processId": process_id,
        "complaintId": COMPLAINT,
        "complainantOrg": ORGS[who][0],
        "docHash": doc("complaint"),
    }
    assert ledger.processOf(process_id).openComplaints == 1


def test_complaint_by_outsider_reverts_account_not_registered(ledger, outsider, create_process):
    process_id = create_process()
    with reverts(ledger.AccountNotRegistered, account=outsider.address):
        ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=outsider)


def test_complaint_with_existing_id_reverts_already_exists_even_after_resolution(
    ledger, finance, supplier_a, supplier_b, create_process
):
    process_id = create_process()
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_a)
    with reverts(ledger.ComplaintAlreadyExists, processId=process_id, complaintId=COMPLAINT):
        ledger.fileComplaint(process_id, COMPLAINT, doc("other"), sender=supplier_b)
    ledger.resolveComplaint(process_id, COMPLAINT, DISMISSED, doc("decision"), sender=finance)
    with reverts(ledger.ComplaintAlreadyExists, processId=process_id, complaintId=COMPLAINT):
        ledger.fileComplaint(process_id, COMPLAINT, doc("again"), sender=supplier_a)


def test_complaint_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.fileComplaint(UNKNOWN_PROCESS, COMPLAINT, doc("complaint"), sender=supplier_a)


def test_complaint_without_document_reverts_document_missing(ledger, supplier_a, create_process):
    process_id = create_process()
    with reverts(ledger.DocumentHashMissing):
        ledger.fileComplaint(process_id, COMPLAINT, bytes(32), sender=supplier_a)


def test_open_complaints_pause_award_until_all_are_resolved(ledger, purchaser, finance, supplier_a, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    second = keccak(text="complaint-2")
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_a)
    ledger.fileComplaint(process_id, second, doc("complaint 2"), sender=supplier_a)
    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=2):
        ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    ledger.resolveComplaint(process_id, COMPLAINT, UPHELD, doc("decision"), sender=finance)
    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    ledger.resolveComplaint(process_id, second, WITHDRAWN, doc("decision 2"), sender=finance)
    ledger.awardProcess(process_id, supplier_a, 5_000, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED


def test_open_complaint_pauses_contract_signing_until_resolved(ledger, purchaser, finance, supplier_b, create_process):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    ledger.awardProcess(process_id, supplier_b, 5_000, doc("award"), sender=purchaser)
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_b)
    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.signContract(process_id, CONTRACT_ID, 5_000, doc("contract"), sender=purchaser)
    ledger.resolveComplaint(process_id, COMPLAINT, DISMISSED, doc("decision"), sender=finance)
    ledger.signContract(process_id, CONTRACT_ID, 5_000, doc("contract"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.CONTRACTED


@pytest.mark.parametrize("outcome", [DISMISSED, UPHELD, WITHDRAWN])
def test_finance_resolves_complaint_and_emits_event(ledger, finance, supplier_a, create_process, outcome):
    process_id = create_process()
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_a)
    tx = ledger.resolveComplaint(process_id, COMPLAINT, outcome, doc("decision"), sender=finance)
    assert single_event(tx, ledger.ComplaintResolved) == {
        "processId": process_id,
        "complaintId": COMPLAINT,
        "outcome": outcome,
        "docHash": doc("decision"),
        "openComplaints": 0,
    }
    assert ledger.processOf(process_id).openComplaints == 0


@pytest.mark.parametrize("who", ["purchaser", "supplier_a", "auditor"])
def test_resolve_complaint_by_non_finance_reverts_unauthorized(ledger, supplier_a, create_process, request, who):
    process_id = create_process()
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_a)
    account = request.getfixturevalue(who)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=FINANCE_ROLE):
        ledger.resolveComplaint(process_id, COMPLAINT, DISMISSED, doc("decision"), sender=account)
    assert ledger.processOf(process_id).openComplaints == 1


def test_resolve_complaint_with_outcome_none_reverts_outcome_invalid(ledger, finance, supplier_a, create_process):
    process_id = create_process()
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_a)
    with reverts(ledger.ComplaintOutcomeInvalid):
        ledger.resolveComplaint(process_id, COMPLAINT, 0, doc("decision"), sender=finance)


def test_resolve_complaint_twice_reverts_not_open(ledger, finance, supplier_a, create_process):
    process_id = create_process()
    ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_a)
    ledger.resolveComplaint(process_id, COMPLAINT, DISMISSED, doc("decision"), sender=finance)
    with reverts(ledger.ComplaintNotOpen, processId=process_id, complaintId=COMPLAINT):
        ledger.resolveComplaint(process_id, COMPLAINT, UPHELD, doc("decision 2"), sender=finance)


def test_resolve_complaint_never_filed_reverts_not_open(ledger, finance, create_process):
    process_id = create_process()
    with reverts(ledger.ComplaintNotOpen, processId=process_id, complaintId=COMPLAINT):
        ledger.resolveComplaint(process_id, COMPLAINT, DISMISSED, doc("decision"), sender=finance)


def close(ledger: Any, purchaser: Any, supplier: Any, process_id: bytes, stage: int) -> None:
    """Bring a fresh single-source process to Cancelled, Completed or Terminated."""
    if stage == Stage.CANCELLED:
        ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
        return
    ledger.awardProcess(process_id, supplier, 5_000, doc("award"), sender=purchaser)
    ledger.signContract(process_id, CONTRACT_ID, 5_000, doc("contract"), sender=purchaser)
    if stage == Stage.TERMINATED:
        ledger.terminateContract(process_id, CONTRACT_ID, doc("termination"), sender=purchaser)
        return
    milestone = keccak(text="milestone-1")
    ledger.recordMilestone(process_id, CONTRACT_ID, milestone, DELIVERY, doc("delivery"), sender=supplier)
    ledger.recordMilestone(process_id, CONTRACT_ID, milestone, ACCEPTANCE, doc("acceptance"), sender=purchaser)
    ledger.completeProcess(process_id, doc("completion"), sender=purchaser)


@pytest.mark.parametrize("stage", [Stage.CANCELLED, Stage.COMPLETED, Stage.TERMINATED])
def test_complaint_on_closed_process_reverts_process_closed(
    ledger, purchaser, supplier_a, supplier_b, create_process, stage
):
    process_id = create_process("ocds-ss", method=SINGLE_SOURCE)
    close(ledger, purchaser, supplier_a, process_id, stage)
    assert ledger.processOf(process_id).stage == stage
    with reverts(ledger.ProcessClosed, processId=process_id, current=stage):
        ledger.fileComplaint(process_id, COMPLAINT, doc("complaint"), sender=supplier_b)


# ─── Audit notes ─────────────────────────────────────────────────────────────────────────────────────


def test_auditor_records_audit_note_with_event_and_changes_nothing_else(ledger, auditor, create_process):
    process_id = create_process()
    before = ledger.processOf(process_id)
    tx = ledger.recordAuditNote(process_id, doc("findings"), sender=auditor)
    assert single_event(tx, ledger.AuditNoteRecorded) == {
        "processId": process_id,
        "auditorOrg": ORGS["auditor"][0],
        "findingsHash": doc("findings"),
    }
    assert ledger.processOf(process_id) == before


@pytest.mark.parametrize("who", ["purchaser", "finance", "outsider"])
def test_audit_note_by_non_auditor_reverts_unauthorized(ledger, create_process, request, who):
    process_id = create_process()
    account = request.getfixturevalue(who)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=AUDITOR_ROLE):
        ledger.recordAuditNote(process_id, doc("findings"), sender=account)


def test_audit_note_on_unknown_process_reverts_process_unknown(ledger, auditor):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.recordAuditNote(UNKNOWN_PROCESS, doc("findings"), sender=auditor)


def test_audit_note_without_findings_reverts_document_missing(ledger, auditor, create_process):
    process_id = create_process()
    with reverts(ledger.DocumentHashMissing):
        ledger.recordAuditNote(process_id, bytes(32), sender=auditor)
