"""Contract rules after the award (Contracts 2.0): signing with a payment schedule, supplementary amendments,
deliveries and acceptances of milestones, termination and completion.

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
- recordMilestone: any current account of the contracted supplier organisation delivers a scheduled milestone (the
  first delivery moves Contracted to Implementation), even while suspended; the purchaser organisation accepts a
  delivered one, which adds its amount to the accepted total; each only once, only while the contract is active.
- terminateContract settles at the accepted total and releases the rest; completeProcess needs every scheduled
  milestone accepted and releases the value not accepted (the unscheduled remainder).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    AWARD,
    BUDGET_AMOUNT,
    BUDGET_ID,
    CONTRACT_ID,
    DELIVERED,
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
    SCHEDULE,
    SCHEDULED,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    UNKNOWN_PROCESS,
    ZERO_HASH,
    Stage,
    advance,
    commitment,
    doc,
    reverts,
    scoped_id,
    selector,
    single_event,
)

MAX_MILESTONES = 64
OTHER_CONTRACT_ID = keccak(text="CONTRACT-2026-999")
AMENDMENT_1 = keccak(text="amendment-1")
AMENDMENT_2 = keccak(text="amendment-2")
M3_AMOUNT = 40_000_00
# Sealed bids of the open-tender route: supplier B bids lower and wins.
BID_A, BID_B = 480_000_00, 450_000_00
PAYMENT_PARTIES = keccak(encode(["bytes32", "bytes32"], [FINANCE_ORG, SUPPLIER_A_ORG]))

# IProcurementLedger.Agreement, field by field in declaration order.
AGREEMENT_FIELDS = {
    "contractId": "bytes32",
    "value": "uint96",
    "originalValue": "uint96",
    "scheduledTotal": "uint96",
    "acceptedTotal": "uint96",
    "openMilestones": "uint32",
    "paymentParties": "bytes32",
}


def agreement(
    value: int = AWARD,
    original: int = AWARD,
    scheduled: int = AWARD,
    accepted: int = 0,
    open_milestones: int = 2,
    contract_id: bytes = CONTRACT_ID,
    parties: bytes = PAYMENT_PARTIES,
) -> dict[str, Any]:
    """The expected agreementOf, field by field; the defaults are the `contracted` fixture's."""
    return {
        "contractId": contract_id,
        "value": value,
        "originalValue": original,
        "scheduledTotal": scheduled,
        "acceptedTotal": accepted,
        "openMilestones": open_milestones,
        "paymentParties": parties,
    }


def agreement_of(ledger: Any, process_id: bytes) -> dict[str, Any]:
    found = ledger.agreementOf(process_id)
    return {name: getattr(found, name) for name in AGREEMENT_FIELDS}


def sign(
    ledger: Any,
    purchaser: Any,
    process_id: bytes,
    value: int = AWARD,
    ids: Sequence[bytes] = SCHEDULE[0],
    amounts: Sequence[int] = SCHEDULE[1],
    contract_id: bytes = CONTRACT_ID,
) -> Any:
    return ledger.signContract(process_id, contract_id, value, doc("contract"), ids, amounts, sender=purchaser)


def amend(
    ledger: Any,
    purchaser: Any,
    process_id: bytes,
    increase: int,
    ids: Sequence[bytes] = (),
    amounts: Sequence[int] = (),
    amendment_id: bytes = AMENDMENT_1,
) -> Any:
    return ledger.amendContract(
        process_id, amendment_id, increase, doc("amendment"), list(ids), list(amounts), sender=purchaser
    )


def milestone_ids(count: int) -> list[bytes]:
    return [keccak(text=f"milestone-n{number}") for number in range(count)]


@pytest.fixture
def delivered(ledger: Any, supplier_a: Any, contracted: Callable[..., bytes]) -> Callable[[], bytes]:
    """The `contracted` process whose milestone M1 supplier A delivered (so it is in Implementation)."""

    def deliver() -> bytes:
        process_id = contracted()
        ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
        return process_id

    return deliver


@pytest.fixture
def accepted(ledger: Any, purchaser: Any, delivered: Callable[[], bytes]) -> Callable[[], bytes]:
    """The `delivered` process whose milestone M1 the purchaser accepted; M2 is still scheduled."""

    def accept() -> bytes:
        process_id = delivered()
        ledger.recordMilestone(process_id, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
        return process_id

    return accept


@pytest.fixture
def all_accepted(ledger: Any, purchaser: Any, supplier_a: Any, accepted: Callable[[], bytes]) -> Callable[[], bytes]:
    """The `accepted` process whose milestone M2 was delivered and accepted too: every milestone is accepted."""

    def accept() -> bytes:
        process_id = accepted()
        ledger.recordMilestone(process_id, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)
        ledger.recordMilestone(process_id, M2, ACCEPTANCE, doc("acceptance M2"), sender=purchaser)
        return process_id

    return accept


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
