"""Multicall (OpenZeppelin's, on ProcurementLedger): one writer batches many writes into one transaction.

Rules covered:
- A batch is all or nothing: one reverting call reverts every call of the batch, and the batch reverts with that
  call's own custom error, arguments decoded.
- Every call of the batch runs as the writer (msg.sender is preserved): the usual organisation, role, purchaser and
  finance-bureau checks apply to each call, and events name the writer's account and organisation.
- A purchaser creates several processes, or creates a process and opens its tender, in one transaction.
- A supplier commits its organisation's bids on several processes in one transaction.
- A finance bureau records several payments, with distinct ids, in one transaction; a resent batch, or a batch
  repeating an id, reverts PaymentAlreadyRecorded.
- The admin cannot hand out the admin role in one transaction: beginning and accepting the transfer in one batch
  reverts (OpenZeppelin's AccessControlInvalidDefaultAdmin, or AccessControlEnforcedDefaultAdminDelay when the
  admin names itself), and grantRole is refused (AdminTransferRequired); a transfer begun in a batch is accepted
  by the new admin once the delay has passed.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak
from hexbytes import HexBytes

from tests.contracts.conftest import (
    ADMIN_DELAY,
    BUDGET_ID,
    DEFAULT_ADMIN_ROLE,
    FINANCE_ORG,
    HOUR,
    M1,
    M1_AMOUNT,
    OPEN_TENDER,
    PUBLISHER_ORG,
    PURCHASER_ORG,
    PURCHASER_ROLE,
    SUPPLIER_A_ORG,
    UNKNOWN_PROCESS,
    ZERO_ADDRESS,
    ZERO_HASH,
    Stage,
    doc,
    reverts,
    selector,
)

OCIDS = ["ocds-test-batch-1", "ocds-test-batch-2", "ocds-test-batch-3"]
TENDERS = ["ocds-test-tender-1", "ocds-test-tender-2", "ocds-test-tender-3"]
PAYMENTS = [keccak(text=f"payment-{number}") for number in range(1, 4)]
CREATE_PROCESS = selector("createProcess(string,bytes32,uint8,bytes32,bytes32)")


def create_call(ledger: Any, ocid: str, notice: bytes | None = None) -> bytes:
    """Calldata of createProcess for an open-tender process `ocid` on BUDGET_ID."""
    notice = doc(f"notice {ocid}") if notice is None else notice
    return ledger.createProcess.encode_input(ocid, BUDGET_ID, OPEN_TENDER, notice, ZERO_HASH)


def open_tender_call(ledger: Any, process_id: bytes, now: int) -> bytes:
    """Calldata of openTender with bids closing in 1 h and reveals in 2 h."""
    return ledger.openTender.encode_input(process_id, now + HOUR, now + 2 * HOUR, doc("tender"))


def bid_commitment(process_id: bytes) -> bytes:
    """A stand-in sealed-bid commitment of supplier A on `process_id`."""
    return keccak(process_id + b"supplier A's sealed bid")


def payment_call(ledger: Any, process_id: bytes, payment_id: bytes, amount: int, payee: Any) -> bytes:
    """Calldata of recordPayment on milestone M1."""
    return ledger.recordPayment.encode_input(process_id, payment_id, M1, amount, payee, doc(f"voucher {payment_id}"))


def event_args(tx: Any, event_type: Any) -> list[dict[str, Any]]:
    """The arguments of every `event_type` log of receipt `tx`, in order."""
    return [dict(log.event_arguments) for log in tx.decode_logs(event_type)]


# ─── Batches of one writer ───────────────────────────────────────────────────────────────────────────────


def test_purchaser_creates_three_processes_in_one_transaction(ledger, purchaser):
    tx = ledger.multicall([create_call(ledger, ocid) for ocid in OCIDS], sender=purchaser)

    assert event_args(tx, ledger.ProcessCreated) == [
        {
            "processId": keccak(text=ocid),
            "budgetId": BUDGET_ID,
            "purchaserOrg": PURCHASER_ORG,
            "account": purchaser.address,
            "method": OPEN_TENDER,
            "docHash": doc(f"notice {ocid}"),
            "rationaleHash": ZERO_HASH,
            "ocid": ocid,
        }
        for ocid in OCIDS
    ]
    assert {HexBytes(log.transaction_hash) for log in tx.decode_logs(ledger.ProcessCreated)} == {HexBytes(tx.txn_hash)}
    for ocid in OCIDS:
        assert ledger.processOf(keccak(text=ocid)).stage == Stage.PLANNING


def test_create_and_open_tender_in_one_batch_leaves_the_process_in_tender(ledger, chain, purchaser):
    pid = keccak(text=OCIDS[0])
    now = chain.pending_timestamp

    tx = ledger.multicall([create_call(ledger, OCIDS[0]), open_tender_call(ledger, pid, now)], sender=purchaser)

    assert [log.event_name for log in tx.events] == ["ProcessCreated", "TenderOpened"]
    assert event_args(tx, ledger.TenderOpened) == [
        {"processId": pid, "bidDeadline": now + HOUR, "revealDeadline": now + 2 * HOUR, "docHash": doc("tender")}
    ]
    process = ledger.processOf(pid)
    assert (process.stage, process.bidDeadline, process.revealDeadline) == (Stage.TENDER, now + HOUR, now + 2 * HOUR)


def test_publisher_anchors_several_roots_in_one_transaction(ledger, publisher):
    roots = [keccak(text=f"publication {number}") for number in range(3)]

    tx = ledger.multicall(
        [ledger.anchorDocuments.encode_input(root, 10 + n, ZERO_HASH) for n, root in enumerate(roots)], sender=publisher
    )

    assert event_args(tx, ledger.DocumentsAnchored) == [
        {"processId": ZERO_HASH, "root": root, "anchorerOrg": PUBLISHER_ORG, "count": 10 + n}
        for n, root in enumerate(roots)
    ]
    assert [tuple(ledger.anchorOf(PUBLISHER_ORG, root)) for root in roots] == [
        (10 + n, tx.block_number) for n in range(3)
    ]


# ─── All or nothing, with the inner error ────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("failing", ["duplicate-create", "tender-of-unknown-process", "notice-missing"])
def test_one_reverting_call_reverts_the_whole_batch_with_its_error(ledger, chain, purchaser, failing):
    first = keccak(text=OCIDS[0])
    calls = [create_call(ledger, OCIDS[0]), create_call(ledger, OCIDS[1])]
    if failing == "duplicate-create":
        calls.append(create_call(ledger, OCIDS[0]))
        expected = reverts(ledger.ProcessAlreadyRecorded, processId=first)
    elif failing == "tender-of-unknown-process":
        calls.append(open_tender_call(ledger, UNKNOWN_PROCESS, chain.pending_timestamp))
        expected = reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS)
    else:
        calls.append(create_call(ledger, OCIDS[2], notice=ZERO_HASH))
        expected = reverts(ledger.DocumentHashMissing, action=CREATE_PROCESS, argument=3)

    with expected:
        ledger.multicall(calls, sender=purchaser)

    assert [ledger.processOf(keccak(text=ocid)).stage for ocid in OCIDS] == [Stage.NONE] * 3


def test_outsider_multicall_reverts_unauthorized_for_the_outsider(ledger, outsider):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=outsider, neededRole=PURCHASER_ROLE):
        ledger.multicall([create_call(ledger, ocid) for ocid in OCIDS], sender=outsider)

    assert [ledger.processOf(keccak(text=ocid)).stage for ocid in OCIDS] == [Stage.NONE] * 3


def test_purchaser_of_another_organisation_cannot_open_our_tender_through_multicall(
    ledger, chain, other_purchaser, create_process
):
    pid = create_process(OCIDS[0])

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser, purchaserOrg=PURCHASER_ORG):
        ledger.multicall([open_tender_call(ledger, pid, chain.pending_timestamp)], sender=other_purchaser)

    assert ledger.processOf(pid).stage == Stage.PLANNING


def test_every_call_of_a_batch_runs_as_its_sender_so_a_purchaser_cannot_pay_in_it(
    ledger, purchaser, supplier_a, payable
):
    calls = [
        ledger.anchorDocuments.encode_input(keccak(text="acceptance records"), 2, payable),  # the purchaser may
        payment_call(ledger, payable, PAYMENTS[0], M1_AMOUNT, supplier_a),  # only the finance bureau may
    ]

    with reverts(ledger.ProcessNotFinanceBureau, processId=payable, account=purchaser, financeOrg=FINANCE_ORG):
        ledger.multicall(calls, sender=purchaser)

    assert tuple(ledger.anchorOf(PURCHASER_ORG, keccak(text="acceptance records"))) == (0, 0)
    assert ledger.paymentRecorded(payable, PAYMENTS[0]) is False


# ─── Sealed bids on several processes ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("sender", ["supplier_a", "supplier_a2"])
def test_supplier_commits_bids_on_several_processes_in_one_transaction(ledger, request, open_tender, sender):
    account = request.getfixturevalue(sender)
    pids = [open_tender(ocid) for ocid in TENDERS]

    tx = ledger.multicall([ledger.commitBid.encode_input(pid, bid_commitment(pid)) for pid in pids], sender=account)

    assert event_args(tx, ledger.BidCommitted) == [
        {
            "processId": pid,
            "bidderOrg": SUPPLIER_A_ORG,
            "account": account.address,
            "commitment": bid_commitment(pid),
            "replaced": False,
            "nonce": 1,
            "relayer": ZERO_ADDRESS,
        }
        for pid in pids
    ]
    for pid in pids:
        assert ledger.bidOf(pid, SUPPLIER_A_ORG).commitment == bid_commitment(pid)
        assert (ledger.processOf(pid).bidCount, ledger.bidNonce(pid, SUPPLIER_A_ORG)) == (1, 1)


def test_supplier_batch_with_a_process_not_in_tender_commits_no_bid(ledger, supplier_a, open_tender, create_process):
    pids = [open_tender(TENDERS[0]), create_process(TENDERS[1]), open_tender(TENDERS[2])]  # the second is in Planning

    with reverts(ledger.ProcessWrongStage, processId=pids[1], current=Stage.PLANNING, required=Stage.TENDER):
        ledger.multicall([ledger.commitBid.encode_input(pid, bid_commitment(pid)) for pid in pids], sender=supplier_a)

    assert [ledger.bidOf(pid, SUPPLIER_A_ORG).commitment for pid in pids] == [ZERO_HASH] * 3
    assert [ledger.processOf(pid).bidCount for pid in pids] == [0, 0, 0]


def test_supplier_batch_reaching_one_bid_deadline_commits_no_bid(ledger, chain, supplier_a, open_tender):
    early = open_tender(TENDERS[0])
    chain.pending_timestamp += HOUR // 2
    late = open_tender(TENDERS[1])
    deadline = ledger.processOf(early).bidDeadline
    calls = [ledger.commitBid.encode_input(pid, bid_commitment(pid)) for pid in (late, early)]

    chain.pending_timestamp = deadline
    with reverts(ledger.TenderDeadlinePassed, processId=early, bidDeadline=deadline, now=deadline):
        ledger.multicall(calls, sender=supplier_a)

    assert ledger.bidOf(late, SUPPLIER_A_ORG).commitment == ZERO_HASH
    assert ledger.processOf(late).bidDeadline > deadline


def test_supplier_batch_one_second_before_the_deadline_commits_every_bid(ledger, chain, supplier_a, open_tender):
    early = open_tender(TENDERS[0])
    chain.pending_timestamp += HOUR // 2
    late = open_tender(TENDERS[1])
    deadline = ledger.processOf(early).bidDeadline

    chain.pending_timestamp = deadline - 1
    ledger.multicall(
        [ledger.commitBid.encode_input(pid, bid_commitment(pid)) for pid in (late, early)], sender=supplier_a
    )

    assert [ledger.bidOf(pid, SUPPLIER_A_ORG).commitment for pid in (late, early)] == [
        bid_commitment(late),
        bid_commitment(early),
    ]


# ─── Payments of a finance bureau ────────────────────────────────────────────────────────────────────────


def test_finance_bureau_records_several_payments_in_one_transaction(ledger, finance, supplier_a, supplier_a2, payable):
    amounts, payees = [50_000_00, 50_000_00, 100_000_00], [supplier_a, supplier_a2, supplier_a]
    calls = [
        payment_call(ledger, payable, pay_id, amount, payee)
        for pay_id, amount, payee in zip(PAYMENTS, amounts, payees, strict=True)
    ]

    tx = ledger.multicall(calls, sender=finance)

    assert event_args(tx, ledger.PaymentRecorded) == [
        {
            "processId": payable,
            "paymentId": pay_id,
            "milestoneId": M1,
            "amount": amount,
            "milestonePaid": paid,
            "payerOrg": FINANCE_ORG,
            "payeeOrg": SUPPLIER_A_ORG,
            "payee": payee.address,
            "voucherHash": doc(f"voucher {pay_id}"),
        }
        for pay_id, amount, paid, payee in zip(
            PAYMENTS, amounts, [50_000_00, 100_000_00, M1_AMOUNT], payees, strict=True
        )
    ]
    assert all(ledger.paymentRecorded(payable, pay_id) for pay_id in PAYMENTS)
    assert ledger.milestoneOf(payable, M1).paid == M1_AMOUNT


def test_resending_a_payment_batch_reverts_already_recorded_and_pays_nothing_more(ledger, finance, supplier_a, payable):
    calls = [payment_call(ledger, payable, pay_id, 50_000_00, supplier_a) for pay_id in PAYMENTS[:2]]
    ledger.multicall(calls, sender=finance)

    with reverts(ledger.PaymentAlreadyRecorded, processId=payable, paymentId=PAYMENTS[0]):
        ledger.multicall(calls, sender=finance)

    assert ledger.milestoneOf(payable, M1).paid == 100_000_00


def test_payment_batch_repeating_an_id_reverts_already_recorded_and_records_none(ledger, finance, supplier_a, payable):
    calls = [payment_call(ledger, payable, pay_id, 10_000_00, supplier_a) for pay_id in (*PAYMENTS[:2], PAYMENTS[0])]

    with reverts(ledger.PaymentAlreadyRecorded, processId=payable, paymentId=PAYMENTS[0]):
        ledger.multicall(calls, sender=finance)

    assert [ledger.paymentRecorded(payable, pay_id) for pay_id in PAYMENTS[:2]] == [False, False]
    assert ledger.milestoneOf(payable, M1).paid == 0


def test_payment_batch_exceeding_the_milestone_reverts_and_records_none(ledger, finance, supplier_a, payable):
    calls = [
        payment_call(ledger, payable, PAYMENTS[0], 150_000_00, supplier_a),
        payment_call(ledger, payable, PAYMENTS[1], 50_000_01, supplier_a),  # 1 cent above the 50_000_00 unpaid
    ]

    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M1, unpaid=50_000_00, amount=50_000_01):
        ledger.multicall(calls, sender=finance)

    assert [ledger.paymentRecorded(payable, pay_id) for pay_id in PAYMENTS[:2]] == [False, False]
    assert ledger.milestoneOf(payable, M1).paid == 0


def test_payment_batch_of_another_finance_bureau_reverts_not_finance_bureau(ledger, other_finance, supplier_a, payable):
    calls = [payment_call(ledger, payable, pay_id, 10_000_00, supplier_a) for pay_id in PAYMENTS]

    with reverts(ledger.ProcessNotFinanceBureau, processId=payable, account=other_finance, financeOrg=FINANCE_ORG):
        ledger.multicall(calls, sender=other_finance)

    assert ledger.milestoneOf(payable, M1).paid == 0


# ─── The admin role never moves in one transaction ───────────────────────────────────────────────────────


def test_admin_beginning_and_accepting_a_transfer_in_one_batch_reverts_invalid_default_admin(ledger, admin, outsider):
    calls = [ledger.beginDefaultAdminTransfer.encode_input(outsider), ledger.acceptDefaultAdminTransfer.encode_input()]

    # acceptDefaultAdminTransfer runs as the admin, not as the pending admin it named.
    with reverts(ledger.AccessControlInvalidDefaultAdmin, defaultAdmin=admin):
        ledger.multicall(calls, sender=admin)

    assert ledger.defaultAdmin() == admin
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)
    assert ledger.hasRole(DEFAULT_ADMIN_ROLE, outsider) is False


def test_admin_naming_itself_and_accepting_in_one_batch_reverts_enforced_delay(ledger, chain, admin):
    calls = [ledger.beginDefaultAdminTransfer.encode_input(admin), ledger.acceptDefaultAdminTransfer.encode_input()]
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now

    with reverts(ledger.AccessControlEnforcedDefaultAdminDelay, schedule=now + ADMIN_DELAY):
        ledger.multicall(calls, sender=admin)

    assert ledger.defaultAdmin() == admin
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)


def test_admin_granting_the_admin_role_in_a_batch_reverts_transfer_required(ledger, admin, outsider):
    calls = [ledger.grantRole.encode_input(DEFAULT_ADMIN_ROLE, outsider)]

    with reverts(ledger.AdminTransferRequired, role=DEFAULT_ADMIN_ROLE, account=outsider):
        ledger.multicall(calls, sender=admin)

    assert (ledger.defaultAdmin(), ledger.hasRole(DEFAULT_ADMIN_ROLE, outsider)) == (admin, False)


def test_admin_transfer_begun_in_a_batch_is_accepted_by_the_new_admin_only_after_the_delay(
    ledger, chain, admin, outsider
):
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now
    ledger.multicall([ledger.beginDefaultAdminTransfer.encode_input(outsider)], sender=admin)
    schedule = now + ADMIN_DELAY
    assert tuple(ledger.pendingDefaultAdmin()) == (outsider.address, schedule)

    chain.pending_timestamp = schedule
    with reverts(ledger.AccessControlEnforcedDefaultAdminDelay, schedule=schedule):
        ledger.multicall([ledger.acceptDefaultAdminTransfer.encode_input()], sender=outsider)
    assert ledger.defaultAdmin() == admin

    chain.pending_timestamp = schedule + 1
    ledger.multicall([ledger.acceptDefaultAdminTransfer.encode_input()], sender=outsider)

    assert ledger.defaultAdmin() == outsider
    assert (ledger.hasRole(DEFAULT_ADMIN_ROLE, admin), ledger.hasRole(DEFAULT_ADMIN_ROLE, outsider)) == (False, True)
