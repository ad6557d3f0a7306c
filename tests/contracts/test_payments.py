"""Payment rules: only a finance bureau pays, only the contracted supplier, only for an accepted milestone, only in
Implementation or after completion (termination settles the contract), and never beyond the contract value in total.

Each rule has a passing case and a reverting one that names the custom error and all of its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    AWARD,
    BUDGET_ID,
    CONTRACT_ID,
    DELIVERY,
    FINANCE_ROLE,
    M1,
    M2,
    OTHER_CONTRACT_ID,
    SINGLE_SOURCE,
    UNKNOWN_PROCESS,
    Stage,
    doc,
    reverts,
    single_event,
)

VOUCHER = doc("payment voucher")


def payment_id(process_id: bytes, contract_id: bytes, index: int) -> bytes:
    """keccak256(abi.encode(processId, contractId, index)), as the contract derives it."""
    return keccak(encode(["bytes32", "bytes32", "uint64"], [process_id, contract_id, index]))


@pytest.fixture
def awarded(ledger: Any, purchaser: Any, supplier_a: Any, create_process: Callable[..., bytes]) -> Callable[[], bytes]:
    """A single-source process awarded to supplier_a for AWARD straight from Planning."""

    def award() -> bytes:
        process_id = create_process("ocds-single-1", SINGLE_SOURCE)
        ledger.awardProcess(process_id, supplier_a, AWARD, doc("award"), sender=purchaser)
        return process_id

    return award


@pytest.fixture
def contracted(ledger: Any, purchaser: Any, awarded: Callable[[], bytes]) -> Callable[[], bytes]:
    """The awarded process with CONTRACT_ID signed for AWARD."""

    def sign() -> bytes:
        process_id = awarded()
        ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), sender=purchaser)
        return process_id

    return sign


@pytest.fixture
def payable(ledger: Any, purchaser: Any, supplier_a: Any, contracted: Callable[[], bytes]) -> bytes:
    """A process in Implementation whose milestone M1 supplier_a delivered and the purchaser accepted."""
    process_id = contracted()
    ledger.recordMilestone(process_id, CONTRACT_ID, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
    ledger.recordMilestone(process_id, CONTRACT_ID, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
    return process_id


def test_payments_get_ids_from_process_contract_and_index_and_accumulate_the_paid_total(
    ledger, finance, supplier_a, payable
):
    amounts = [100_000_00, 150_000_00, 50_000_00]
    paid = 0

    for index, amount in enumerate(amounts):
        tx = ledger.recordPayment(payable, CONTRACT_ID, M1, amount, supplier_a, VOUCHER, sender=finance)
        paid += amount
        assert single_event(tx, ledger.PaymentRecorded) == {
            "processId": payable,
            "contractId": CONTRACT_ID,
            "milestoneId": M1,
            "paymentId": payment_id(payable, CONTRACT_ID, index),
            "amount": amount,
            "paidTotal": paid,
            "payee": supplier_a.address,
            "voucherHash": VOUCHER,
        }

    agreement = ledger.agreementOf(payable)
    assert (agreement.paid, agreement.paymentCount) == (sum(amounts), len(amounts))


def test_payments_up_to_exactly_the_contract_value_pass_and_one_more_unit_reverts(ledger, finance, supplier_a, payable):
    ledger.recordPayment(payable, CONTRACT_ID, M1, AWARD - 1, supplier_a, VOUCHER, sender=finance)
    last = ledger.recordPayment(payable, CONTRACT_ID, M1, 1, supplier_a, VOUCHER, sender=finance)
    assert single_event(last, ledger.PaymentRecorded)["paidTotal"] == AWARD

    with reverts(
        ledger.PaymentExceedsContractValue, processId=payable, contractId=CONTRACT_ID, value=AWARD, paidAfter=AWARD + 1
    ):
        ledger.recordPayment(payable, CONTRACT_ID, M1, 1, supplier_a, VOUCHER, sender=finance)

    assert ledger.agreementOf(payable).paid == AWARD


def test_single_payment_above_the_contract_value_reverts_exceeds_contract_value(ledger, finance, supplier_a, payable):
    with reverts(
        ledger.PaymentExceedsContractValue, processId=payable, contractId=CONTRACT_ID, value=AWARD, paidAfter=AWARD + 1
    ):
        ledger.recordPayment(payable, CONTRACT_ID, M1, AWARD + 1, supplier_a, VOUCHER, sender=finance)


def test_after_an_amendment_the_amended_value_is_the_payment_cap(ledger, purchaser, finance, supplier_a, payable):
    increase = AWARD // 10
    ledger.amendContract(payable, CONTRACT_ID, increase, doc("amendment"), sender=purchaser)

    tx = ledger.recordPayment(payable, CONTRACT_ID, M1, AWARD + increase, supplier_a, VOUCHER, sender=finance)
    assert single_event(tx, ledger.PaymentRecorded)["paidTotal"] == AWARD + increase

    with reverts(
        ledger.PaymentExceedsContractValue,
        processId=payable,
        contractId=CONTRACT_ID,
        value=AWARD + increase,
        paidAfter=AWARD + increase + 1,
    ):
        ledger.recordPayment(payable, CONTRACT_ID, M1, 1, supplier_a, VOUCHER, sender=finance)


@pytest.mark.parametrize("payer", ["purchaser", "supplier_a", "auditor", "outsider"])
def test_payment_by_anyone_but_finance_reverts_unauthorized(ledger, request, supplier_a, payable, payer):
    account = request.getfixturevalue(payer)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account, neededRole=FINANCE_ROLE):
        ledger.recordPayment(payable, CONTRACT_ID, M1, 1, supplier_a, VOUCHER, sender=account)


@pytest.mark.parametrize("delivered", [True, False], ids=["delivered-not-accepted", "never-recorded"])
def test_payment_for_a_milestone_not_accepted_reverts_not_accepted(ledger, finance, supplier_a, payable, delivered):
    if delivered:
        ledger.recordMilestone(payable, CONTRACT_ID, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)

    with reverts(ledger.PaymentMilestoneNotAccepted, processId=payable, milestoneId=M2):
        ledger.recordPayment(payable, CONTRACT_ID, M2, 1, supplier_a, VOUCHER, sender=finance)


def test_payment_to_another_payee_than_the_supplier_reverts_payee_not_supplier(
    ledger, finance, supplier_a, supplier_b, payable
):
    with reverts(ledger.PaymentPayeeNotSupplier, processId=payable, payee=supplier_b, supplier=supplier_a):
        ledger.recordPayment(payable, CONTRACT_ID, M1, 1, supplier_b, VOUCHER, sender=finance)


def test_payment_of_zero_reverts_invalid_amount(ledger, finance, supplier_a, payable):
    with reverts(ledger.PaymentInvalidAmount):
        ledger.recordPayment(payable, CONTRACT_ID, M1, 0, supplier_a, VOUCHER, sender=finance)


def test_payment_without_voucher_hash_reverts_document_hash_missing(ledger, finance, supplier_a, payable):
    with reverts(ledger.DocumentHashMissing):
        ledger.recordPayment(payable, CONTRACT_ID, M1, 1, supplier_a, bytes(32), sender=finance)


def test_payment_on_unknown_process_reverts_process_unknown(ledger, finance, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.recordPayment(UNKNOWN_PROCESS, CONTRACT_ID, M1, 1, supplier_a, VOUCHER, sender=finance)


@pytest.mark.parametrize("contract_id", [OTHER_CONTRACT_ID, bytes(32)], ids=["other-id", "zero-id"])
def test_payment_under_unknown_contract_id_reverts_contract_unknown(ledger, finance, supplier_a, payable, contract_id):
    with reverts(ledger.ContractUnknown, processId=payable, contractId=contract_id):
        ledger.recordPayment(payable, contract_id, M1, 1, supplier_a, VOUCHER, sender=finance)


@pytest.mark.parametrize("stage", [Stage.PLANNING, Stage.AWARDED, Stage.CONTRACTED, Stage.CANCELLED])
def test_payment_before_implementation_or_after_cancellation_reverts_not_payable(
    ledger, purchaser, finance, supplier_a, create_process, awarded, contracted, stage
):
    if stage == Stage.PLANNING:
        pid = create_process("ocds-single-1", SINGLE_SOURCE)
    elif stage == Stage.CONTRACTED:
        pid = contracted()
    else:
        pid = awarded()
        if stage == Stage.CANCELLED:
            ledger.cancelProcess(pid, doc("cancellation"), sender=purchaser)
    assert ledger.processOf(pid).stage == stage

    with reverts(ledger.PaymentNotPayable, processId=pid, current=stage):
        ledger.recordPayment(pid, CONTRACT_ID, M1, 1, supplier_a, VOUCHER, sender=finance)


def test_payment_for_an_accepted_milestone_is_recorded_after_completion(
    ledger, purchaser, finance, supplier_a, payable
):
    ledger.completeProcess(payable, doc("completion"), sender=purchaser)

    tx = ledger.recordPayment(payable, CONTRACT_ID, M1, AWARD, supplier_a, VOUCHER, sender=finance)

    event = single_event(tx, ledger.PaymentRecorded)
    assert (event["amount"], event["paidTotal"], event["paymentId"]) == (
        AWARD,
        AWARD,
        payment_id(payable, CONTRACT_ID, 0),
    )
    assert ledger.processOf(payable).stage == Stage.COMPLETED


def test_payment_before_termination_counts_and_the_terminated_value_is_what_was_paid(
    ledger, purchaser, finance, supplier_a, payable
):
    ledger.recordPayment(payable, CONTRACT_ID, M1, 100_00, supplier_a, VOUCHER, sender=finance)

    tx = ledger.terminateContract(payable, CONTRACT_ID, doc("termination"), sender=purchaser)

    terminated = single_event(tx, ledger.ContractTerminated)
    assert (terminated["paid"], terminated["released"]) == (100_00, AWARD - 100_00)
    agreement = ledger.agreementOf(payable)
    assert (agreement.value, agreement.paid, agreement.paymentCount) == (100_00, 100_00, 1)
    assert ledger.budget(BUDGET_ID).committed == 100_00


@pytest.mark.parametrize(
    ("milestone", "paid_before"),
    [(M1, 0), (M1, 100_00), (M2, 100_00)],
    ids=["accepted-nothing-paid", "accepted-partly-paid", "never-recorded"],
)
def test_payment_after_termination_reverts_not_payable(
    ledger, purchaser, finance, supplier_a, payable, milestone, paid_before
):
    if paid_before:
        ledger.recordPayment(payable, CONTRACT_ID, M1, paid_before, supplier_a, VOUCHER, sender=finance)
    ledger.terminateContract(payable, CONTRACT_ID, doc("termination"), sender=purchaser)

    with reverts(ledger.PaymentNotPayable, processId=payable, current=Stage.TERMINATED):
        ledger.recordPayment(payable, CONTRACT_ID, milestone, 1, supplier_a, VOUCHER, sender=finance)

    agreement = ledger.agreementOf(payable)
    assert (agreement.value, agreement.paid, agreement.paymentCount) == (
        paid_before,
        paid_before,
        int(bool(paid_before)),
    )
    assert ledger.processOf(payable).stage == Stage.TERMINATED
