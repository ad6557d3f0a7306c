"""Evaluation and award (Contracts 2.0). Complaints and audit notes are in test_complaints_and_audit_notes.py.

Rules covered, each with a passing case and a reverting one naming the custom error with all its arguments:

- recordEvaluation: the purchaser, once the reveal window has closed; the event carries the bid statistics.
- awardProcess(processId, supplierOrg, amount, docHash) names an organisation. Open tender: from Evaluation, only to
  an organisation whose bid was revealed, at exactly its amount. Single source: from Planning, to any registered
  supplier organisation. The award goes to a supplier organisation (AwardSupplierInvalid with the role it has
  otherwise, checked before the stage), for a positive amount, within the budget line's remainder, never to a
  suspended supplier nor by a suspended purchaser, and never while a complaint is open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.bid_helpers import SALT, at, bid_doc, commit
from tests.contracts.conftest import (
    AUDITOR_ORG,
    AUDITOR_ROLE,
    BUDGET_ID,
    FINANCE_ORG,
    FINANCE_ROLE,
    HOUR,
    OPEN_TENDER,
    OTHER_FINANCE_ORG,
    PUBLISHER_ORG,
    PUBLISHER_ROLE,
    PURCHASER_ORG,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    UNKNOWN_PROCESS,
    ZERO_HASH,
    Stage,
    doc,
    org,
    reverts,
    scoped_id,
    selector,
    single_event,
)

SMALL_BUDGET_REF = keccak(text="BUDGET-2026-SMALL")
SMALL_BUDGET = scoped_id(FINANCE_ORG, SMALL_BUDGET_REF)
UNREGISTERED_ORG = org("UNREGISTERED-ORG")

# Selectors as DocumentHashMissing reports them.
RECORD_EVALUATION = selector("recordEvaluation(bytes32,bytes32)")
AWARD_PROCESS = selector("awardProcess(bytes32,bytes32,uint96,bytes32)")


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
