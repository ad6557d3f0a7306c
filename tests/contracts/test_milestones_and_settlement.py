"""Contract rules after the award (Contracts 2.0), milestones and settlement: deliveries and acceptances of
milestones, termination and completion, and the rules every write after the award shares (a document hash, a
known process). Signing and amendments are in test_signing_and_amendments.py.

Rules covered, each with a passing case and a reverting one naming the custom error with all its arguments:

- recordMilestone: any current account of the contracted supplier organisation delivers a scheduled milestone (the
  first delivery moves Contracted to Implementation), even while suspended; the purchaser organisation accepts a
  delivered one, which adds its amount to the accepted total; each only once, only while the contract is active.
- terminateContract settles at the accepted total and releases the rest; completeProcess needs every scheduled
  milestone accepted and releases the value not accepted (the unscheduled remainder).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.contracts.agreement_helpers import AMENDMENT_1, M3_AMOUNT, agreement, agreement_of, amend, sign

# Fixtures the tests request by name (the redundant alias marks them as used on purpose).
from tests.contracts.agreement_helpers import accepted as accepted
from tests.contracts.agreement_helpers import all_accepted as all_accepted
from tests.contracts.agreement_helpers import delivered as delivered
from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    AWARD,
    BUDGET_ID,
    CONTRACT_ID,
    DELIVERED,
    DELIVERY,
    M1,
    M1_AMOUNT,
    M2,
    M2_AMOUNT,
    M3,
    PURCHASER_ORG,
    SCHEDULE,
    SCHEDULED,
    SUPPLIER_A_ORG,
    SUPPLIER_C_ORG,
    UNKNOWN_PROCESS,
    ZERO_HASH,
    Stage,
    doc,
    reverts,
    selector,
    single_event,
)

# ─── terminateContract ───────────────────────────────────────────────────────────────────────────────────


def test_terminate_settles_at_the_accepted_total_and_releases_the_rest(ledger, purchaser, accepted):
    pid = accepted()

    tx = ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    assert single_event(tx, ledger.ContractTerminated) == {
        "processId": pid,
        "acceptedTotal": M1_AMOUNT,
        "released": AWARD - M1_AMOUNT,
        "docHash": doc("termination"),
    }
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": M1_AMOUNT,
    }
    assert ledger.budget(BUDGET_ID).committed == M1_AMOUNT
    assert ledger.processOf(pid).stage == Stage.TERMINATED
    assert agreement_of(ledger, pid) == agreement(accepted=M1_AMOUNT, open_milestones=1)


def test_terminate_after_an_amendment_releases_the_amended_value_not_accepted(ledger, purchaser, accepted):
    pid = accepted()
    amend(ledger, purchaser, pid, AWARD // 10)

    tx = ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    assert single_event(tx, ledger.ContractTerminated)["released"] == AWARD + AWARD // 10 - M1_AMOUNT
    assert ledger.budget(BUDGET_ID).committed == M1_AMOUNT


def test_terminate_with_nothing_accepted_releases_the_whole_value(ledger, purchaser, delivered):
    pid = delivered()

    tx = ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    terminated = single_event(tx, ledger.ContractTerminated)
    assert (terminated["acceptedTotal"], terminated["released"]) == (0, AWARD)
    assert single_event(tx, ledger.BudgetCommitmentChanged)["committed"] == 0
    assert ledger.budget(BUDGET_ID).committed == 0


def test_terminate_with_everything_accepted_releases_nothing(ledger, purchaser, all_accepted):
    pid = all_accepted()

    tx = ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    terminated = single_event(tx, ledger.ContractTerminated)
    assert (terminated["acceptedTotal"], terminated["released"]) == (AWARD, 0)
    assert tx.decode_logs(ledger.BudgetCommitmentChanged) == []
    assert ledger.budget(BUDGET_ID).committed == AWARD


def test_after_termination_deliveries_acceptances_and_termination_revert_contract_not_active(
    ledger, purchaser, supplier_a, delivered
):
    pid = delivered()
    ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.TERMINATED):
        ledger.recordMilestone(pid, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)
    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.TERMINATED):
        ledger.recordMilestone(pid, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.TERMINATED):
        ledger.terminateContract(pid, doc("termination 2"), sender=purchaser)

    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, DELIVERED)


def test_terminate_before_signing_reverts_contract_not_active(ledger, purchaser, awarded):
    pid = awarded()

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.AWARDED):
        ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    assert ledger.budget(BUDGET_ID).committed == AWARD


def test_terminate_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, contracted):
    pid = contracted()

    with reverts(
        ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser.address, purchaserOrg=PURCHASER_ORG
    ):
        ledger.terminateContract(pid, doc("termination"), sender=other_purchaser)

    assert ledger.processOf(pid).stage == Stage.CONTRACTED


# ─── recordMilestone: delivery ───────────────────────────────────────────────────────────────────────────


def test_first_delivery_by_the_contracted_supplier_moves_process_to_implementation(ledger, supplier_a, contracted):
    pid = contracted()

    tx = ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)

    assert single_event(tx, ledger.MilestoneDelivered) == {
        "processId": pid,
        "milestoneId": M1,
        "supplierOrg": SUPPLIER_A_ORG,
        "account": supplier_a.address,
        "docHash": doc("delivery M1"),
    }
    assert tx.decode_logs(ledger.MilestoneAccepted) == []
    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, DELIVERED)
    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


def test_any_current_account_of_the_supplier_organisation_delivers(ledger, supplier_a2, delivered):
    pid = delivered()

    tx = ledger.recordMilestone(pid, M2, DELIVERY, doc("delivery M2"), sender=supplier_a2)

    assert single_event(tx, ledger.MilestoneDelivered) == {
        "processId": pid,
        "milestoneId": M2,
        "supplierOrg": SUPPLIER_A_ORG,
        "account": supplier_a2.address,
        "docHash": doc("delivery M2"),
    }
    assert ledger.milestoneOf(pid, M2) == (M2_AMOUNT, 0, DELIVERED)
    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


@pytest.mark.parametrize(
    "who", ["purchaser", "other_purchaser", "finance", "auditor", "outsider", "supplier_b", "supplier_c"]
)
def test_delivery_by_an_account_of_another_organisation_reverts_not_supplier(ledger, request, contracted, who):
    pid = contracted()
    account = request.getfixturevalue(who)

    with reverts(ledger.ProcessNotSupplier, processId=pid, account=account.address, supplierOrg=SUPPLIER_A_ORG):
        ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=account)

    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, SCHEDULED)
    assert ledger.processOf(pid).stage == Stage.CONTRACTED


def test_an_account_removed_from_the_supplier_organisation_can_no_longer_deliver(ledger, admin, supplier_a, contracted):
    pid = contracted()
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    with reverts(ledger.ProcessNotSupplier, processId=pid, account=supplier_a.address, supplierOrg=SUPPLIER_A_ORG):
        ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)

    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, SCHEDULED)


def test_an_account_moved_to_another_supplier_organisation_can_no_longer_deliver(
    ledger, admin, supplier_a2, contracted
):
    pid = contracted()
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a2, sender=admin)
    ledger.addOrganisationAccount(SUPPLIER_C_ORG, supplier_a2, sender=admin)

    with reverts(ledger.ProcessNotSupplier, processId=pid, account=supplier_a2.address, supplierOrg=SUPPLIER_A_ORG):
        ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a2)

    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, SCHEDULED)


@pytest.mark.parametrize("kind", [DELIVERY, ACCEPTANCE], ids=["delivery", "acceptance"])
def test_milestone_not_in_the_schedule_reverts_milestone_unknown(ledger, purchaser, supplier_a, delivered, kind):
    pid = delivered()
    recorder = supplier_a if kind == DELIVERY else purchaser

    with reverts(ledger.MilestoneUnknown, processId=pid, milestoneId=M3):
        ledger.recordMilestone(pid, M3, kind, doc("milestone"), sender=recorder)


@pytest.mark.parametrize("fixture", ["delivered", "accepted"], ids=["after-delivery", "after-acceptance"])
def test_delivery_resent_reverts_already_delivered(ledger, request, supplier_a, fixture):
    pid = request.getfixturevalue(fixture)()
    state = ledger.milestoneOf(pid, M1).state

    with reverts(ledger.MilestoneAlreadyDelivered, processId=pid, milestoneId=M1):
        ledger.recordMilestone(pid, M1, DELIVERY, doc("again"), sender=supplier_a)

    assert ledger.milestoneOf(pid, M1).state == state


def test_a_suspended_supplier_organisation_still_delivers_its_open_contract(ledger, finance, supplier_a, contracted):
    pid = contracted()
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)

    tx = ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)

    assert single_event(tx, ledger.MilestoneDelivered)["supplierOrg"] == SUPPLIER_A_ORG
    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, DELIVERED)


def test_milestone_before_signing_reverts_contract_not_active(ledger, supplier_a, awarded):
    pid = awarded()

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.AWARDED):
        ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)


# ─── recordMilestone: acceptance ─────────────────────────────────────────────────────────────────────────


def test_acceptance_by_the_purchaser_after_delivery_adds_the_amount_to_the_accepted_total(ledger, purchaser, delivered):
    pid = delivered()

    tx = ledger.recordMilestone(pid, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)

    assert single_event(tx, ledger.MilestoneAccepted) == {
        "processId": pid,
        "milestoneId": M1,
        "purchaserOrg": PURCHASER_ORG,
        "account": purchaser.address,
        "amount": M1_AMOUNT,
        "docHash": doc("acceptance M1"),
    }
    assert tx.decode_logs(ledger.MilestoneDelivered) == []
    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, ACCEPTED)
    assert agreement_of(ledger, pid) == agreement(accepted=M1_AMOUNT, open_milestones=1)
    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


@pytest.mark.parametrize("who", ["supplier_a", "other_purchaser", "finance", "outsider"])
def test_acceptance_by_anyone_but_the_purchaser_organisation_reverts_not_purchaser(ledger, request, delivered, who):
    pid = delivered()
    account = request.getfixturevalue(who)

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=account.address, purchaserOrg=PURCHASER_ORG):
        ledger.recordMilestone(pid, M1, ACCEPTANCE, doc("acceptance M1"), sender=account)

    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, DELIVERED)


def test_acceptance_before_delivery_reverts_milestone_not_delivered(ledger, purchaser, delivered):
    pid = delivered()

    with reverts(ledger.MilestoneNotDelivered, processId=pid, milestoneId=M2):
        ledger.recordMilestone(pid, M2, ACCEPTANCE, doc("acceptance M2"), sender=purchaser)

    assert ledger.agreementOf(pid).acceptedTotal == 0


def test_acceptance_resent_reverts_already_accepted(ledger, purchaser, accepted):
    pid = accepted()

    with reverts(ledger.MilestoneAlreadyAccepted, processId=pid, milestoneId=M1):
        ledger.recordMilestone(pid, M1, ACCEPTANCE, doc("again"), sender=purchaser)

    assert agreement_of(ledger, pid) == agreement(accepted=M1_AMOUNT, open_milestones=1)


def test_a_suspended_purchaser_organisation_still_accepts_a_delivery(ledger, purchaser, finance, delivered):
    pid = delivered()
    ledger.suspendOrganisation(PURCHASER_ORG, doc("suspension"), sender=finance)

    tx = ledger.recordMilestone(pid, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)

    assert single_event(tx, ledger.MilestoneAccepted)["amount"] == M1_AMOUNT


# ─── completeProcess ─────────────────────────────────────────────────────────────────────────────────────


def test_complete_once_every_milestone_is_accepted_releases_nothing_of_a_fully_scheduled_contract(
    ledger, purchaser, supplier_a, all_accepted
):
    pid = all_accepted()

    tx = ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    assert single_event(tx, ledger.ProcessCompleted) == {
        "processId": pid,
        "docHash": doc("completion"),
        "released": 0,
    }
    assert tx.decode_logs(ledger.BudgetCommitmentChanged) == []
    assert ledger.processOf(pid).stage == Stage.COMPLETED
    assert ledger.budget(BUDGET_ID).committed == AWARD
    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.COMPLETED):
        ledger.recordMilestone(pid, M3, DELIVERY, doc("delivery M3"), sender=supplier_a)


def test_complete_releases_the_unscheduled_remainder_of_the_value(ledger, purchaser, supplier_a, awarded):
    pid = awarded()
    sign(ledger, purchaser, pid, AWARD, [M1], [M1_AMOUNT])
    ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
    ledger.recordMilestone(pid, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)

    tx = ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    assert single_event(tx, ledger.ProcessCompleted)["released"] == AWARD - M1_AMOUNT
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": M1_AMOUNT,
    }
    assert ledger.budget(BUDGET_ID).committed == M1_AMOUNT


@pytest.mark.parametrize("fixture", ["delivered", "accepted"], ids=["none-accepted", "one-of-two-accepted"])
def test_complete_with_milestones_open_reverts_milestones_open(ledger, request, purchaser, fixture):
    pid = request.getfixturevalue(fixture)()
    open_milestones = ledger.agreementOf(pid).openMilestones
    assert open_milestones > 0

    with reverts(ledger.ProcessMilestonesOpen, processId=pid, openMilestones=open_milestones):
        ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


def test_complete_after_an_amendment_added_a_milestone_needs_it_accepted(ledger, purchaser, supplier_a, all_accepted):
    pid = all_accepted()
    amend(ledger, purchaser, pid, M3_AMOUNT, [M3], [M3_AMOUNT])

    with reverts(ledger.ProcessMilestonesOpen, processId=pid, openMilestones=1):
        ledger.completeProcess(pid, doc("completion"), sender=purchaser)
    ledger.recordMilestone(pid, M3, DELIVERY, doc("delivery M3"), sender=supplier_a)
    ledger.recordMilestone(pid, M3, ACCEPTANCE, doc("acceptance M3"), sender=purchaser)

    tx = ledger.completeProcess(pid, doc("completion"), sender=purchaser)
    assert single_event(tx, ledger.ProcessCompleted)["released"] == 0


def test_complete_before_implementation_reverts_wrong_stage(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.CONTRACTED, required=Stage.IMPLEMENTATION):
        ledger.completeProcess(pid, doc("completion"), sender=purchaser)


def test_complete_twice_reverts_wrong_stage(ledger, purchaser, all_accepted):
    pid = all_accepted()
    ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.COMPLETED, required=Stage.IMPLEMENTATION):
        ledger.completeProcess(pid, doc("completion 2"), sender=purchaser)


def test_complete_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, all_accepted):
    pid = all_accepted()

    with reverts(
        ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser.address, purchaserOrg=PURCHASER_ORG
    ):
        ledger.completeProcess(pid, doc("completion"), sender=other_purchaser)


# ─── Rules shared by every write ─────────────────────────────────────────────────────────────────────────

# test id: (method, fixture giving the process to start from, the account allowed to write, the function's
# signature, the position of its document hash, and its arguments given the process id and the document hash)
WRITES: dict[str, tuple[str, str, str, str, int, Callable[[bytes, bytes], tuple[Any, ...]]]] = {
    "signContract": (
        "signContract",
        "awarded",
        "purchaser",
        "signContract(bytes32,bytes32,uint96,bytes32,bytes32[],uint96[])",
        3,
        lambda pid, h: (pid, CONTRACT_ID, AWARD, h, *SCHEDULE),
    ),
    "amendContract": (
        "amendContract",
        "contracted",
        "purchaser",
        "amendContract(bytes32,bytes32,uint96,bytes32,bytes32[],uint96[])",
        3,
        lambda pid, h: (pid, AMENDMENT_1, 1, h, [], []),
    ),
    "terminateContract": (
        "terminateContract",
        "contracted",
        "purchaser",
        "terminateContract(bytes32,bytes32)",
        1,
        lambda pid, h: (pid, h),
    ),
    "recordMilestone-delivery": (
        "recordMilestone",
        "contracted",
        "supplier_a",
        "recordMilestone(bytes32,bytes32,uint8,bytes32)",
        3,
        lambda pid, h: (pid, M1, DELIVERY, h),
    ),
    "recordMilestone-acceptance": (
        "recordMilestone",
        "delivered",
        "purchaser",
        "recordMilestone(bytes32,bytes32,uint8,bytes32)",
        3,
        lambda pid, h: (pid, M1, ACCEPTANCE, h),
    ),
    "completeProcess": (
        "completeProcess",
        "all_accepted",
        "purchaser",
        "completeProcess(bytes32,bytes32)",
        1,
        lambda pid, h: (pid, h),
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_write_without_document_hash_reverts_document_hash_missing(ledger, request, write):
    method, fixture, writer, signature, position, arguments = WRITES[write]
    pid = request.getfixturevalue(fixture)()
    stage = ledger.processOf(pid).stage

    with reverts(ledger.DocumentHashMissing, action=selector(signature), argument=position):
        getattr(ledger, method)(*arguments(pid, ZERO_HASH), sender=request.getfixturevalue(writer))

    assert ledger.processOf(pid).stage == stage


@pytest.mark.parametrize("write", WRITES)
def test_write_on_unknown_process_reverts_process_unknown(ledger, request, write):
    method, _, writer, _, _, arguments = WRITES[write]

    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        getattr(ledger, method)(*arguments(UNKNOWN_PROCESS, doc("document")), sender=request.getfixturevalue(writer))
