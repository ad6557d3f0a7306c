"""Evaluation, award, complaints and audit notes (Contracts 2.0).

Rules covered, each with a passing case and a reverting one naming the custom error with all its arguments:

- recordEvaluation: the purchaser, once the reveal window has closed; the event carries the bid statistics.
- awardProcess(processId, supplierOrg, amount, docHash) names an organisation. Open tender: from Evaluation, only to
  an organisation whose bid was revealed, at exactly its amount. Single source: from Planning, to any registered
  supplier organisation. The award goes to a supplier organisation (AwardSupplierInvalid with the role it has
  otherwise, checked before the stage), for a positive amount, within the budget line's remainder, never to a
  suspended supplier nor by a suspended purchaser, and never while a complaint is open.
- fileComplaint(processId, complaintRef, docHash): suppliers only; the id is scopedId(complainantOrg, ref). Standing:
  any registered supplier while the terms are open (Planning, Tender before the bid deadline, single source until
  signing), afterwards only organisations that committed a bid; nobody once the contract is signed or the process
  cancelled. At most MAX_OPEN_COMPLAINTS_PER_ORGANISATION open per organisation per process, also within one
  multicall. A resend reverts ComplaintAlreadyRecorded, checked first. Open complaints pause award and signing.
- resolveComplaint: only the finance bureau of the process's budget line; an outcome among Dismissed, Upheld and
  Withdrawn; only an open complaint.
- recordAuditNote(processId, noteRef, findingsHash): auditors only; the id is scopedId(auditorOrg, ref), and a resend
  reverts AuditNoteAlreadyRecorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    AUDITOR_ORG,
    AUDITOR_ROLE,
    AWARD,
    BUDGET_ID,
    COMPLAINT_NONE,
    CONTRACT_ID,
    DELIVERY,
    DISMISSED,
    FINANCE_ORG,
    FINANCE_ROLE,
    HOUR,
    M1,
    M2,
    OPEN,
    OPEN_TENDER,
    OTHER_FINANCE_ORG,
    PUBLISHER_ORG,
    PUBLISHER_ROLE,
    PURCHASER_ORG,
    PURCHASER_ROLE,
    SCHEDULE,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    SUPPLIER_ROLE,
    UNKNOWN_PROCESS,
    UPHELD,
    WITHDRAWN,
    ZERO_HASH,
    Stage,
    commitment,
    doc,
    org,
    reverts,
    scoped_id,
    selector,
    single_event,
)

SALT = keccak(text="salt")
COMPLAINT_REF = keccak(text="complaint-1")
NOTE_REF = keccak(text="audit-note-1")
SMALL_BUDGET_REF = keccak(text="BUDGET-2026-SMALL")
SMALL_BUDGET = scoped_id(FINANCE_ORG, SMALL_BUDGET_REF)
UNREGISTERED_ORG = org("UNREGISTERED-ORG")
MAX_OPEN_COMPLAINTS = 3

# Selectors as DocumentHashMissing reports them.
RECORD_EVALUATION = selector("recordEvaluation(bytes32,bytes32)")
AWARD_PROCESS = selector("awardProcess(bytes32,bytes32,uint96,bytes32)")
FILE_COMPLAINT = selector("fileComplaint(bytes32,bytes32,bytes32)")
RESOLVE_COMPLAINT = selector("resolveComplaint(bytes32,bytes32,uint8,bytes32)")
RECORD_AUDIT_NOTE = selector("recordAuditNote(bytes32,bytes32,bytes32)")


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def bid_doc(amount: int) -> bytes:
    return doc(f"bid {amount}")


def commit(ledger: Any, process_id: bytes, bidder: Any, amount: int) -> None:
    """Commit the sealed bid of `bidder`'s organisation for `amount`."""
    sealed = commitment(process_id, ledger.organisationOf(bidder), amount, bid_doc(amount), SALT)
    ledger.commitBid(process_id, sealed, sender=bidder)


def bid_and_reveal(ledger: Any, chain: Any, process_id: bytes, bids: Sequence[tuple[Any, int]], reveal: int) -> None:
    """Commit every (bidder, amount) in `bids`, reveal the first `reveal` of them, and close the reveal window."""
    for bidder, amount in bids:
        commit(ledger, process_id, bidder, amount)
    process = ledger.processOf(process_id)
    at(chain, process.bidDeadline)
    for bidder, amount in bids[:reveal]:
        ledger.revealBid(process_id, amount, bid_doc(amount), SALT, sender=bidder)
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


def approve_small_budget(ledger: Any, finance: Any, amount: int = 1_000) -> bytes:
    """Budget line SMALL_BUDGET of FINANCE_ORG for PURCHASER_ORG, of `amount`."""
    ledger.approveBudget(SMALL_BUDGET_REF, 2026, amount, b"CNY", doc("small budget"), [PURCHASER_ORG], sender=finance)
    return SMALL_BUDGET


def file(ledger: Any, process_id: bytes, account: Any, ref: bytes = COMPLAINT_REF) -> Any:
    """File a complaint under `ref` for `account`'s organisation."""
    return ledger.fileComplaint(process_id, ref, doc(f"complaint {ref.hex()}"), sender=account)


def ref(number: int) -> bytes:
    return keccak(text=f"complaint-{number}")


@pytest.fixture
def tender_with_bids(
    ledger: Any, supplier_a: Any, supplier_b: Any, open_tender: Callable[..., bytes]
) -> Callable[[], bytes]:
    """An open tender where supplier A's organisation committed 900 and supplier B's 800, before the bid deadline."""

    def make() -> bytes:
        process_id = open_tender()
        commit(ledger, process_id, supplier_a, 900)
        commit(ledger, process_id, supplier_b, 800)
        return process_id

    return make


# ─── recordEvaluation ────────────────────────────────────────────────────────────────────────────────


def test_record_evaluation_at_reveal_deadline_emits_bid_statistics(
    ledger, purchaser, supplier_a, supplier_b, supplier_c, chain, open_tender
):
    process_id = open_tender()
    bid_and_reveal(ledger, chain, process_id, [(supplier_b, 800), (supplier_a, 900), (supplier_c, 700)], reveal=2)

    tx = ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)

    assert single_event(tx, ledger.EvaluationRecorded) == {
        "processId": process_id,
        "reportHash": doc("report"),
        "bidCount": 3,
        "unrevealedCount": 1,
        "revealedBidders": [SUPPLIER_B_ORG, SUPPLIER_A_ORG],
        "revealedAmounts": [800, 900],
    }
    assert ledger.processOf(process_id).stage == Stage.EVALUATION


def test_record_evaluation_before_reveal_deadline_reverts_too_early(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    reveal = ledger.processOf(process_id).revealDeadline
    now = at(chain, reveal - 1)

    with reverts(ledger.EvaluationTooEarly, processId=process_id, revealDeadline=reveal, now=now):
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)

    assert ledger.processOf(process_id).stage == Stage.TENDER


def test_record_evaluation_by_other_purchaser_reverts_not_purchaser(ledger, other_purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, ledger.processOf(process_id).revealDeadline)

    with reverts(
        ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address, purchaserOrg=PURCHASER_ORG
    ):
        ledger.recordEvaluation(process_id, doc("report"), sender=other_purchaser)


def test_record_evaluation_without_report_reverts_document_missing(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, ledger.processOf(process_id).revealDeadline)

    with reverts(ledger.DocumentHashMissing, action=RECORD_EVALUATION, argument=1):
        ledger.recordEvaluation(process_id, ZERO_HASH, sender=purchaser)


# ─── awardProcess: open tender ───────────────────────────────────────────────────────────────────────


def test_award_to_revealed_bid_at_its_amount_commits_budget_and_emits_events(
    ledger, purchaser, supplier_a, supplier_b, chain, open_tender
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900), (supplier_b, 800)], reveal=1)

    tx = ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)

    assert single_event(tx, ledger.ProcessAwarded) == {
        "processId": process_id,
        "supplierOrg": SUPPLIER_A_ORG,
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
    assert (process.stage, process.supplierOrg, process.awardAmount) == (Stage.AWARDED, SUPPLIER_A_ORG, 900)


@pytest.mark.parametrize(
    "supplier_org", [SUPPLIER_B_ORG, SUPPLIER_C_ORG], ids=["committed-not-revealed", "supplier-without-bid"]
)
def test_award_to_an_organisation_without_a_revealed_bid_reverts_not_revealed(
    ledger, purchaser, supplier_a, supplier_b, chain, open_tender, supplier_org
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900), (supplier_b, 800)], reveal=1)

    with reverts(ledger.AwardBidderNotRevealed, processId=process_id, supplierOrg=supplier_org):
        ledger.awardProcess(process_id, supplier_org, 800, doc("award"), sender=purchaser)

    assert ledger.processOf(process_id).stage == Stage.EVALUATION


@pytest.mark.parametrize("amount", [899, 901])
def test_award_amount_other_than_the_revealed_bid_reverts_mismatch(
    ledger, purchaser, supplier_a, chain, open_tender, amount
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)

    with reverts(ledger.AwardAmountMismatch, processId=process_id, bidAmount=900, awardAmount=amount):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, amount, doc("award"), sender=purchaser)

    assert ledger.budget(BUDGET_ID).committed == 0


def test_award_goes_to_the_bidding_organisation_after_the_account_that_committed_left_it(
    ledger, admin, purchaser, supplier_a, supplier_a2, chain, open_tender
):
    process_id = open_tender()
    commit(ledger, process_id, supplier_a, 900)
    at(chain, ledger.processOf(process_id).bidDeadline)
    ledger.revealBid(process_id, 900, bid_doc(900), SALT, sender=supplier_a2)
    at(chain, ledger.processOf(process_id).revealDeadline)
    ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    tx = ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)

    assert single_event(tx, ledger.ProcessAwarded)["supplierOrg"] == SUPPLIER_A_ORG
    assert ledger.processOf(process_id).supplierOrg == SUPPLIER_A_ORG


def test_award_open_tender_before_evaluation_reverts_wrong_stage(ledger, purchaser, supplier_a, chain, open_tender):
    process_id = open_tender()
    bid_and_reveal(ledger, chain, process_id, [(supplier_a, 900)], reveal=1)

    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.TENDER, required=Stage.EVALUATION):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)


def test_award_open_tender_twice_reverts_wrong_stage(ledger, purchaser, supplier_a, chain, open_tender):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)
    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)

    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.AWARDED, required=Stage.EVALUATION):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)

    assert ledger.budget(BUDGET_ID).committed == 900


# ─── awardProcess: single source ─────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("supplier_org", [SUPPLIER_A_ORG, SUPPLIER_C_ORG], ids=["supplier-a", "supplier-c"])
def test_single_source_award_from_planning_to_any_supplier_organisation_commits_budget(
    ledger, purchaser, create_process, supplier_org
):
    process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)

    tx = ledger.awardProcess(process_id, supplier_org, 5_000, doc("award"), sender=purchaser)

    assert single_event(tx, ledger.ProcessAwarded) == {
        "processId": process_id,
        "supplierOrg": supplier_org,
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
    process = ledger.processOf(process_id)
    assert (process.stage, process.supplierOrg, process.awardAmount) == (Stage.AWARDED, supplier_org, 5_000)


def test_single_source_award_twice_reverts_wrong_stage(ledger, purchaser, create_process):
    process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)
    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)

    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.AWARDED, required=Stage.PLANNING):
        ledger.awardProcess(process_id, SUPPLIER_B_ORG, 4_000, doc("award"), sender=purchaser)

    assert ledger.processOf(process_id).supplierOrg == SUPPLIER_A_ORG


# ─── awardProcess: rules of both methods ─────────────────────────────────────────────────────────────


@pytest.fixture
def ready_to_award(
    ledger: Any, purchaser: Any, supplier_a: Any, chain: Any, open_tender: Callable[..., bytes], create_process: Any
) -> Callable[[int], bytes]:
    """A process ready for its award of 900 to SUPPLIER_A_ORG: an evaluated open tender where that organisation's
    bid of 900 was revealed, or a single source in Planning."""

    def make(method: int) -> bytes:
        if method == SINGLE_SOURCE:
            return create_process("ocds-test-ss", method=SINGLE_SOURCE)
        return evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 900)], reveal=1)

    return make


METHODS = pytest.mark.parametrize("method", [OPEN_TENDER, SINGLE_SOURCE], ids=["open-tender", "single-source"])


@METHODS
@pytest.mark.parametrize(
    ("supplier_org", "role"),
    [
        (PURCHASER_ORG, PURCHASER_ROLE),
        (FINANCE_ORG, FINANCE_ROLE),
        (AUDITOR_ORG, AUDITOR_ROLE),
        (PUBLISHER_ORG, PUBLISHER_ROLE),
        (UNREGISTERED_ORG, ZERO_HASH),
        (ZERO_HASH, ZERO_HASH),
    ],
    ids=["purchaser", "finance", "auditor", "publisher", "unregistered", "zero"],
)
def test_award_to_an_organisation_that_is_not_a_supplier_reverts_supplier_invalid(
    ledger, purchaser, ready_to_award, method, supplier_org, role
):
    process_id = ready_to_award(method)
    stage = ledger.processOf(process_id).stage

    with reverts(ledger.AwardSupplierInvalid, processId=process_id, supplierOrg=supplier_org, role=role):
        ledger.awardProcess(process_id, supplier_org, 900, doc("award"), sender=purchaser)

    assert ledger.processOf(process_id).stage == stage
    assert ledger.budget(BUDGET_ID).committed == 0


@METHODS
def test_award_checks_the_supplier_before_the_stage(ledger, purchaser, chain, method):
    # Both at the wrong stage to award: an open tender still taking bids, a single source already awarded.
    process_id = process_on(ledger, purchaser, chain, "ocds-test-early", BUDGET_ID, method)
    if method == SINGLE_SOURCE:
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    stage = ledger.processOf(process_id).stage

    with reverts(ledger.AwardSupplierInvalid, processId=process_id, supplierOrg=AUDITOR_ORG, role=AUDITOR_ROLE):
        ledger.awardProcess(process_id, AUDITOR_ORG, 5_000, doc("award"), sender=purchaser)

    assert ledger.processOf(process_id).stage == stage


@METHODS
def test_award_of_zero_reverts_amount_invalid(ledger, purchaser, ready_to_award, method):
    process_id = ready_to_award(method)

    with reverts(ledger.AwardAmountInvalid, processId=process_id, amount=0):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 0, doc("award"), sender=purchaser)


@METHODS
def test_award_to_a_suspended_supplier_organisation_reverts_under_suspension_until_reinstated(
    ledger, purchaser, other_finance, ready_to_award, method
):
    process_id = ready_to_award(method)
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=other_finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=OTHER_FINANCE_ORG):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).supplierOrg == ZERO_HASH

    ledger.reinstateOrganisation(SUPPLIER_A_ORG, doc("reinstatement"), sender=other_finance)
    tx = ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    assert single_event(tx, ledger.ProcessAwarded)["supplierOrg"] == SUPPLIER_A_ORG


def test_open_tender_with_a_suspended_bidder_is_awarded_to_another_revealed_bid(
    ledger, purchaser, finance, supplier_a, supplier_b, chain, open_tender
):
    process_id = evaluated(ledger, purchaser, chain, open_tender(), [(supplier_a, 800), (supplier_b, 900)], reveal=2)
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=FINANCE_ORG):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 800, doc("award"), sender=purchaser)
    tx = ledger.awardProcess(process_id, SUPPLIER_B_ORG, 900, doc("award"), sender=purchaser)

    assert single_event(tx, ledger.ProcessAwarded)["supplierOrg"] == SUPPLIER_B_ORG


@METHODS
def test_award_by_a_suspended_purchaser_organisation_reverts_under_suspension_until_reinstated(
    ledger, purchaser, finance, ready_to_award, method
):
    process_id = ready_to_award(method)
    ledger.suspendOrganisation(PURCHASER_ORG, doc("suspension"), sender=finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=PURCHASER_ORG, suspendedBy=FINANCE_ORG):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == 0

    ledger.reinstateOrganisation(PURCHASER_ORG, doc("reinstatement"), sender=finance)
    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED


def test_award_above_the_remaining_budget_reverts_budget_exceeded_and_exactly_the_remainder_works(
    ledger, finance, purchaser, chain
):
    assert [field.type for field in ledger.BudgetExceeded.abi.inputs] == ["bytes32", "uint256", "uint256"]
    budget_id = approve_small_budget(ledger, finance, 1_000)
    first = process_on(ledger, purchaser, chain, "ocds-test-direct-1", budget_id, SINGLE_SOURCE)
    ledger.awardProcess(first, SUPPLIER_A_ORG, 300, doc("award 1"), sender=purchaser)
    second = process_on(ledger, purchaser, chain, "ocds-test-direct-2", budget_id, SINGLE_SOURCE)

    with reverts(ledger.BudgetExceeded, budgetId=budget_id, requested=701, remaining=700):
        ledger.awardProcess(second, SUPPLIER_B_ORG, 701, doc("award 2"), sender=purchaser)
    assert ledger.budget(budget_id).committed == 300

    tx = ledger.awardProcess(second, SUPPLIER_B_ORG, 700, doc("award 2"), sender=purchaser)
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": budget_id,
        "processId": second,
        "committed": 1_000,
    }
    assert ledger.budget(budget_id).committed == 1_000


def test_open_tender_award_above_the_remaining_budget_reverts_budget_exceeded(
    ledger, finance, purchaser, supplier_a, chain
):
    budget_id = approve_small_budget(ledger, finance, 1_000)
    process_id = process_on(ledger, purchaser, chain, "ocds-test-small", budget_id, OPEN_TENDER)
    evaluated(ledger, purchaser, chain, process_id, [(supplier_a, 1_001)], reveal=1)

    with reverts(ledger.BudgetExceeded, budgetId=budget_id, requested=1_001, remaining=1_000):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 1_001, doc("award"), sender=purchaser)

    assert ledger.processOf(process_id).stage == Stage.EVALUATION


@METHODS
def test_award_by_other_purchaser_reverts_not_purchaser(ledger, other_purchaser, ready_to_award, method):
    process_id = ready_to_award(method)

    with reverts(
        ledger.ProcessNotPurchaser, processId=process_id, account=other_purchaser.address, purchaserOrg=PURCHASER_ORG
    ):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=other_purchaser)


def test_award_without_document_reverts_document_missing(ledger, purchaser, ready_to_award):
    process_id = ready_to_award(SINGLE_SOURCE)

    with reverts(ledger.DocumentHashMissing, action=AWARD_PROCESS, argument=3):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, ZERO_HASH, sender=purchaser)


def test_award_of_an_unknown_process_reverts_process_unknown(ledger, purchaser):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.awardProcess(UNKNOWN_PROCESS, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)


# ─── Complaints: filing ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("who", "complainant_org"),
    [("supplier_a", SUPPLIER_A_ORG), ("supplier_a2", SUPPLIER_A_ORG), ("supplier_b", SUPPLIER_B_ORG)],
)
def test_supplier_files_complaint_under_an_id_scoped_to_its_organisation(
    ledger, create_process, request, who, complainant_org
):
    process_id = create_process()
    complaint_id = scoped_id(complainant_org, COMPLAINT_REF)
    assert ledger.scopedId(complainant_org, COMPLAINT_REF) == complaint_id

    tx = ledger.fileComplaint(process_id, COMPLAINT_REF, doc("complaint"), sender=request.getfixturevalue(who))

    assert single_event(tx, ledger.ComplaintFiled) == {
        "processId": process_id,
        "complaintId": complaint_id,
        "complainantOrg": complainant_org,
        "complaintRef": COMPLAINT_REF,
        "docHash": doc("complaint"),
    }
    assert ledger.complaintOf(process_id, complaint_id) == (complainant_org, OPEN)
    assert ledger.processOf(process_id).openComplaints == 1


def test_two_organisations_may_use_the_same_complaint_reference(ledger, supplier_a, supplier_b, create_process):
    process_id = create_process()
    file(ledger, process_id, supplier_a)

    tx = file(ledger, process_id, supplier_b)

    assert single_event(tx, ledger.ComplaintFiled)["complaintId"] == scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF)
    assert ledger.complaintOf(process_id, scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)) == (SUPPLIER_A_ORG, OPEN)
    assert ledger.complaintOf(process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF)) == (SUPPLIER_B_ORG, OPEN)
    assert ledger.processOf(process_id).openComplaints == 2


def test_complaint_of_nobody_reads_as_none(ledger, create_process):
    process_id = create_process()

    assert ledger.complaintOf(process_id, scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)) == (ZERO_HASH, COMPLAINT_NONE)


@pytest.mark.parametrize("who", ["auditor", "purchaser", "finance", "publisher", "outsider"])
def test_complaint_by_a_non_supplier_reverts_unauthorized(ledger, create_process, request, who):
    process_id = create_process()
    account = request.getfixturevalue(who)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.fileComplaint(process_id, COMPLAINT_REF, doc("complaint"), sender=account)

    assert ledger.processOf(process_id).openComplaints == 0


def test_complaint_resent_reverts_already_recorded_also_after_it_was_resolved(
    ledger, finance, supplier_a, supplier_a2, create_process
):
    process_id = create_process()
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)
    file(ledger, process_id, supplier_a)

    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=complaint_id):
        file(ledger, process_id, supplier_a2)
    ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=finance)
    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=complaint_id):
        file(ledger, process_id, supplier_a)

    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, DISMISSED)
    assert ledger.processOf(process_id).openComplaints == 0


def test_complaint_resent_after_signing_reverts_already_recorded_before_the_window_check(
    ledger, purchaser, finance, supplier_b, awarded
):
    process_id = awarded()
    complaint_id = scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF)
    file(ledger, process_id, supplier_b)
    ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=finance)
    ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)

    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=complaint_id):
        file(ledger, process_id, supplier_b)


def test_complaint_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        file(ledger, UNKNOWN_PROCESS, supplier_a)


def test_complaint_without_document_reverts_document_missing(ledger, supplier_a, create_process):
    process_id = create_process()

    with reverts(ledger.DocumentHashMissing, action=FILE_COMPLAINT, argument=2):
        ledger.fileComplaint(process_id, COMPLAINT_REF, ZERO_HASH, sender=supplier_a)


# ─── Complaints: standing ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "when", ["open-tender-planning", "single-source-planning", "single-source-awarded"], ids=lambda when: when
)
def test_any_registered_supplier_files_while_the_terms_are_open(
    ledger, purchaser, supplier_c, create_process, awarded, when
):
    if when == "open-tender-planning":
        process_id = create_process()
    elif when == "single-source-planning":
        process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)
    else:
        process_id = awarded()
    stage = ledger.processOf(process_id).stage

    tx = file(ledger, process_id, supplier_c)

    assert single_event(tx, ledger.ComplaintFiled)["complainantOrg"] == SUPPLIER_C_ORG
    assert ledger.processOf(process_id).stage == stage


def test_any_supplier_files_until_the_bid_deadline_and_only_bidders_from_it(
    ledger, supplier_b, supplier_c, chain, tender_with_bids
):
    process_id = tender_with_bids()
    deadline = ledger.processOf(process_id).bidDeadline

    at(chain, deadline - 1)
    file(ledger, process_id, supplier_c, ref(1))
    at(chain, deadline)
    with reverts(ledger.ComplaintNoStanding, processId=process_id, complainantOrg=SUPPLIER_C_ORG, stage=Stage.TENDER):
        file(ledger, process_id, supplier_c, ref(2))
    at(chain, deadline)
    file(ledger, process_id, supplier_b, ref(2))

    assert ledger.processOf(process_id).openComplaints == 2


@pytest.fixture
def tender_past_terms(
    ledger: Any, purchaser: Any, supplier_a: Any, chain: Any, tender_with_bids: Callable[[], bytes]
) -> Callable[[int], bytes]:
    """The tender of `tender_with_bids` brought past its bid deadline to `stage`: only A's bid is ever revealed."""

    def make(stage: int) -> bytes:
        process_id = tender_with_bids()
        process = ledger.processOf(process_id)
        at(chain, process.bidDeadline)
        if stage == Stage.TENDER:
            return process_id
        ledger.revealBid(process_id, 900, bid_doc(900), SALT, sender=supplier_a)
        at(chain, process.revealDeadline)
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
        if stage == Stage.AWARDED:
            ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
        assert ledger.processOf(process_id).stage == stage
        return process_id

    return make


PAST_TERMS = pytest.mark.parametrize(
    "stage", [Stage.TENDER, Stage.EVALUATION, Stage.AWARDED], ids=["tender-after-deadline", "evaluation", "awarded"]
)


@PAST_TERMS
def test_after_the_bid_deadline_a_supplier_that_did_not_bid_has_no_standing(
    ledger, supplier_c, tender_past_terms, stage
):
    process_id = tender_past_terms(stage)

    with reverts(ledger.ComplaintNoStanding, processId=process_id, complainantOrg=SUPPLIER_C_ORG, stage=stage):
        file(ledger, process_id, supplier_c)

    assert ledger.processOf(process_id).openComplaints == 0


@PAST_TERMS
@pytest.mark.parametrize(
    ("who", "complainant_org"),
    [("supplier_a2", SUPPLIER_A_ORG), ("supplier_b", SUPPLIER_B_ORG)],
    ids=["another-account-of-a-revealed-bidder", "bidder-that-never-revealed"],
)
def test_after_the_bid_deadline_an_organisation_that_committed_a_bid_files(
    ledger, request, tender_past_terms, stage, who, complainant_org
):
    process_id = tender_past_terms(stage)

    tx = file(ledger, process_id, request.getfixturevalue(who))

    assert single_event(tx, ledger.ComplaintFiled)["complainantOrg"] == complainant_org
    assert ledger.processOf(process_id).openComplaints == 1


@pytest.fixture
def closed(ledger: Any, purchaser: Any, supplier_a: Any, awarded: Any, contracted: Any) -> Callable[[int], bytes]:
    """A single-source process of supplier A brought to `stage`, at or past signing, or cancelled."""

    def make(stage: int) -> bytes:
        if stage == Stage.CANCELLED:
            process_id = awarded()
            ledger.cancelProcess(process_id, doc("cancellation"), sender=purchaser)
            return process_id
        process_id = contracted()
        if stage == Stage.TERMINATED:
            ledger.terminateContract(process_id, doc("termination"), sender=purchaser)
        if stage in (Stage.IMPLEMENTATION, Stage.COMPLETED):
            for milestone in (M1, M2):
                ledger.recordMilestone(process_id, milestone, DELIVERY, doc("delivery"), sender=supplier_a)
        if stage == Stage.COMPLETED:
            for milestone in (M1, M2):
                ledger.recordMilestone(process_id, milestone, ACCEPTANCE, doc("acceptance"), sender=purchaser)
            ledger.completeProcess(process_id, doc("completion"), sender=purchaser)
        assert ledger.processOf(process_id).stage == stage
        return process_id

    return make


@pytest.mark.parametrize(
    "stage",
    [Stage.CONTRACTED, Stage.IMPLEMENTATION, Stage.COMPLETED, Stage.TERMINATED, Stage.CANCELLED],
    ids=["contracted", "implementation", "completed", "terminated", "cancelled"],
)
@pytest.mark.parametrize("who", ["supplier_a", "supplier_c"], ids=["contracted-supplier", "other-supplier"])
def test_complaint_once_the_contract_is_signed_or_the_process_cancelled_reverts_window_closed(
    ledger, request, closed, stage, who
):
    process_id = closed(stage)

    with reverts(ledger.ComplaintWindowClosed, processId=process_id, stage=stage):
        file(ledger, process_id, request.getfixturevalue(who))


def test_a_bidder_complaint_in_a_cancelled_open_tender_reverts_window_closed(
    ledger, purchaser, supplier_a, tender_past_terms
):
    process_id = tender_past_terms(Stage.EVALUATION)
    ledger.cancelProcess(process_id, doc("cancellation"), sender=purchaser)

    with reverts(ledger.ComplaintWindowClosed, processId=process_id, stage=Stage.CANCELLED):
        file(ledger, process_id, supplier_a)


# ─── Complaints: at most three open per organisation ─────────────────────────────────────────────────


def test_an_organisation_has_at_most_three_open_complaints_on_a_process_across_its_accounts(
    ledger, supplier_a, supplier_a2, supplier_b, create_process
):
    assert ledger.MAX_OPEN_COMPLAINTS_PER_ORGANISATION() == MAX_OPEN_COMPLAINTS
    process_id = create_process()
    for number, account in enumerate([supplier_a, supplier_a2, supplier_a]):
        file(ledger, process_id, account, ref(number))

    with reverts(
        ledger.ComplaintLimitReached, processId=process_id, complainantOrg=SUPPLIER_A_ORG, limit=MAX_OPEN_COMPLAINTS
    ):
        file(ledger, process_id, supplier_a2, ref(3))

    file(ledger, process_id, supplier_b, ref(3))
    assert ledger.processOf(process_id).openComplaints == MAX_OPEN_COMPLAINTS + 1


def test_the_complaint_limit_is_per_process(ledger, supplier_a, create_process):
    first, second = create_process("ocds-test-1"), create_process("ocds-test-2")
    for number in range(MAX_OPEN_COMPLAINTS):
        file(ledger, first, supplier_a, ref(number))

    file(ledger, second, supplier_a, ref(0))

    assert (ledger.processOf(first).openComplaints, ledger.processOf(second).openComplaints) == (3, 1)


def test_resolving_a_complaint_frees_a_place_under_the_limit(ledger, finance, supplier_a, create_process):
    process_id = create_process()
    for number in range(MAX_OPEN_COMPLAINTS):
        file(ledger, process_id, supplier_a, ref(number))
    ledger.resolveComplaint(process_id, scoped_id(SUPPLIER_A_ORG, ref(1)), WITHDRAWN, doc("withdrawal"), sender=finance)

    file(ledger, process_id, supplier_a, ref(3))

    with reverts(
        ledger.ComplaintLimitReached, processId=process_id, complainantOrg=SUPPLIER_A_ORG, limit=MAX_OPEN_COMPLAINTS
    ):
        file(ledger, process_id, supplier_a, ref(4))
    assert ledger.processOf(process_id).openComplaints == MAX_OPEN_COMPLAINTS


def test_three_hundred_complaints_in_one_multicall_are_refused_at_the_fourth(ledger, supplier_b, create_process):
    process_id = create_process()
    calls = [ledger.fileComplaint.encode_input(process_id, ref(number), doc(f"spam {number}")) for number in range(300)]

    for batch in (calls, calls[: MAX_OPEN_COMPLAINTS + 1]):
        with reverts(
            ledger.ComplaintLimitReached,
            processId=process_id,
            complainantOrg=SUPPLIER_B_ORG,
            limit=MAX_OPEN_COMPLAINTS,
        ):
            ledger.multicall(batch, sender=supplier_b)
    assert ledger.processOf(process_id).openComplaints == 0

    tx = ledger.multicall(calls[:MAX_OPEN_COMPLAINTS], sender=supplier_b)
    assert len(tx.decode_logs(ledger.ComplaintFiled)) == MAX_OPEN_COMPLAINTS
    assert ledger.processOf(process_id).openComplaints == MAX_OPEN_COMPLAINTS


# ─── Complaints pause award and signing ──────────────────────────────────────────────────────────────


def test_open_complaints_pause_a_single_source_award_until_all_are_resolved(
    ledger, purchaser, finance, supplier_a, supplier_b, create_process
):
    process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)
    file(ledger, process_id, supplier_a)
    file(ledger, process_id, supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=2):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    ledger.resolveComplaint(process_id, scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF), UPHELD, doc("1"), sender=finance)
    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    ledger.resolveComplaint(process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF), WITHDRAWN, doc("2"), sender=finance)

    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED


def test_a_bidder_complaint_pauses_the_open_tender_award_until_resolved(
    ledger, purchaser, finance, supplier_b, tender_past_terms
):
    process_id = tender_past_terms(Stage.EVALUATION)
    file(ledger, process_id, supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    ledger.resolveComplaint(
        process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF), DISMISSED, doc("decision"), sender=finance
    )

    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED


def test_an_open_complaint_pauses_contract_signing_until_resolved(ledger, purchaser, finance, supplier_b, awarded):
    process_id = awarded()
    file(ledger, process_id, supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)
    ledger.resolveComplaint(
        process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF), DISMISSED, doc("decision"), sender=finance
    )

    ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.CONTRACTED


# ─── Complaints: resolution ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("outcome", [DISMISSED, UPHELD, WITHDRAWN], ids=["dismissed", "upheld", "withdrawn"])
def test_the_process_finance_bureau_resolves_a_complaint_and_emits_the_open_count(
    ledger, finance, supplier_a, supplier_b, create_process, outcome
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    file(ledger, process_id, supplier_b)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    tx = ledger.resolveComplaint(process_id, complaint_id, outcome, doc("decision"), sender=finance)

    assert single_event(tx, ledger.ComplaintResolved) == {
        "processId": process_id,
        "complaintId": complaint_id,
        "complainantOrg": SUPPLIER_A_ORG,
        "outcome": outcome,
        "docHash": doc("decision"),
        "openComplaints": 1,
    }
    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, outcome)
    assert ledger.processOf(process_id).openComplaints == 1


@pytest.mark.parametrize("who", ["other_finance", "purchaser", "supplier_a", "auditor", "outsider"])
def test_resolve_complaint_by_anyone_but_the_process_finance_bureau_reverts_not_finance_bureau(
    ledger, supplier_a, create_process, request, who
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)
    account = request.getfixturevalue(who)

    with reverts(ledger.ProcessNotFinanceBureau, processId=process_id, account=account.address, financeOrg=FINANCE_ORG):
        ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=account)

    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, OPEN)
    assert ledger.processOf(process_id).openComplaints == 1


@pytest.mark.parametrize("outcome", [COMPLAINT_NONE, OPEN], ids=["none", "open"])
def test_resolve_complaint_with_outcome_none_or_open_reverts_outcome_invalid(
    ledger, finance, supplier_a, create_process, outcome
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    with reverts(ledger.ComplaintOutcomeInvalid, processId=process_id, complaintId=complaint_id, outcome=outcome):
        ledger.resolveComplaint(process_id, complaint_id, outcome, doc("decision"), sender=finance)

    assert ledger.processOf(process_id).openComplaints == 1


@pytest.mark.parametrize("outcome", [DISMISSED, UPHELD, WITHDRAWN], ids=["dismissed", "upheld", "withdrawn"])
def test_resolve_complaint_twice_reverts_not_open_with_its_outcome(
    ledger, finance, supplier_a, create_process, outcome
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)
    ledger.resolveComplaint(process_id, complaint_id, outcome, doc("decision"), sender=finance)

    with reverts(ledger.ComplaintNotOpen, processId=process_id, complaintId=complaint_id, status=outcome):
        ledger.resolveComplaint(process_id, complaint_id, UPHELD, doc("decision 2"), sender=finance)

    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, outcome)


def test_resolve_complaint_never_filed_reverts_not_open(ledger, finance, create_process):
    process_id = create_process()
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    with reverts(ledger.ComplaintNotOpen, processId=process_id, complaintId=complaint_id, status=COMPLAINT_NONE):
        ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=finance)


def test_resolve_complaint_on_unknown_process_reverts_process_unknown(ledger, finance):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.resolveComplaint(UNKNOWN_PROCESS, COMPLAINT_REF, DISMISSED, doc("decision"), sender=finance)


def test_resolve_complaint_without_document_reverts_document_missing(ledger, finance, supplier_a, create_process):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    with reverts(ledger.DocumentHashMissing, action=RESOLVE_COMPLAINT, argument=3):
        ledger.resolveComplaint(process_id, complaint_id, DISMISSED, ZERO_HASH, sender=finance)


# ─── Audit notes ─────────────────────────────────────────────────────────────────────────────────────


def test_auditor_records_audit_note_scoped_to_its_organisation_and_changes_nothing_else(
    ledger, auditor, create_process
):
    process_id = create_process()
    before = ledger.processOf(process_id)
    note_id = scoped_id(AUDITOR_ORG, NOTE_REF)

    tx = ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=auditor)

    assert single_event(tx, ledger.AuditNoteRecorded) == {
        "processId": process_id,
        "noteId": note_id,
        "auditorOrg": AUDITOR_ORG,
        "noteRef": NOTE_REF,
        "findingsHash": doc("findings"),
    }
    assert ledger.processOf(process_id) == before


def test_audit_note_resent_reverts_already_recorded(ledger, auditor, create_process):
    process_id = create_process()
    ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=auditor)

    with reverts(ledger.AuditNoteAlreadyRecorded, processId=process_id, noteId=scoped_id(AUDITOR_ORG, NOTE_REF)):
        ledger.recordAuditNote(process_id, NOTE_REF, doc("other findings"), sender=auditor)


def test_the_same_note_reference_is_recorded_once_per_process(ledger, auditor, create_process):
    first, second = create_process("ocds-test-1"), create_process("ocds-test-2")
    ledger.recordAuditNote(first, NOTE_REF, doc("findings"), sender=auditor)

    tx = ledger.recordAuditNote(second, NOTE_REF, doc("findings"), sender=auditor)

    assert single_event(tx, ledger.AuditNoteRecorded)["noteId"] == scoped_id(AUDITOR_ORG, NOTE_REF)


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.CANCELLED], ids=["completed", "cancelled"])
def test_auditor_records_audit_note_on_a_closed_process(ledger, auditor, closed, stage):
    process_id = closed(stage)

    tx = ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=auditor)

    assert single_event(tx, ledger.AuditNoteRecorded)["processId"] == process_id


@pytest.mark.parametrize("who", ["purchaser", "finance", "supplier_a", "publisher", "outsider"])
def test_audit_note_by_non_auditor_reverts_unauthorized(ledger, create_process, request, who):
    process_id = create_process()
    account = request.getfixturevalue(who)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=AUDITOR_ROLE):
        ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=account)


def test_audit_note_on_unknown_process_reverts_process_unknown(ledger, auditor):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.recordAuditNote(UNKNOWN_PROCESS, NOTE_REF, doc("findings"), sender=auditor)


def test_audit_note_without_findings_reverts_document_missing(ledger, auditor, create_process):
    process_id = create_process()

    with reverts(ledger.DocumentHashMissing, action=RECORD_AUDIT_NOTE, argument=2):
        ledger.recordAuditNote(process_id, NOTE_REF, ZERO_HASH, sender=auditor)
