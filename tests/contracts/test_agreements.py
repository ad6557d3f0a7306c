"""Contract rules after the award: signing, supplementary amendments, termination, milestones and completion.

Each rule has a passing case and a reverting one that names the custom error and all of its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    AWARD,
    BUDGET_AMOUNT,
    BUDGET_ID,
    CONTRACT_ID,
    DELIVERY,
    DISMISSED,
    HOUR,
    M1,
    M2,
    OTHER_CONTRACT_ID,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    SUPPLIER_ROLE,
    UNKNOWN_PROCESS,
    Stage,
    advance,
    commitment,
    doc,
    org,
    reverts,
    single_event,
)

# IProcurementLedger.MilestoneState
DELIVERED, ACCEPTED = 1, 2
# Sealed bids of the open-tender route: supplier_b bids lower and wins.
BID_A, BID_B = 480_000_00, 450_000_00

# IProcurementLedger.Agreement, field by field in declaration order.
AGREEMENT_FIELDS = [
    "contractId",
    "value",
    "paid",
    "paymentCount",
    "originalValue",
    "amendedTotal",
    "acceptedMilestones",
    "supplier",
    "contractTag",
]


def contract_tag(contract_id: bytes) -> int:
    """The low 96 bits of keccak256(abi.encode(contractId)), as the contract tags a signed contract."""
    return int.from_bytes(keccak(contract_id)[-12:], "big")


@pytest.fixture
def awarded(ledger: Any, purchaser: Any, supplier_a: Any, create_process: Callable[..., bytes]) -> Callable[..., bytes]:
    """A single-source process awarded to supplier_a straight from Planning; returns its id."""

    def award(ocid: str = "ocds-single-1", amount: int = AWARD) -> bytes:
        process_id = create_process(ocid, SINGLE_SOURCE)
        ledger.awardProcess(process_id, supplier_a, amount, doc(f"award {ocid}"), sender=purchaser)
        return process_id

    return award


@pytest.fixture
def contracted(ledger: Any, purchaser: Any, awarded: Callable[..., bytes]) -> Callable[..., bytes]:
    """A single-source process with CONTRACT_ID signed with supplier_a (value = award unless given)."""

    def sign(ocid: str = "ocds-single-1", amount: int = AWARD, value: int | None = None) -> bytes:
        process_id = awarded(ocid, amount)
        ledger.signContract(process_id, CONTRACT_ID, value or amount, doc("contract"), sender=purchaser)
        return process_id

    return sign


@pytest.fixture
def delivered(ledger: Any, supplier_a: Any, contracted: Callable[..., bytes]) -> Callable[..., bytes]:
    """A contracted process whose milestone M1 supplier_a has delivered (so it is in Implementation)."""

    def deliver(ocid: str = "ocds-single-1", amount: int = AWARD) -> bytes:
        process_id = contracted(ocid, amount)
        ledger.recordMilestone(process_id, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
        return process_id

    return deliver


@pytest.fixture
def accepted(ledger: Any, purchaser: Any, delivered: Callable[..., bytes]) -> Callable[..., bytes]:
    """A process whose milestone M1 was delivered and accepted."""

    def accept(ocid: str = "ocds-single-1", amount: int = AWARD) -> bytes:
        process_id = delivered(ocid, amount)
        ledger.recordMilestone(process_id, CONTRACT_ID, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
        return process_id

    return accept


@pytest.fixture
def tendered(
    ledger: Any, purchaser: Any, supplier_a: Any, supplier_b: Any, chain: Any, open_tender: Callable[..., bytes]
) -> bytes:
    """An open tender run for real: two sealed bids committed, revealed, evaluated, and awarded to supplier_b."""
    process_id = open_tender("ocds-tender-1")
    bids = [(supplier_a, BID_A), (supplier_b, BID_B)]
    for bidder, amount in bids:
        sealed = commitment(process_id, bidder, amount, doc(f"bid {bidder.address}"), b"s" * 32)
        ledger.commitBid(process_id, sealed, sender=bidder)
    advance(chain, HOUR)
    for bidder, amount in bids:
        ledger.revealBid(process_id, amount, doc(f"bid {bidder.address}"), b"s" * 32, sender=bidder)
    advance(chain, HOUR)
    ledger.recordEvaluation(process_id, doc("evaluation report"), sender=purchaser)
    ledger.awardProcess(process_id, supplier_b, BID_B, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED
    return process_id


# ─── signContract ────────────────────────────────────────────────────────────────────────────────────────


def test_sign_contract_at_award_value_emits_signed_with_awardee_and_keeps_commitment(
    ledger, purchaser, supplier_a, awarded
):
    pid = awarded()

    tx = ledger.signContract(pid, CONTRACT_ID, AWARD, doc("contract"), sender=purchaser)

    assert single_event(tx, ledger.ContractSigned) == {
        "processId": pid,
        "contractId": CONTRACT_ID,
        "supplier": supplier_a.address,
        "value": AWARD,
        "docHash": doc("contract"),
    }
    assert tx.decode_logs(ledger.BudgetCommitmentChanged) == []
    assert ledger.budget(BUDGET_ID).committed == AWARD
    assert ledger.processOf(pid).stage == Stage.CONTRACTED
    agreement = ledger.agreementOf(pid)
    assert {name: getattr(agreement, name) for name in AGREEMENT_FIELDS} == {
        "contractId": CONTRACT_ID,
        "value": AWARD,
        "paid": 0,
        "paymentCount": 0,
        "originalValue": AWARD,
        "amendedTotal": 0,
        "acceptedMilestones": 0,
        "supplier": supplier_a.address,
        "contractTag": contract_tag(CONTRACT_ID),
    }


def test_agreement_struct_fields_are_in_declaration_order_with_the_contract_tag_last(ledger):
    (abi,) = ledger.agreementOf.abis
    (output,) = abi.outputs

    assert [component.name for component in output.components] == AGREEMENT_FIELDS
    assert [component.type for component in output.components] == [
        "bytes32",
        "uint96",
        "uint96",
        "uint64",
        "uint96",
        "uint96",
        "uint32",
        "address",
        "uint96",
    ]


def test_agreement_of_a_process_without_a_contract_is_all_zero(ledger, awarded):
    pid = awarded()

    agreement = ledger.agreementOf(pid)

    assert (agreement.contractId, agreement.contractTag, agreement.value) == (bytes(32), 0, 0)


def test_sign_contract_below_award_releases_the_difference_to_the_budget(ledger, purchaser, awarded):
    pid = awarded()
    value = AWARD - 12_345

    tx = ledger.signContract(pid, CONTRACT_ID, value, doc("contract"), sender=purchaser)

    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": value,
    }
    assert single_event(tx, ledger.ContractSigned)["value"] == value
    assert ledger.budget(BUDGET_ID).committed == value


@pytest.mark.parametrize("value", [0, AWARD + 1], ids=["zero", "one-above-award"])
def test_sign_contract_with_zero_or_above_award_value_reverts_value_invalid(ledger, purchaser, awarded, value):
    pid = awarded()

    with reverts(ledger.ContractValueInvalid, processId=pid, awardAmount=AWARD, value=value):
        ledger.signContract(pid, CONTRACT_ID, value, doc("contract"), sender=purchaser)

    assert ledger.processOf(pid).stage == Stage.AWARDED


def test_sign_contract_with_zero_contract_id_reverts_invalid_id(ledger, purchaser, awarded):
    pid = awarded()

    with reverts(ledger.ContractInvalidId):
        ledger.signContract(pid, bytes(32), AWARD, doc("contract"), sender=purchaser)


def test_sign_contract_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, awarded):
    pid = awarded()

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.signContract(pid, CONTRACT_ID, AWARD, doc("contract"), sender=other_purchaser)


def test_sign_contract_by_the_supplier_reverts_unauthorized(ledger, supplier_a, awarded):
    pid = awarded()

    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a, neededRole=PURCHASER_ROLE):
        ledger.signContract(pid, CONTRACT_ID, AWARD, doc("contract"), sender=supplier_a)


def test_sign_contract_before_award_reverts_wrong_stage(ledger, purchaser, create_process):
    pid = create_process("ocds-single-1", SINGLE_SOURCE)

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.PLANNING, required=Stage.AWARDED):
        ledger.signContract(pid, CONTRACT_ID, AWARD, doc("contract"), sender=purchaser)


def test_sign_contract_twice_reverts_wrong_stage(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.CONTRACTED, required=Stage.AWARDED):
        ledger.signContract(pid, OTHER_CONTRACT_ID, AWARD, doc("contract 2"), sender=purchaser)


def test_sign_contract_waits_for_open_complaints_to_be_resolved(ledger, purchaser, finance, supplier_b, awarded):
    pid = awarded()
    complaint_id = keccak(text="complaint-1")
    ledger.fileComplaint(pid, complaint_id, doc("complaint"), sender=supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=pid, openComplaints=1):
        ledger.signContract(pid, CONTRACT_ID, AWARD, doc("contract"), sender=purchaser)

    ledger.resolveComplaint(pid, complaint_id, DISMISSED, doc("ruling"), sender=finance)
    tx = ledger.signContract(pid, CONTRACT_ID, AWARD, doc("contract"), sender=purchaser)
    assert single_event(tx, ledger.ContractSigned)["contractId"] == CONTRACT_ID


# ─── The open-tender route ───────────────────────────────────────────────────────────────────────────────


def test_contract_after_open_tender_cannot_exceed_the_winning_bid(ledger, purchaser, tendered):
    with reverts(ledger.ContractValueInvalid, processId=tendered, awardAmount=BID_B, value=BID_B + 1):
        ledger.signContract(tendered, CONTRACT_ID, BID_B + 1, doc("contract"), sender=purchaser)


def test_contract_after_open_tender_is_signed_with_the_winning_bidder_and_runs_to_completion(
    ledger, purchaser, supplier_b, tendered
):
    signed = ledger.signContract(tendered, CONTRACT_ID, BID_B, doc("contract"), sender=purchaser)
    delivered = ledger.recordMilestone(tendered, CONTRACT_ID, M1, DELIVERY, doc("delivery"), sender=supplier_b)
    ledger.recordMilestone(tendered, CONTRACT_ID, M1, ACCEPTANCE, doc("acceptance"), sender=purchaser)
    completed = ledger.completeProcess(tendered, doc("completion"), sender=purchaser)

    assert single_event(signed, ledger.ContractSigned)["supplier"] == supplier_b.address
    assert single_event(delivered, ledger.MilestoneDelivered) == {
        "processId": tendered,
        "milestoneId": M1,
        "contractId": CONTRACT_ID,
        "docHash": doc("delivery"),
    }
    assert single_event(completed, ledger.ProcessCompleted) == {"processId": tendered, "docHash": doc("completion")}
    assert ledger.processOf(tendered).stage == Stage.COMPLETED
    assert ledger.budget(BUDGET_ID).committed == BID_B


def test_losing_bidder_of_open_tender_cannot_record_delivery(ledger, purchaser, supplier_a, tendered):
    ledger.signContract(tendered, CONTRACT_ID, BID_B, doc("contract"), sender=purchaser)

    with reverts(ledger.MilestoneNotSupplier, processId=tendered, account=supplier_a):
        ledger.recordMilestone(tendered, CONTRACT_ID, M1, DELIVERY, doc("delivery"), sender=supplier_a)

    assert ledger.milestoneOf(tendered, M1) == 0


# ─── amendContract ───────────────────────────────────────────────────────────────────────────────────────


def test_amendments_up_to_exactly_ten_percent_of_the_original_in_total_are_accepted(ledger, purchaser, contracted):
    pid = contracted()
    four, six = AWARD * 4 // 100, AWARD * 6 // 100

    first = ledger.amendContract(pid, CONTRACT_ID, four, doc("amendment 1"), sender=purchaser)
    second = ledger.amendContract(pid, CONTRACT_ID, six, doc("amendment 2"), sender=purchaser)

    assert single_event(first, ledger.ContractAmended) == {
        "processId": pid,
        "contractId": CONTRACT_ID,
        "increase": four,
        "newValue": AWARD + four,
        "docHash": doc("amendment 1"),
    }
    assert single_event(second, ledger.ContractAmended)["newValue"] == AWARD + AWARD // 10
    assert single_event(second, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": AWARD + AWARD // 10,
    }
    agreement = ledger.agreementOf(pid)
    assert (agreement.value, agreement.originalValue, agreement.amendedTotal) == (AWARD * 11 // 10, AWARD, AWARD // 10)
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
    for step in earlier:
        ledger.amendContract(pid, CONTRACT_ID, step, doc("amendment"), sender=purchaser)

    with reverts(
        ledger.ContractAmendmentCapExceeded,
        processId=pid,
        contractId=CONTRACT_ID,
        cap=AWARD // 10,
        requestedTotal=AWARD // 10 + 1,
    ):
        ledger.amendContract(pid, CONTRACT_ID, increase, doc("amendment over cap"), sender=purchaser)

    assert ledger.agreementOf(pid).value == AWARD + sum(earlier)


def test_amendment_cap_is_exact_for_an_original_value_not_divisible_by_ten(ledger, purchaser, contracted):
    pid = contracted(amount=1_005)

    with reverts(
        ledger.ContractAmendmentCapExceeded, processId=pid, contractId=CONTRACT_ID, cap=100, requestedTotal=101
    ):
        ledger.amendContract(pid, CONTRACT_ID, 101, doc("amendment"), sender=purchaser)
    tx = ledger.amendContract(pid, CONTRACT_ID, 100, doc("amendment"), sender=purchaser)

    assert single_event(tx, ledger.ContractAmended)["newValue"] == 1_105


def test_amendment_of_zero_reverts_amendment_invalid(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ContractAmendmentInvalid):
        ledger.amendContract(pid, CONTRACT_ID, 0, doc("amendment"), sender=purchaser)


@pytest.mark.parametrize("contract_id", [OTHER_CONTRACT_ID, bytes(32)], ids=["other-id", "zero-id"])
def test_amendment_of_unknown_contract_reverts_contract_unknown(ledger, purchaser, contracted, contract_id):
    pid = contracted()

    with reverts(ledger.ContractUnknown, processId=pid, contractId=contract_id):
        ledger.amendContract(pid, contract_id, 1, doc("amendment"), sender=purchaser)


def test_amendment_beyond_the_remaining_budget_reverts_budget_exceeded(ledger, purchaser, contracted):
    pid = contracted(amount=BUDGET_AMOUNT - 5)

    with reverts(ledger.BudgetExceeded, budgetId=BUDGET_ID, requested=6, remaining=5):
        ledger.amendContract(pid, CONTRACT_ID, 6, doc("amendment"), sender=purchaser)
    ledger.amendContract(pid, CONTRACT_ID, 5, doc("amendment"), sender=purchaser)

    assert ledger.budget(BUDGET_ID).committed == BUDGET_AMOUNT


def test_amendment_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.amendContract(pid, CONTRACT_ID, 1, doc("amendment"), sender=other_purchaser)


def test_amendment_before_signing_reverts_contract_not_active(ledger, purchaser, awarded):
    pid = awarded()

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.AWARDED):
        ledger.amendContract(pid, CONTRACT_ID, 1, doc("amendment"), sender=purchaser)


# ─── terminateContract ───────────────────────────────────────────────────────────────────────────────────


def test_terminate_releases_value_minus_paid_to_the_budget(ledger, purchaser, finance, supplier_a, accepted):
    pid = accepted()
    paid = 120_000_00
    ledger.recordPayment(pid, CONTRACT_ID, M1, paid, supplier_a, doc("voucher"), sender=finance)

    tx = ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=purchaser)

    assert single_event(tx, ledger.ContractTerminated) == {
        "processId": pid,
        "contractId": CONTRACT_ID,
        "paid": paid,
        "released": AWARD - paid,
        "docHash": doc("termination"),
    }
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": pid,
        "committed": paid,
    }
    assert ledger.budget(BUDGET_ID).committed == paid
    assert ledger.processOf(pid).stage == Stage.TERMINATED


def test_terminate_settles_the_contract_value_at_what_was_paid(ledger, purchaser, finance, supplier_a, accepted):
    pid = accepted()
    increase, paid = AWARD // 10, 120_000_00
    ledger.amendContract(pid, CONTRACT_ID, increase, doc("amendment"), sender=purchaser)
    ledger.recordPayment(pid, CONTRACT_ID, M1, paid, supplier_a, doc("voucher"), sender=finance)

    tx = ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=purchaser)

    assert single_event(tx, ledger.ContractTerminated)["released"] == AWARD + increase - paid
    agreement = ledger.agreementOf(pid)
    assert {name: getattr(agreement, name) for name in AGREEMENT_FIELDS} == {
        "contractId": CONTRACT_ID,
        "value": paid,
        "paid": paid,
        "paymentCount": 1,
        "originalValue": AWARD,
        "amendedTotal": increase,
        "acceptedMilestones": 1,
        "supplier": supplier_a.address,
        "contractTag": contract_tag(CONTRACT_ID),
    }
    assert ledger.budget(BUDGET_ID).committed == paid


def test_terminate_with_nothing_paid_settles_the_value_at_zero_and_releases_it_all(ledger, purchaser, contracted):
    pid = contracted()

    tx = ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=purchaser)

    terminated = single_event(tx, ledger.ContractTerminated)
    assert (terminated["paid"], terminated["released"]) == (0, AWARD)
    assert single_event(tx, ledger.BudgetCommitmentChanged)["committed"] == 0
    agreement = ledger.agreementOf(pid)
    assert (agreement.value, agreement.paid, agreement.originalValue) == (0, 0, AWARD)
    assert ledger.budget(BUDGET_ID).committed == 0


def test_terminate_of_a_fully_paid_contract_releases_nothing(ledger, purchaser, finance, supplier_a, accepted):
    pid = accepted()
    ledger.recordPayment(pid, CONTRACT_ID, M1, AWARD, supplier_a, doc("voucher"), sender=finance)

    tx = ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=purchaser)

    terminated = single_event(tx, ledger.ContractTerminated)
    assert (terminated["paid"], terminated["released"]) == (AWARD, 0)
    assert tx.decode_logs(ledger.BudgetCommitmentChanged) == []
    assert ledger.budget(BUDGET_ID).committed == AWARD
    assert (ledger.agreementOf(pid).value, ledger.agreementOf(pid).paid) == (AWARD, AWARD)


def test_after_termination_milestones_amendments_and_termination_revert_contract_not_active(
    ledger, purchaser, supplier_a, contracted
):
    pid = contracted()
    ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=purchaser)

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.TERMINATED):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery"), sender=supplier_a)
    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.TERMINATED):
        ledger.amendContract(pid, CONTRACT_ID, 1, doc("amendment"), sender=purchaser)
    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.TERMINATED):
        ledger.terminateContract(pid, CONTRACT_ID, doc("termination 2"), sender=purchaser)


def test_terminate_before_signing_reverts_contract_not_active(ledger, purchaser, awarded):
    pid = awarded()

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.AWARDED):
        ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=purchaser)

    assert ledger.budget(BUDGET_ID).committed == AWARD


def test_terminate_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.terminateContract(pid, CONTRACT_ID, doc("termination"), sender=other_purchaser)


def test_terminate_of_unknown_contract_reverts_contract_unknown(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ContractUnknown, processId=pid, contractId=OTHER_CONTRACT_ID):
        ledger.terminateContract(pid, OTHER_CONTRACT_ID, doc("termination"), sender=purchaser)

    assert ledger.processOf(pid).stage == Stage.CONTRACTED
    assert ledger.agreementOf(pid).value == AWARD


# ─── recordMilestone ─────────────────────────────────────────────────────────────────────────────────────


def test_first_delivery_by_the_contracted_supplier_moves_process_to_implementation(ledger, supplier_a, contracted):
    pid = contracted()

    tx = ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)

    assert single_event(tx, ledger.MilestoneDelivered) == {
        "processId": pid,
        "milestoneId": M1,
        "contractId": CONTRACT_ID,
        "docHash": doc("delivery M1"),
    }
    assert tx.decode_logs(ledger.MilestoneAccepted) == []
    assert ledger.milestoneOf(pid, M1) == DELIVERED
    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


def test_a_later_delivery_by_the_contracted_supplier_keeps_the_process_in_implementation(ledger, supplier_a, delivered):
    pid = delivered()

    tx = ledger.recordMilestone(pid, CONTRACT_ID, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)

    assert single_event(tx, ledger.MilestoneDelivered)["milestoneId"] == M2
    assert (ledger.milestoneOf(pid, M1), ledger.milestoneOf(pid, M2)) == (DELIVERED, DELIVERED)
    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


@pytest.mark.parametrize("caller", ["purchaser", "other_purchaser", "finance", "auditor", "outsider"])
def test_delivery_by_an_account_without_the_supplier_role_reverts_unauthorized(ledger, request, contracted, caller):
    pid = contracted()
    account = request.getfixturevalue(caller)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account, neededRole=SUPPLIER_ROLE):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=account)

    assert ledger.milestoneOf(pid, M1) == 0
    assert ledger.processOf(pid).stage == Stage.CONTRACTED


def test_delivery_by_another_supplier_reverts_not_supplier(ledger, supplier_b, contracted):
    pid = contracted()

    with reverts(ledger.MilestoneNotSupplier, processId=pid, account=supplier_b):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=supplier_b)

    assert ledger.milestoneOf(pid, M1) == 0
    assert ledger.processOf(pid).stage == Stage.CONTRACTED


def test_supplier_account_removed_from_its_organisation_can_no_longer_record_delivery(
    ledger, admin, supplier_a, contracted
):
    pid = contracted()
    ledger.removeOrganisationAccount(org("SUPPLIER-A"), supplier_a, sender=admin)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a, neededRole=SUPPLIER_ROLE):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)

    assert ledger.milestoneOf(pid, M1) == 0


def test_another_account_of_the_contracted_suppliers_organisation_reverts_not_supplier(
    ledger, admin, accounts, contracted
):
    pid = contracted()
    colleague = accounts[7]
    ledger.addOrganisationAccount(org("SUPPLIER-A"), colleague, sender=admin)

    with reverts(ledger.MilestoneNotSupplier, processId=pid, account=colleague):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=colleague)


def test_acceptance_by_the_purchaser_after_delivery_marks_the_milestone_accepted(ledger, purchaser, delivered):
    pid = delivered()

    tx = ledger.recordMilestone(pid, CONTRACT_ID, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)

    assert single_event(tx, ledger.MilestoneAccepted) == {
        "processId": pid,
        "milestoneId": M1,
        "contractId": CONTRACT_ID,
        "docHash": doc("acceptance M1"),
        "acceptedBy": purchaser.address,
    }
    assert tx.decode_logs(ledger.MilestoneDelivered) == []
    assert ledger.milestoneOf(pid, M1) == ACCEPTED
    assert ledger.agreementOf(pid).acceptedMilestones == 1
    assert ledger.processOf(pid).stage == Stage.IMPLEMENTATION


def test_acceptance_by_the_supplier_reverts_unauthorized(ledger, supplier_a, delivered):
    pid = delivered()

    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a, neededRole=PURCHASER_ROLE):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, ACCEPTANCE, doc("acceptance M1"), sender=supplier_a)

    assert ledger.milestoneOf(pid, M1) == DELIVERED


def test_acceptance_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, delivered):
    pid = delivered()

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, ACCEPTANCE, doc("acceptance M1"), sender=other_purchaser)

    assert ledger.milestoneOf(pid, M1) == DELIVERED


def test_acceptance_before_delivery_reverts_milestone_not_delivered(ledger, purchaser, delivered):
    pid = delivered()

    with reverts(ledger.MilestoneNotDelivered, processId=pid, milestoneId=M2):
        ledger.recordMilestone(pid, CONTRACT_ID, M2, ACCEPTANCE, doc("acceptance M2"), sender=purchaser)


@pytest.mark.parametrize(
    ("kind", "state"),
    [(DELIVERY, DELIVERED), (DELIVERY, ACCEPTED), (ACCEPTANCE, ACCEPTED)],
    ids=["delivery-after-delivery", "delivery-after-acceptance", "acceptance-after-acceptance"],
)
def test_recording_a_milestone_again_reverts_already_recorded(
    ledger, purchaser, supplier_a, delivered, accepted, kind, state
):
    pid = delivered() if state == DELIVERED else accepted()
    recorder = supplier_a if kind == DELIVERY else purchaser

    with reverts(ledger.MilestoneAlreadyRecorded, processId=pid, milestoneId=M1, state=state):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, kind, doc("again"), sender=recorder)

    assert ledger.agreementOf(pid).acceptedMilestones == (1 if state == ACCEPTED else 0)


def test_milestone_before_signing_reverts_contract_not_active(ledger, supplier_a, awarded):
    pid = awarded()

    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.AWARDED):
        ledger.recordMilestone(pid, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)


@pytest.mark.parametrize("contract_id", [OTHER_CONTRACT_ID, bytes(32)], ids=["other-id", "zero-id"])
@pytest.mark.parametrize("kind", [DELIVERY, ACCEPTANCE], ids=["delivery", "acceptance"])
def test_milestone_of_unknown_contract_reverts_contract_unknown(
    ledger, purchaser, supplier_a, delivered, contract_id, kind
):
    pid = delivered()
    recorder = supplier_a if kind == DELIVERY else purchaser

    with reverts(ledger.ContractUnknown, processId=pid, contractId=contract_id):
        ledger.recordMilestone(pid, contract_id, M1 if kind == ACCEPTANCE else M2, kind, doc("m"), sender=recorder)

    assert (ledger.milestoneOf(pid, M1), ledger.milestoneOf(pid, M2)) == (DELIVERED, 0)


# ─── completeProcess ─────────────────────────────────────────────────────────────────────────────────────


def test_complete_after_an_accepted_milestone_emits_completed_and_closes_milestones(
    ledger, purchaser, supplier_a, accepted
):
    pid = accepted()

    tx = ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    assert single_event(tx, ledger.ProcessCompleted) == {"processId": pid, "docHash": doc("completion")}
    assert ledger.processOf(pid).stage == Stage.COMPLETED
    with reverts(ledger.ContractNotActive, processId=pid, current=Stage.COMPLETED):
        ledger.recordMilestone(pid, CONTRACT_ID, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)


def test_complete_with_only_delivered_milestones_reverts_nothing_accepted(ledger, purchaser, delivered):
    pid = delivered()

    with reverts(ledger.ProcessNothingAccepted, processId=pid):
        ledger.completeProcess(pid, doc("completion"), sender=purchaser)


def test_complete_before_implementation_reverts_wrong_stage(ledger, purchaser, contracted):
    pid = contracted()

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.CONTRACTED, required=Stage.IMPLEMENTATION):
        ledger.completeProcess(pid, doc("completion"), sender=purchaser)


def test_complete_twice_reverts_wrong_stage(ledger, purchaser, accepted):
    pid = accepted()
    ledger.completeProcess(pid, doc("completion"), sender=purchaser)

    with reverts(ledger.ProcessWrongStage, processId=pid, current=Stage.COMPLETED, required=Stage.IMPLEMENTATION):
        ledger.completeProcess(pid, doc("completion 2"), sender=purchaser)


def test_complete_by_purchaser_of_another_organisation_reverts_not_purchaser(ledger, other_purchaser, accepted):
    pid = accepted()

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.completeProcess(pid, doc("completion"), sender=other_purchaser)


# ─── Rules shared by every write ─────────────────────────────────────────────────────────────────────────

WRITES: dict[str, tuple[str, str, str, Callable[[bytes, bytes], tuple[Any, ...]]]] = {
    # test id: (method, stage fixture to start from, the account allowed to write, arguments given the process id
    # and the document hash)
    "signContract": ("signContract", "awarded", "purchaser", lambda pid, h: (pid, CONTRACT_ID, AWARD, h)),
    "amendContract": ("amendContract", "contracted", "purchaser", lambda pid, h: (pid, CONTRACT_ID, 1, h)),
    "terminateContract": ("terminateContract", "contracted", "purchaser", lambda pid, h: (pid, CONTRACT_ID, h)),
    "recordMilestone-delivery": (
        "recordMilestone",
        "contracted",
        "supplier_a",
        lambda pid, h: (pid, CONTRACT_ID, M1, DELIVERY, h),
    ),
    "recordMilestone-acceptance": (
        "recordMilestone",
        "delivered",
        "purchaser",
        lambda pid, h: (pid, CONTRACT_ID, M1, ACCEPTANCE, h),
    ),
    "completeProcess": ("completeProcess", "accepted", "purchaser", lambda pid, h: (pid, h)),
}


@pytest.mark.parametrize("write", WRITES)
def test_write_without_document_hash_reverts_document_hash_missing(ledger, request, write):
    method, fixture, writer, arguments = WRITES[write]
    pid = request.getfixturevalue(fixture)()

    with reverts(ledger.DocumentHashMissing):
        getattr(ledger, method)(*arguments(pid, bytes(32)), sender=request.getfixturevalue(writer))


@pytest.mark.parametrize("write", WRITES)
def test_write_on_unknown_process_reverts_process_unknown(ledger, request, write):
    method, _, writer, arguments = WRITES[write]

    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        getattr(ledger, method)(*arguments(UNKNOWN_PROCESS, doc("document")), sender=request.getfixturevalue(writer))
