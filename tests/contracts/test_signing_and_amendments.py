"""Contract rules after the award (Contracts 2.0), signing and amendments: signing with a payment schedule, the
open-tender route to a contract, and supplementary amendments. Deliveries, acceptances, termination and
completion are in test_milestones_and_settlement.py.

Rules covered, each with a passing case and a reverting one naming the custom error with all its arguments:

- signContract(processId, contractId, value, docHash, milestoneIds, milestoneAmounts): the purchaser, at Awarded,
  for a positive value no greater than the award (a lower value releases the difference), with a non-zero contract
  id; a resend reverts ContractAlreadyRecorded before the stage check. The schedule is non-empty, of equal lengths,
  at most MAX_MILESTONES per signing or amendment, of new non-zero ids with positive amounts, and sums to no more
  than the value. The contract binds the awarded organisation: neither it nor the purchaser may be suspended at
  signing, while the removal of an account that signed for it at the award does not matter.
- amendContract(processId, amendmentId, increase, docHash, milestoneIds, milestoneAmounts): a resend reverts first;
  not empty; the increases stay within 10% of the original value in total, exactly; new milestones extend the
  schedule within the new value; the increase is committed on the budget line; only while the contract is active;
  never by a suspended purchaser, nor with a suspended supplier.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.agreement_helpers import (
    AGREEMENT_FIELDS,
    AMENDMENT_1,
    AMENDMENT_2,
    M3_AMOUNT,
    PAYMENT_PARTIES,
    agreement,
    agreement_of,
    amend,
    sign,
)

# Fixtures the tests request by name (the redundant alias marks them as used on purpose).
from tests.contracts.agreement_helpers import accepted as accepted
from tests.contracts.agreement_helpers import all_accepted as all_accepted
from tests.contracts.agreement_helpers import delivered as delivered
from tests.contracts.conftest import (
    ACCEPTANCE,
    AWARD,
    BUDGET_AMOUNT,
    BUDGET_ID,
    CONTRACT_ID,
    DELIVERY,
    DISMISSED,
    FINANCE_ORG,
    HOUR,
    M1,
    M1_AMOUNT,
    M2,
    M2_AMOUNT,
    M3,
    NOT_SCHEDULED,
    OTHER_FINANCE_ORG,
    PURCHASER_ORG,
    SCHEDULED,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    ZERO_HASH,
    Stage,
    advance,
    commitment,
    doc,
    reverts,
    scoped_id,
    single_event,
)

MAX_MILESTONES = 64
OTHER_CONTRACT_ID = keccak(text="CONTRACT-2026-999")
# Sealed bids of the open-tender route: supplier B bids lower and wins.
BID_A, BID_B = 480_000_00, 450_000_00


def milestone_ids(count: int) -> list[bytes]:
    return [keccak(text=f"milestone-n{number}") for number in range(count)]


@pytest.fixture
def tendered(
    ledger: Any, purchaser: Any, supplier_a: Any, supplier_b: Any, chain: Any, open_tender: Callable[..., bytes]
) -> bytes:
    """An open tender run for real: two sealed bids committed, revealed, evaluated, and awarded to supplier B."""
    process_id = open_tender()
    bids = [(supplier_a, SUPPLIER_A_ORG, BID_A), (supplier_b, SUPPLIER_B_ORG, BID_B)]
    for bidder, bidder_org, amount in bids:
        sealed = commitment(process_id, bidder_org, amount, doc(f"bid {amount}"), b"s" * 32)
        ledger.commitBid(process_id, sealed, sender=bidder)
    advance(chain, HOUR)
    for bidder, _, amount in bids:
        ledger.revealBid(process_id, amount, doc(f"bid {amount}"), b"s" * 32, sender=bidder)
    advance(chain, HOUR)
    ledger.recordEvaluation(process_id, doc("evaluation report"), sender=purchaser)
    ledger.awardProcess(process_id, SUPPLIER_B_ORG, BID_B, doc("award"), sender=purchaser)
    return process_id


# ─── signContract ────────────────────────────────────────────────────────────────────────────────────────


def test_sign_contract_at_award_value_emits_the_schedule_and_keeps_the_commitment(ledger, purchaser, awarded):
    pid = awarded()

    tx = sign(ledger, purchaser, pid)

    assert single_event(tx, ledger.ContractSigned) == {
        "processId": pid,
        "contractId": CONTRACT_ID,
        "supplierOrg": SUPPLIER_A_ORG,
        "value": AWARD,
        "docHash": doc("contract"),
        "milestoneIds": [M1, M2],
        "milestoneAmounts": [M1_AMOUNT, M2_AMOUNT],
    }
    assert tx.decode_logs(ledger.BudgetCommitmentChanged) == []
    assert ledger.budget(BUDGET_ID).committed == AWARD
    assert ledger.processOf(pid).stage == Stage.CONTRACTED
    assert agreement_of(ledger, pid) == agreement()
    assert ledger.milestoneOf(pid, M1) == (M1_AMOUNT, 0, SCHEDULED)
    assert ledger.milestoneOf(pid, M2) == (M2_AMOUNT, 0, SCHEDULED)
    assert ledger.milestoneOf(pid, M3) == (0, 0, NOT_SCHEDULED)


def test_agreement_names_the_payment_parties_as_the_hash_of_finance_and_supplier_organisations(
    ledger, contracted, awarded, purchaser
):
    pid = contracted()
    other = awarded("ocds-test-single-2", supplier_org=SUPPLIER_C_ORG)
    sign(ledger, purchaser, other)

    assert ledger.agreementOf(pid).paymentParties == PAYMENT_PARTIES
    assert ledger.agreementOf(other).paymentParties == keccak(
        encode(["bytes32", "bytes32"], [FINANCE_ORG, SUPPLIER_C_ORG])
    )


def test_agreement_struct_fields_are_in_declaration_order(ledger):
    (abi,) = ledger.agreementOf.abis
    (output,) = abi.outputs

    assert {component.name: component.type for component in output.components} == AGREEMENT_FIELDS
    assert [component.name for component in output.components] == list(AGREEMENT_FIELDS)


def test_agreement_of_a_process_without_a_contract_is_all_zero(ledger, awarded):
    pid = awarded()

    assert agreement_of(ledger, pid) == agreement(0, 0, 0, 0, 0, ZERO_HASH, ZERO_HASH)


def test_sign_contract_below_award_releases_the_difference_to_the_budget(ledger, purchaser, awarded):
    pid = awarded()
    value = AWARD - 12_345

    tx = sign(ledger, purchaser, pid, value, [M1], [M1_AMOUNT])

    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": value,
    }
    assert single_event(tx, ledger.ContractSigned)["value"] == value
    assert ledger.budget(BUDGET_ID).committed == value
    assert agreement_of(ledger, pid) == agreement(value, value, M1_AMOUNT, 0, 1)


@pytest.mark.parametrize("value", [0, AWARD + 1], ids=["zero", "one-above-award"])
def test_sign_contract_with_zero_or_above_award_value_reverts_value_invalid(ledger, purchaser, awarded, value):
    pid = awarded()

    with reverts(ledger.ContractValueInvalid, processId=pid, awardAmount=AWARD, value=value):
        sign(ledger, purchaser, pid, value, [M1], [1])

    assert ledger.processOf(pid).stage == Stage.AWARDED


def test_sign_contract_with_zero_contract_id_reverts_id_invalid(ledger, purchaser, awarded):
    pid = awarded()

    with reverts(ledger.ContractIdInvalid, processId=pid, contractId=ZERO_HASH):
        sign(ledger, purchaser, pid, contract_id=ZERO_HASH)

    assert ledger.processOf(pid).stage == Stage.AWARDED


@pytest.mark.parametrize("who", ["other_purchaser", "supplier_a", "finance", "outsider"])
def test_sign_contract_by_anyone_but_the_purchaser_organisation_reverts_not_purchaser(ledger, awarded, request, who):
    pid = awarded()
    account = request.getfixturevalue(who)

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=account.address, purchaserOrg=PURCHASER_ORG):
        sign(ledger, account, pid)


def test_sign_contract_before_award_reverts_wrong_stage(ledger, purchaser, create_process):
    pid = create_process("ocds-test-single-1", SINGLE_SOURCE)

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.PLANNING, required=Stage.AWARDED):
        sign(ledger, purchaser, pid)


def test_sign_contract_resent_reverts_already_recorded_before_the_stage_check(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ContractAlreadyRecorded, processId=pid, contractId=CONTRACT_ID):
        sign(ledger, purchaser, pid)
    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.CONTRACTED, required=Stage.AWARDED):
        sign(ledger, purchaser, pid, contract_id=OTHER_CONTRACT_ID)

    assert ledger.agreementOf(pid).contractId == CONTRACT_ID


def test_sign_contract_waits_for_open_complaints_to_be_resolved(ledger, purchaser, finance, supplier_b, awarded):
    pid = awarded()
    complaint_ref = keccak(text="complaint-1")
    ledger.fileComplaint(pid, complaint_ref, doc("complaint"), sender=supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=pid, openComplaints=1):
        sign(ledger, purchaser, pid)

    complaint_id = scoped_id(SUPPLIER_B_ORG, complaint_ref)
    ledger.resolveComplaint(pid, complaint_id, DISMISSED, doc("ruling"), sender=finance)
    tx = sign(ledger, purchaser, pid)
    assert single_event(tx, ledger.ContractSigned)["contractId"] == CONTRACT_ID


def test_sign_contract_with_a_suspended_supplier_organisation_reverts_under_suspension_until_reinstated(
    ledger, purchaser, other_finance, awarded
):
    pid = awarded()
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=other_finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=OTHER_FINANCE_ORG):
        sign(ledger, purchaser, pid)
    assert ledger.processOf(pid).stage == Stage.AWARDED

    ledger.reinstateOrganisation(SUPPLIER_A_ORG, doc("reinstatement"), sender=other_finance)
    sign(ledger, purchaser, pid)
    assert ledger.processOf(pid).stage == Stage.CONTRACTED


def test_sign_contract_by_a_suspended_purchaser_organisation_reverts_under_suspension(
    ledger, purchaser, finance, awarded
):
    pid = awarded()
    ledger.suspendOrganisation(PURCHASER_ORG, doc("suspension"), sender=finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=PURCHASER_ORG, suspendedBy=FINANCE_ORG):
        sign(ledger, purchaser, pid)

    assert ledger.processOf(pid).stage == Stage.AWARDED


def test_the_contract_binds_the_organisation_after_the_award_time_account_was_removed(
    ledger, admin, purchaser, supplier_a, supplier_a2, awarded
):
    pid = awarded()
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    tx = sign(ledger, purchaser, pid)
    delivery = ledger.recordMilestone(pid, M1, DELIVERY, doc("delivery M1"), sender=supplier_a2)

    assert single_event(tx, ledger.ContractSigned)["supplierOrg"] == SUPPLIER_A_ORG
    assert single_event(delivery, ledger.MilestoneDelivered)["supplierOrg"] == SUPPLIER_A_ORG


# ─── signContract: the payment schedule ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("ids", "amounts"),
    [([], []), ([], [M1_AMOUNT]), ([M1, M2], [M1_AMOUNT]), ([M1], [M1_AMOUNT, M2_AMOUNT])],
    ids=["empty", "no-ids", "fewer-amounts", "fewer-ids"],
)
def test_sign_contract_with_an_empty_or_uneven_schedule_reverts_schedule_invalid(
    ledger, purchaser, awarded, ids, amounts
):
    pid = awarded()

    with reverts(
        ledger.ContractScheduleInvalid,
        processId=pid,
        milestoneIds=len(ids),
        amounts=len(amounts),
        maxMilestones=MAX_MILESTONES,
    ):
        sign(ledger, purchaser, pid, AWARD, ids, amounts)

    assert ledger.processOf(pid).stage == Stage.AWARDED


def test_sign_contract_schedules_at_most_max_milestones(ledger, purchaser, awarded):
    assert ledger.MAX_MILESTONES() == MAX_MILESTONES
    pid, other = awarded(), awarded("ocds-test-single-2")
    ids = milestone_ids(MAX_MILESTONES + 1)

    with reverts(
        ledger.ContractScheduleInvalid,
        processId=pid,
        milestoneIds=MAX_MILESTONES + 1,
        amounts=MAX_MILESTONES + 1,
        maxMilestones=MAX_MILESTONES,
    ):
        sign(ledger, purchaser, pid, AWARD, ids, [1] * len(ids))
    sign(ledger, purchaser, other, AWARD, ids[:MAX_MILESTONES], [1] * MAX_MILESTONES)

    assert agreement_of(ledger, other) == agreement(AWARD, AWARD, MAX_MILESTONES, 0, MAX_MILESTONES)
    assert ledger.milestoneOf(other, ids[MAX_MILESTONES - 1]) == (1, 0, SCHEDULED)


@pytest.mark.parametrize(
    ("ids", "amounts", "bad_id", "bad_amount"),
    [([M1, ZERO_HASH], [M1_AMOUNT, 5], ZERO_HASH, 5), ([M1, M2], [M1_AMOUNT, 0], M2, 0)],
    ids=["zero-id", "zero-amount"],
)
def test_sign_contract_with_a_zero_milestone_id_or_amount_reverts_milestone_invalid(
    ledger, purchaser, awarded, ids, amounts, bad_id, bad_amount
):
    pid = awarded()

    with reverts(ledger.MilestoneInvalid, processId=pid, milestoneId=bad_id, amount=bad_amount):
        sign(ledger, purchaser, pid, AWARD, ids, amounts)

    assert ledger.milestoneOf(pid, M1) == (0, 0, NOT_SCHEDULED)


def test_sign_contract_with_a_duplicate_milestone_id_reverts_already_recorded(ledger, purchaser, awarded):
    pid = awarded()

    with reverts(ledger.MilestoneAlreadyRecorded, processId=pid, milestoneId=M1):
        sign(ledger, purchaser, pid, AWARD, [M1, M2, M1], [1, 2, 3])

    assert ledger.milestoneOf(pid, M1) == (0, 0, NOT_SCHEDULED)


def test_sign_contract_with_a_schedule_above_the_value_reverts_exceeds_value(ledger, purchaser, awarded):
    pid = awarded()
    value = AWARD - 1
    assert [field.type for field in ledger.ContractScheduleExceedsValue.abi.inputs] == [
        "bytes32",
        "uint256",
        "uint256",
    ]

    with reverts(ledger.ContractScheduleExceedsValue, processId=pid, scheduledTotal=AWARD, value=value):
        sign(ledger, purchaser, pid, value)
    sign(ledger, purchaser, pid, value, [M1, M2], [M1_AMOUNT, M2_AMOUNT - 1])

    assert ledger.agreementOf(pid).scheduledTotal == value


# ─── The open-tender route ───────────────────────────────────────────────────────────────────────────────


def test_contract_after_open_tender_cannot_exceed_the_winning_bid(ledger, purchaser, tendered):
    with reverts(ledger.ContractValueInvalid, processId=tendered, awardAmount=BID_B, value=BID_B + 1):
        sign(ledger, purchaser, tendered, BID_B + 1, [M1], [BID_B])


def test_contract_after_open_tender_is_signed_with_the_winning_organisation_and_runs_to_completion(
    ledger, purchaser, supplier_b, tendered
):
    signed = sign(ledger, purchaser, tendered, BID_B, [M1], [BID_B])
    delivered = ledger.recordMilestone(tendered, M1, DELIVERY, doc("delivery"), sender=supplier_b)
    ledger.recordMilestone(tendered, M1, ACCEPTANCE, doc("acceptance"), sender=purchaser)
    completed = ledger.completeProcess(tendered, doc("completion"), sender=purchaser)

    assert single_event(signed, ledger.ContractSigned)["supplierOrg"] == SUPPLIER_B_ORG
    assert single_event(delivered, ledger.MilestoneDelivered) == {
        "processId": tendered,
        "milestoneId": M1,
        "supplierOrg": SUPPLIER_B_ORG,
        "account": supplier_b.address,
        "docHash": doc("delivery"),
    }
    assert single_event(completed, ledger.ProcessCompleted) == {
        "processId": tendered,
        "docHash": doc("completion"),
        "released": 0,
    }
    assert ledger.processOf(tendered).stage == Stage.COMPLETED
    assert ledger.budget(BUDGET_ID).committed == BID_B


def test_losing_bidder_of_open_tender_cannot_record_delivery(ledger, purchaser, supplier_a, tendered):
    sign(ledger, purchaser, tendered, BID_B, [M1], [BID_B])

    with reverts(ledger.ProcessNotSupplier, processId=tendered, account=supplier_a.address, supplierOrg=SUPPLIER_B_ORG):
        ledger.recordMilestone(tendered, M1, DELIVERY, doc("delivery"), sender=supplier_a)

    assert ledger.milestoneOf(tendered, M1) == (BID_B, 0, SCHEDULED)


# ─── amendContract ───────────────────────────────────────────────────────────────────────────────────────


def test_amendments_up_to_exactly_ten_percent_of_the_original_in_total_are_accepted(ledger, purchaser, contracted):
    pid = contracted()
    four, six = AWARD * 4 // 100, AWARD * 6 // 100

    first = amend(ledger, purchaser, pid, four)
    second = amend(ledger, purchaser, pid, six, amendment_id=AMENDMENT_2)

    assert single_event(first, ledger.ContractAmended) == {
        "processId": pid,
        "amendmentId": AMENDMENT_1,
        "increase": four,
        "newValue": AWARD + four,
        "docHash": doc("amendment"),
        "milestoneIds": [],
        "milestoneAmounts": [],
    }
    assert single_event(second, ledger.ContractAmended)["newValue"] == AWARD + AWARD // 10
    assert single_event(second, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": AWARD + AWARD // 10,
    }
    assert agreement_of(ledger, pid) == agreement(value=AWARD * 11 // 10)
    assert ledger.budget(BUDGET_ID).committed == AWARD * 11 // 10


@pytest.mark.parametrize(
    ("earlier", "increase"),
    [([], AWARD // 10 + 1), ([AWARD * 4 // 100, AWARD * 6 // 100], 1)],
    ids=["single-amendment", "after-4-and-6-percent"],
)
def test_amendment_one_unit_beyond_ten_percent_in_total_reverts_cap_exceeded(
    ledger, purchaser, contracted, earlier, increase
):
    pid = contracted()
    for number, step in enumerate(earlier):
        amend(ledger, purchaser, pid, step, amendment_id=keccak(text=f"earlier-{number}"))
    assert [field.type for field in ledger.ContractAmendmentCapExceeded.abi.inputs] == [
        "bytes32",
        "uint256",
        "uint256",
    ]

    with reverts(ledger.ContractAmendmentCapExceeded, processId=pid, cap=AWARD // 10, requestedTotal=AWARD // 10 + 1):
        amend(ledger, purchaser, pid, increase)

    assert ledger.agreementOf(pid).value == AWARD + sum(earlier)


def test_the_largest_possible_increase_reverts_cap_exceeded_without_overflow(ledger, purchaser, contracted):
    pid = contracted()
    largest = 2**96 - 1

    with reverts(ledger.ContractAmendmentCapExceeded, processId=pid, cap=AWARD // 10, requestedTotal=largest):
        amend(ledger, purchaser, pid, largest)


def test_amendment_cap_is_exact_for_an_original_value_not_divisible_by_ten(ledger, purchaser, awarded):
    pid = awarded(amount=1_005)
    sign(ledger, purchaser, pid, 1_005, [M1], [1_005])

    with reverts(ledger.ContractAmendmentCapExceeded, processId=pid, cap=100, requestedTotal=101):
        amend(ledger, purchaser, pid, 101)
    tx = amend(ledger, purchaser, pid, 100)

    assert single_event(tx, ledger.ContractAmended)["newValue"] == 1_105


def test_amendment_cap_counts_from_the_signed_value_not_the_award(ledger, purchaser, awarded):
    pid = awarded()
    value = AWARD // 2
    sign(ledger, purchaser, pid, value, [M1], [M1_AMOUNT])

    with reverts(ledger.ContractAmendmentCapExceeded, processId=pid, cap=value // 10, requestedTotal=value // 10 + 1):
        amend(ledger, purchaser, pid, value // 10 + 1)
    amend(ledger, purchaser, pid, value // 10)

    assert agreement_of(ledger, pid) == agreement(value + value // 10, value, M1_AMOUNT, 0, 1)


def test_amendment_resent_reverts_already_recorded_before_anything_else(ledger, purchaser, contracted):
    pid = contracted()
    amend(ledger, purchaser, pid, 1)
    ledger.terminateContract(pid, doc("termination"), sender=purchaser)

    with reverts(ledger.ContractAmendmentAlreadyRecorded, processId=pid, amendmentId=AMENDMENT_1):
        amend(ledger, purchaser, pid, 1)


def test_amendment_resent_while_active_reverts_already_recorded(ledger, purchaser, contracted):
    pid = contracted()
    amend(ledger, purchaser, pid, 1)

    with reverts(ledger.ContractAmendmentAlreadyRecorded, processId=pid, amendmentId=AMENDMENT_1):
        amend(ledger, purchaser, pid, 1)

    assert ledger.agreementOf(pid).value == AWARD + 1


def test_amendment_without_increase_or_milestones_reverts_empty(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ContractAmendmentEmpty, processId=pid, amendmentId=AMENDMENT_1):
        amend(ledger, purchaser, pid, 0)


def test_amendment_adds_milestones_within_the_new_value(ledger, purchaser, contracted):
    pid = contracted()

    tx = amend(ledger, purchaser, pid, M3_AMOUNT, [M3], [M3_AMOUNT])

    assert single_event(tx, ledger.ContractAmended) == {
        "processId": pid,
        "amendmentId": AMENDMENT_1,
        "increase": M3_AMOUNT,
        "newValue": AWARD + M3_AMOUNT,
        "docHash": doc("amendment"),
        "milestoneIds": [M3],
        "milestoneAmounts": [M3_AMOUNT],
    }
    assert ledger.milestoneOf(pid, M3) == (M3_AMOUNT, 0, SCHEDULED)
    assert agreement_of(ledger, pid) == agreement(
        value=AWARD + M3_AMOUNT, scheduled=AWARD + M3_AMOUNT, open_milestones=3
    )


def test_amendment_schedules_the_unscheduled_remainder_without_an_increase(ledger, purchaser, awarded):
    pid = awarded()
    sign(ledger, purchaser, pid, AWARD, [M1], [M1_AMOUNT])

    tx = amend(ledger, purchaser, pid, 0, [M2], [M2_AMOUNT])

    assert tx.decode_logs(ledger.BudgetCommitmentChanged) == []
    assert agreement_of(ledger, pid) == agreement()


def test_amendment_milestones_beyond_the_new_value_revert_schedule_exceeds_value(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(
        ledger.ContractScheduleExceedsValue,
        processId=pid,
        scheduledTotal=AWARD + M3_AMOUNT + 1,
        value=AWARD + M3_AMOUNT,
    ):
        amend(ledger, purchaser, pid, M3_AMOUNT, [M3], [M3_AMOUNT + 1])

    assert ledger.milestoneOf(pid, M3) == (0, 0, NOT_SCHEDULED)
    assert agreement_of(ledger, pid) == agreement()


def test_amendment_rescheduling_an_existing_milestone_reverts_already_recorded(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.MilestoneAlreadyRecorded, processId=pid, milestoneId=M1):
        amend(ledger, purchaser, pid, M3_AMOUNT, [M1], [M3_AMOUNT])


@pytest.mark.parametrize(
    ("ids", "amounts", "bad_id", "bad_amount"),
    [([ZERO_HASH], [1], ZERO_HASH, 1), ([M3], [0], M3, 0)],
    ids=["zero-id", "zero-amount"],
)
def test_amendment_with_a_zero_milestone_id_or_amount_reverts_milestone_invalid(
    ledger, purchaser, contracted, ids, amounts, bad_id, bad_amount
):
    pid = contracted()

    with reverts(ledger.MilestoneInvalid, processId=pid, milestoneId=bad_id, amount=bad_amount):
        amend(ledger, purchaser, pid, 1, ids, amounts)


def test_amendment_with_uneven_milestone_lists_reverts_schedule_invalid(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(
        ledger.ContractScheduleInvalid, processId=pid, milestoneIds=1, amounts=0, maxMilestones=MAX_MILESTONES
    ):
        amend(ledger, purchaser, pid, 1, [M3], [])


def test_one_amendment_schedules_at_most_max_milestones_and_several_may_go_beyond(ledger, purchaser, awarded):
    pid = awarded()
    sign(ledger, purchaser, pid, AWARD, milestone_ids(MAX_MILESTONES), [1] * MAX_MILESTONES)
    more = [keccak(text=f"more-{i}") for i in range(MAX_MILESTONES + 1)]

    with reverts(
        ledger.ContractScheduleInvalid,
        processId=pid,
        milestoneIds=MAX_MILESTONES + 1,
        amounts=MAX_MILESTONES + 1,
        maxMilestones=MAX_MILESTONES,
    ):
        amend(ledger, purchaser, pid, 0, more, [1] * len(more))
    amend(ledger, purchaser, pid, 0, more[:MAX_MILESTONES], [1] * MAX_MILESTONES)

    assert ledger.agreementOf(pid).openMilestones == 2 * MAX_MILESTONES


def test_amendment_beyond_the_remaining_budget_reverts_budget_exceeded(ledger, purchaser, awarded):
    pid = awarded(amount=BUDGET_AMOUNT - 5)
    sign(ledger, purchaser, pid, BUDGET_AMOUNT - 5, [M1], [M1_AMOUNT])

    with reverts(ledger.BudgetExceeded, budgetId=BUDGET_ID, requested=6, remaining=5):
        amend(ledger, purchaser, pid, 6)
    amend(ledger, purchaser, pid, 5)

    assert ledger.budget(BUDGET_ID).committed == BUDGET_AMOUNT


def test_amendment_in_implementation_is_accepted(ledger, purchaser, accepted):
    pid = accepted()

    tx = amend(ledger, purchaser, pid, M3_AMOUNT, [M3], [M3_AMOUNT])

    assert single_event(tx, ledger.ContractAmended)["newValue"] == AWARD + M3_AMOUNT
    assert agreement_of(ledger, pid) == agreement(
        value=AWARD + M3_AMOUNT, scheduled=AWARD + M3_AMOUNT, accepted=M1_AMOUNT, open_milestones=2
    )


def test_amendment_with_a_suspended_supplier_organisation_reverts_under_suspension(
    ledger, purchaser, finance, contracted
):
    pid = contracted()
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=FINANCE_ORG):
        amend(ledger, purchaser, pid, 5)

    assert ledger.agreementOf(pid).value == AWARD


def test_amendment_by_a_suspended_purchaser_organisation_reverts_under_suspension(
    ledger, purchaser, finance, contracted
):
    pid = contracted()
    ledger.suspendOrganisation(PURCHASER_ORG, doc("suspension"), sender=finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=PURCHASER_ORG, suspendedBy=FINANCE_ORG):
        amend(ledger, purchaser, pid, 1)

    ledger.reinstateOrganisation(PURCHASER_ORG, doc("reinstatement"), sender=finance)
    amend(ledger, purchaser, pid, 1)
    assert ledger.agreementOf(pid).value == AWARD + 1


def test_amendment_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, contracted):
    pid = contracted()

    with reverts(
        ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser.address, purchaserOrg=PURCHASER_ORG
    ):
        amend(ledger, other_purchaser, pid, 1)


@pytest.mark.parametrize(
    "stage", [Stage.AWARDED, Stage.TERMINATED, Stage.COMPLETED], ids=["before-signing", "terminated", "completed"]
)
def test_amendment_outside_an_active_contract_reverts_contract_not_active(
    ledger, purchaser, awarded, contracted, all_accepted, stage
):
    if stage == Stage.AWARDED:
        pid = awarded()
    elif stage == Stage.TERMINATED:
        pid = contracted()
        ledger.terminateContract(pid, doc("termination"), sender=purchaser)
    else:
        pid = all_accepted()
        ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    with reverts(ledger.ContractNotActive, processId=pid, current=stage):
        amend(ledger, purchaser, pid, 1)
