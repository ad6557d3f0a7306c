"""Payment rules (Contracts 2.0): recordPayment(processId, paymentId, milestoneId, amount, payee, voucherHash).

Rules covered, each with a passing case and a reverting one naming the custom error with all its arguments:

- A resend of a payment id reverts PaymentAlreadyRecorded, checked before anything else (even once the milestone is
  fully paid); payment ids are per process.
- Only the finance bureau of the process's budget line pays (ProcessNotFinanceBureau otherwise).
- The payee is an account that signs for the contracted supplier organisation at the time of payment: any of its
  current accounts, never one removed from it or moved to another organisation, nor another organisation's.
- Only for an accepted milestone, never more than what that milestone still has unpaid, exactly at the boundary:
  one acceptance no longer unlocks the whole contract value. The amount is positive and the voucher hash non-zero.
- Accepted milestones stay payable after completion and after termination, and while the supplier is suspended;
  there is nothing to pay before signing (ContractNotActive) or on an unknown process (ProcessUnknown).
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    AWARD,
    DELIVERED,
    DELIVERY,
    FINANCE_ORG,
    M1,
    M1_AMOUNT,
    M2,
    M2_AMOUNT,
    M3,
    NOT_SCHEDULED,
    PURCHASER_ORG,
    SCHEDULED,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    UNKNOWN_PROCESS,
    ZERO_HASH,
    Stage,
    doc,
    reverts,
    selector,
    single_event,
)

VOUCHER = doc("payment voucher")
PAYMENT_1, PAYMENT_2, PAYMENT_3 = (keccak(text=f"payment-{number}") for number in (1, 2, 3))
RECORD_PAYMENT = selector("recordPayment(bytes32,bytes32,bytes32,uint96,address,bytes32)")
M3_AMOUNT = 40_000_00


def pay(
    ledger: Any,
    payer: Any,
    process_id: bytes,
    payment_id: bytes,
    amount: int,
    payee: Any,
    milestone: bytes = M1,
    voucher: bytes = VOUCHER,
) -> Any:
    return ledger.recordPayment(process_id, payment_id, milestone, amount, payee, voucher, sender=payer)


def deliver_and_accept(ledger: Any, purchaser: Any, supplier: Any, process_id: bytes, milestone: bytes) -> None:
    ledger.recordMilestone(process_id, milestone, DELIVERY, doc("delivery"), sender=supplier)
    ledger.recordMilestone(process_id, milestone, ACCEPTANCE, doc("acceptance"), sender=purchaser)


# ─── What is paid ────────────────────────────────────────────────────────────────────────────────────────


def test_payments_for_an_accepted_milestone_accumulate_its_paid_total_and_emit_every_field(
    ledger, finance, supplier_a, supplier_a2, payable
):
    payments = [
        (PAYMENT_1, 50_000_00, supplier_a),
        (PAYMENT_2, 100_000_00, supplier_a2),
        (PAYMENT_3, 50_000_00, supplier_a),
    ]
    paid = 0

    for payment_id, amount, payee in payments:
        assert not ledger.paymentRecorded(payable, payment_id)
        tx = pay(ledger, finance, payable, payment_id, amount, payee)
        paid += amount
        assert single_event(tx, ledger.PaymentRecorded) == {
            "processId": payable,
            "paymentId": payment_id,
            "milestoneId": M1,
            "amount": amount,
            "milestonePaid": paid,
            "payerOrg": FINANCE_ORG,
            "payeeOrg": SUPPLIER_A_ORG,
            "payee": payee.address,
            "voucherHash": VOUCHER,
        }
        assert ledger.paymentRecorded(payable, payment_id)

    assert paid == M1_AMOUNT
    assert ledger.milestoneOf(payable, M1) == (M1_AMOUNT, M1_AMOUNT, ACCEPTED)


def test_payments_up_to_exactly_the_milestone_amount_pass_and_one_more_unit_reverts_exceeds_milestone(
    ledger, finance, supplier_a, payable
):
    pay(ledger, finance, payable, PAYMENT_1, M1_AMOUNT - 1, supplier_a)
    last = pay(ledger, finance, payable, PAYMENT_2, 1, supplier_a)
    assert single_event(last, ledger.PaymentRecorded)["milestonePaid"] == M1_AMOUNT

    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M1, unpaid=0, amount=1):
        pay(ledger, finance, payable, PAYMENT_3, 1, supplier_a)

    assert not ledger.paymentRecorded(payable, PAYMENT_3)
    assert ledger.milestoneOf(payable, M1) == (M1_AMOUNT, M1_AMOUNT, ACCEPTED)


@pytest.mark.parametrize("amount", [M1_AMOUNT + 1, AWARD], ids=["one-above-the-milestone", "the-contract-value"])
def test_one_accepted_milestone_does_not_unlock_more_than_its_own_amount(ledger, finance, supplier_a, payable, amount):
    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M1, unpaid=M1_AMOUNT, amount=amount):
        pay(ledger, finance, payable, PAYMENT_1, amount, supplier_a)

    assert ledger.milestoneOf(payable, M1) == (M1_AMOUNT, 0, ACCEPTED)


def test_payment_beyond_a_partly_paid_milestone_reverts_with_what_it_still_has_unpaid(
    ledger, finance, supplier_a, payable
):
    pay(ledger, finance, payable, PAYMENT_1, 150_000_00, supplier_a)

    with reverts(
        ledger.PaymentExceedsMilestone,
        processId=payable,
        milestoneId=M1,
        unpaid=M1_AMOUNT - 150_000_00,
        amount=M1_AMOUNT,
    ):
        pay(ledger, finance, payable, PAYMENT_2, M1_AMOUNT, supplier_a)


def test_each_accepted_milestone_is_paid_within_its_own_amount(ledger, purchaser, finance, supplier_a, payable):
    deliver_and_accept(ledger, purchaser, supplier_a, payable, M2)

    pay(ledger, finance, payable, PAYMENT_1, M1_AMOUNT, supplier_a, M1)
    tx = pay(ledger, finance, payable, PAYMENT_2, M2_AMOUNT, supplier_a, M2)

    assert single_event(tx, ledger.PaymentRecorded)["milestonePaid"] == M2_AMOUNT
    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M2, unpaid=0, amount=1):
        pay(ledger, finance, payable, PAYMENT_3, 1, supplier_a, M2)
    assert ledger.milestoneOf(payable, M2) == (M2_AMOUNT, M2_AMOUNT, ACCEPTED)


def test_a_milestone_added_by_an_amendment_is_payable_once_accepted(ledger, purchaser, finance, supplier_a, payable):
    amendment = keccak(text="amendment-1")
    ledger.amendContract(payable, amendment, M3_AMOUNT, doc("amendment"), [M3], [M3_AMOUNT], sender=purchaser)
    deliver_and_accept(ledger, purchaser, supplier_a, payable, M3)

    tx = pay(ledger, finance, payable, PAYMENT_1, M3_AMOUNT, supplier_a, M3)

    assert single_event(tx, ledger.PaymentRecorded)["milestonePaid"] == M3_AMOUNT
    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M3, unpaid=0, amount=1):
        pay(ledger, finance, payable, PAYMENT_2, 1, supplier_a, M3)


@pytest.mark.parametrize(
    ("milestone", "delivered", "state"),
    [(M2, False, SCHEDULED), (M2, True, DELIVERED), (M3, False, NOT_SCHEDULED)],
    ids=["scheduled", "delivered-not-accepted", "not-in-the-schedule"],
)
def test_payment_for_a_milestone_not_accepted_reverts_not_accepted_with_its_state(
    ledger, finance, supplier_a, payable, milestone, delivered, state
):
    if delivered:
        ledger.recordMilestone(payable, milestone, DELIVERY, doc("delivery"), sender=supplier_a)

    with reverts(ledger.PaymentMilestoneNotAccepted, processId=payable, milestoneId=milestone, state=state):
        pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a, milestone)

    assert not ledger.paymentRecorded(payable, PAYMENT_1)


def test_payment_of_zero_reverts_amount_invalid(ledger, finance, supplier_a, payable):
    with reverts(ledger.PaymentAmountInvalid, processId=payable, paymentId=PAYMENT_1, amount=0):
        pay(ledger, finance, payable, PAYMENT_1, 0, supplier_a)


def test_payment_without_voucher_hash_reverts_document_hash_missing(ledger, finance, supplier_a, payable):
    with reverts(ledger.DocumentHashMissing, action=RECORD_PAYMENT, argument=5):
        pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a, voucher=ZERO_HASH)


# ─── Exactly once ────────────────────────────────────────────────────────────────────────────────────────


def test_payment_resent_reverts_already_recorded_first_even_when_the_milestone_is_fully_paid(
    ledger, finance, other_finance, supplier_a, payable
):
    pay(ledger, finance, payable, PAYMENT_1, M1_AMOUNT, supplier_a)

    for payer in (finance, other_finance):
        with reverts(ledger.PaymentAlreadyRecorded, processId=payable, paymentId=PAYMENT_1):
            pay(ledger, payer, payable, PAYMENT_1, M1_AMOUNT, supplier_a)

    assert ledger.milestoneOf(payable, M1) == (M1_AMOUNT, M1_AMOUNT, ACCEPTED)


def test_payment_ids_are_per_process(ledger, purchaser, finance, supplier_a, contracted, payable):
    other = contracted("ocds-test-single-2")
    deliver_and_accept(ledger, purchaser, supplier_a, other, M1)
    pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a)

    tx = pay(ledger, finance, other, PAYMENT_1, 1, supplier_a)

    assert single_event(tx, ledger.PaymentRecorded)["processId"] == other
    assert ledger.paymentRecorded(payable, PAYMENT_1)
    assert ledger.paymentRecorded(other, PAYMENT_1)


# ─── Who pays, who is paid ───────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("payer", ["other_finance", "purchaser", "supplier_a", "auditor", "outsider"])
def test_payment_by_anyone_but_the_budget_lines_finance_bureau_reverts_not_finance_bureau(
    ledger, request, supplier_a, payable, payer
):
    account = request.getfixturevalue(payer)

    with reverts(ledger.ProcessNotFinanceBureau, processId=payable, account=account.address, financeOrg=FINANCE_ORG):
        pay(ledger, account, payable, PAYMENT_1, 1, supplier_a)

    assert not ledger.paymentRecorded(payable, PAYMENT_1)


@pytest.mark.parametrize(
    ("payee", "payee_org"),
    [
        ("supplier_b", SUPPLIER_B_ORG),
        ("supplier_c", SUPPLIER_C_ORG),
        ("purchaser", PURCHASER_ORG),
        ("finance", FINANCE_ORG),
        ("outsider", ZERO_HASH),
    ],
)
def test_payment_to_an_account_of_another_organisation_reverts_payee_not_supplier(
    ledger, request, finance, payable, payee, payee_org
):
    account = request.getfixturevalue(payee)

    with reverts(
        ledger.PaymentPayeeNotSupplier,
        processId=payable,
        payee=account.address,
        payeeOrg=payee_org,
        supplierOrg=SUPPLIER_A_ORG,
    ):
        pay(ledger, finance, payable, PAYMENT_1, 1, account)


def test_payment_to_an_account_removed_from_the_supplier_organisation_reverts_payee_not_supplier(
    ledger, admin, finance, supplier_a, supplier_a2, payable
):
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    with reverts(
        ledger.PaymentPayeeNotSupplier,
        processId=payable,
        payee=supplier_a.address,
        payeeOrg=ZERO_HASH,
        supplierOrg=SUPPLIER_A_ORG,
    ):
        pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a)

    tx = pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a2)
    assert single_event(tx, ledger.PaymentRecorded)["payee"] == supplier_a2.address


def test_payment_to_an_account_moved_to_another_organisation_reverts_payee_not_supplier(
    ledger, admin, finance, supplier_a, supplier_a2, payable
):
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a2, sender=admin)
    ledger.addOrganisationAccount(SUPPLIER_C_ORG, supplier_a2, sender=admin)

    with reverts(
        ledger.PaymentPayeeNotSupplier,
        processId=payable,
        payee=supplier_a2.address,
        payeeOrg=SUPPLIER_C_ORG,
        supplierOrg=SUPPLIER_A_ORG,
    ):
        pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a2)

    tx = pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a)
    assert single_event(tx, ledger.PaymentRecorded)["payeeOrg"] == SUPPLIER_A_ORG


def test_payment_follows_the_organisation_the_process_was_contracted_with(
    ledger, purchaser, finance, supplier_a, supplier_b, awarded
):
    pid = awarded(supplier_org=SUPPLIER_B_ORG)
    ledger.signContract(pid, keccak(text="contract-b"), AWARD, doc("contract"), [M1], [M1_AMOUNT], sender=purchaser)
    deliver_and_accept(ledger, purchaser, supplier_b, pid, M1)

    with reverts(
        ledger.PaymentPayeeNotSupplier,
        processId=pid,
        payee=supplier_a.address,
        payeeOrg=SUPPLIER_A_ORG,
        supplierOrg=SUPPLIER_B_ORG,
    ):
        pay(ledger, finance, pid, PAYMENT_1, 1, supplier_a)

    tx = pay(ledger, finance, pid, PAYMENT_1, 1, supplier_b)
    assert single_event(tx, ledger.PaymentRecorded)["payeeOrg"] == SUPPLIER_B_ORG


def test_a_suspended_supplier_organisation_is_still_paid_for_accepted_work(ledger, finance, supplier_a, payable):
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)

    tx = pay(ledger, finance, payable, PAYMENT_1, M1_AMOUNT, supplier_a)

    assert single_event(tx, ledger.PaymentRecorded)["milestonePaid"] == M1_AMOUNT
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == FINANCE_ORG


# ─── When ────────────────────────────────────────────────────────────────────────────────────────────────


def test_accepted_milestones_remain_payable_after_completion(ledger, purchaser, finance, supplier_a, payable):
    deliver_and_accept(ledger, purchaser, supplier_a, payable, M2)
    ledger.completeProcess(payable, doc("completion"), sender=purchaser)

    first = pay(ledger, finance, payable, PAYMENT_1, M1_AMOUNT, supplier_a, M1)
    second = pay(ledger, finance, payable, PAYMENT_2, M2_AMOUNT, supplier_a, M2)

    assert single_event(first, ledger.PaymentRecorded)["milestonePaid"] == M1_AMOUNT
    assert single_event(second, ledger.PaymentRecorded)["milestonePaid"] == M2_AMOUNT
    assert ledger.processOf(payable).stage == Stage.COMPLETED


def test_an_accepted_milestone_remains_payable_after_termination_within_its_amount(
    ledger, purchaser, finance, supplier_a, payable
):
    pay(ledger, finance, payable, PAYMENT_1, 100_00, supplier_a)
    ledger.terminateContract(payable, doc("termination"), sender=purchaser)

    tx = pay(ledger, finance, payable, PAYMENT_2, M1_AMOUNT - 100_00, supplier_a)

    assert single_event(tx, ledger.PaymentRecorded)["milestonePaid"] == M1_AMOUNT
    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M1, unpaid=0, amount=1):
        pay(ledger, finance, payable, PAYMENT_3, 1, supplier_a)
    assert ledger.processOf(payable).stage == Stage.TERMINATED


@pytest.mark.parametrize(
    ("delivered", "state"), [(False, SCHEDULED), (True, DELIVERED)], ids=["scheduled", "delivered-not-accepted"]
)
def test_a_milestone_not_accepted_at_termination_is_never_payable(
    ledger, purchaser, finance, supplier_a, payable, delivered, state
):
    if delivered:
        ledger.recordMilestone(payable, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)
    ledger.terminateContract(payable, doc("termination"), sender=purchaser)

    with reverts(ledger.PaymentMilestoneNotAccepted, processId=payable, milestoneId=M2, state=state):
        pay(ledger, finance, payable, PAYMENT_1, 1, supplier_a, M2)


@pytest.mark.parametrize("stage", [Stage.PLANNING, Stage.AWARDED, Stage.CANCELLED])
def test_payment_before_a_contract_is_signed_reverts_contract_not_active(
    ledger, purchaser, finance, supplier_a, create_process, awarded, stage
):
    if stage == Stage.PLANNING:
        pid = create_process("ocds-test-single-1", SINGLE_SOURCE)
    else:
        pid = awarded()
        if stage == Stage.CANCELLED:
            ledger.cancelProcess(pid, doc("cancellation"), sender=purchaser)
    assert ledger.processOf(pid).stage == stage

    with reverts(ledger.ContractNotActive, processId=pid, current=stage):
        pay(ledger, finance, pid, PAYMENT_1, 1, supplier_a)


def test_payment_on_a_signed_contract_before_any_acceptance_reverts_not_accepted(
    ledger, finance, supplier_a, contracted
):
    pid = contracted()

    with reverts(ledger.PaymentMilestoneNotAccepted, processId=pid, milestoneId=M1, state=SCHEDULED):
        pay(ledger, finance, pid, PAYMENT_1, 1, supplier_a)

    assert ledger.processOf(pid).stage == Stage.CONTRACTED


def test_payment_on_unknown_process_reverts_process_unknown(ledger, finance, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        pay(ledger, finance, UNKNOWN_PROCESS, PAYMENT_1, 1, supplier_a)
