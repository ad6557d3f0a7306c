"""Sealed bids: commit before the bid deadline, reveal between the deadlines, and EIP-712 relayed commitments."""

from typing import Any

import pytest
from eth_utils import keccak

from ledger.chain.bids import sign_bid_commitment
from tests.contracts.conftest import HOUR, ORGS, SUPPLIER_ROLE, Stage, commitment, doc, reverts, single_event

ZERO_ADDRESS = "0x" + "00" * 20
AMOUNT = 123_456_00
BID_DOC, SALT = doc("bid document"), keccak(text="salt")


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def deadlines(ledger: Any, process_id: bytes) -> tuple[int, int]:
    """The bid and reveal deadlines of a process."""
    process = ledger.processOf(process_id)
    return process.bidDeadline, process.revealDeadline


def sealed(ledger: Any, process_id: bytes, bidder: Any, amount: int = AMOUNT) -> bytes:
    """Commit `bidder`'s sealed bid of `amount` and return the commitment."""
    value = commitment(process_id, bidder, amount, BID_DOC, SALT)
    ledger.commitBid(process_id, value, sender=bidder)
    return value


def sign_commitment(
    ledger: Any,
    chain: Any,
    signer: Any,
    process_id: bytes,
    bidder: Any,
    value: bytes,
    deadline: int,
    **domain_overrides: Any,
) -> bytes:
    """`signer`'s EIP-712 signature of a BidCommitment for `bidder`, at `bidder`'s current nonce."""
    return sign_bid_commitment(
        signer.private_key,
        chain_id=chain.chain_id,
        ledger_address=ledger.address,
        process_id=process_id,
        bidder=bidder.address,
        commitment=value,
        nonce=ledger.nonces(bidder),
        deadline=deadline,
        **domain_overrides,
    )


# ─── Commitment ──────────────────────────────────────────────────────────────────────────────────────


def test_python_commitment_equals_contract_bid_commitment(ledger, supplier_a, supplier_b, open_tender):
    process_id = open_tender()
    expected = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    assert ledger.bidCommitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT) == expected
    assert ledger.bidCommitment(process_id, supplier_b, AMOUNT, BID_DOC, SALT) != expected


# ─── commitBid ───────────────────────────────────────────────────────────────────────────────────────


def test_supplier_commits_bid_just_before_deadline_and_emits_event(ledger, supplier_a, chain, open_tender):
    process_id = open_tender()
    at(chain, deadlines(ledger, process_id)[0] - 1)
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    tx = ledger.commitBid(process_id, value, sender=supplier_a)
    assert single_event(tx, ledger.BidCommitted) == {
        "processId": process_id,
        "bidder": supplier_a.address,
        "commitment": value,
        "replaced": False,
        "relayer": ZERO_ADDRESS,
    }
    assert ledger.processOf(process_id).bidCount == 1


def test_bid_amount_cannot_be_read_before_reveal(ledger, supplier_a, open_tender):
    process_id = open_tender()
    value = sealed(ledger, process_id, supplier_a)
    bid = ledger.bidOf(process_id, supplier_a)
    assert (bid.commitment, bid.amount, bid.revealed) == (value, 0, False)


@pytest.mark.parametrize("caller", ["purchaser", "outsider"])
def test_commit_by_non_supplier_reverts_unauthorized(ledger, open_tender, request, caller):
    process_id = open_tender()
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.commitBid(process_id, commitment(process_id, account, AMOUNT, BID_DOC, SALT), sender=account)


@pytest.mark.parametrize("after", [0, HOUR], ids=["at-deadline", "after-deadline"])
def test_commit_at_or_after_bid_deadline_reverts_deadline_passed(ledger, supplier_a, chain, open_tender, after):
    process_id = open_tender()
    bid, _ = deadlines(ledger, process_id)
    now = at(chain, bid + after)
    with reverts(ledger.TenderDeadlinePassed, processId=process_id, bidDeadline=bid, now=now):
        sealed(ledger, process_id, supplier_a)


def test_commit_zero_commitment_reverts_invalid_commitment(ledger, supplier_a, open_tender):
    process_id = open_tender()
    with reverts(ledger.BidInvalidCommitment):
        ledger.commitBid(process_id, bytes(32), sender=supplier_a)


def test_commit_before_tender_opens_reverts_wrong_stage(ledger, supplier_a, create_process):
    process_id = create_process()
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.PLANNING, required=Stage.TENDER):
        sealed(ledger, process_id, supplier_a)


def test_commit_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    unknown = keccak(text="ocds-nowhere")
    with reverts(ledger.ProcessUnknown, processId=unknown):
        sealed(ledger, unknown, supplier_a)


def test_replacing_commitment_emits_replaced_and_does_not_double_bid_count(
    ledger, supplier_a, supplier_b, chain, open_tender
):
    process_id = open_tender()
    first = sealed(ledger, process_id, supplier_a, AMOUNT)
    second = commitment(process_id, supplier_a, AMOUNT - 1, BID_DOC, SALT)
    tx = ledger.commitBid(process_id, second, sender=supplier_a)
    assert single_event(tx, ledger.BidCommitted) == {
        "processId": process_id,
        "bidder": supplier_a.address,
        "commitment": second,
        "replaced": True,
        "relayer": ZERO_ADDRESS,
    }
    assert ledger.processOf(process_id).bidCount == 1
    sealed(ledger, process_id, supplier_b)
    assert ledger.processOf(process_id).bidCount == 2
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(
        ledger.BidRevealMismatch, processId=process_id, bidder=supplier_a.address, committed=second, revealed=first
    ):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)


# ─── revealBid ───────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("when", ["opens", "last-second"])
def test_reveal_in_window_records_amount_and_emits_event(ledger, supplier_a, chain, open_tender, when):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a)
    bid, reveal = deadlines(ledger, process_id)
    at(chain, bid if when == "opens" else reveal - 1)
    tx = ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert single_event(tx, ledger.BidRevealed) == {
        "processId": process_id,
        "bidder": supplier_a.address,
        "amount": AMOUNT,
        "bidDocHash": BID_DOC,
    }
    stored = ledger.bidOf(process_id, supplier_a)
    assert (stored.amount, stored.revealed) == (AMOUNT, True)
    assert ledger.processOf(process_id).revealCount == 1


@pytest.mark.parametrize(
    "offset", [("bid", -1), ("reveal", 0), ("reveal", HOUR)], ids=["before-bid-deadline", "at-reveal", "after-reveal"]
)
def test_reveal_outside_window_reverts_window_closed(ledger, supplier_a, chain, open_tender, offset):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a)
    bid, reveal = deadlines(ledger, process_id)
    now = at(chain, (bid if offset[0] == "bid" else reveal) + offset[1])
    with reverts(ledger.BidRevealWindowClosed, processId=process_id, opensAt=bid, closesAt=reveal, now=now):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert ledger.bidOf(process_id, supplier_a).amount == 0


@pytest.mark.parametrize(
    ("amount", "bid_doc", "salt"),
    [(AMOUNT - 1, BID_DOC, SALT), (AMOUNT, BID_DOC, keccak(text="other salt")), (AMOUNT, doc("other doc"), SALT)],
    ids=["wrong-amount", "wrong-salt", "wrong-doc"],
)
def test_reveal_not_matching_commitment_reverts_mismatch(ledger, supplier_a, chain, open_tender, amount, bid_doc, salt):
    process_id = open_tender()
    committed = sealed(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    revealed = commitment(process_id, supplier_a, amount, bid_doc, salt)
    with reverts(
        ledger.BidRevealMismatch,
        processId=process_id,
        bidder=supplier_a.address,
        committed=committed,
        revealed=revealed,
    ):
        ledger.revealBid(process_id, amount, bid_doc, salt, sender=supplier_a)


def test_reveal_without_commitment_reverts_commitment_missing(ledger, supplier_a, supplier_b, chain, open_tender):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(ledger.BidCommitmentMissing, processId=process_id, bidder=supplier_b.address):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_b)


def test_reveal_twice_reverts_already_revealed(ledger, supplier_a, chain, open_tender):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    with reverts(ledger.BidAlreadyRevealed, processId=process_id, bidder=supplier_a.address):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert ledger.processOf(process_id).revealCount == 1


def test_reveal_zero_amount_reverts_invalid_amount(ledger, supplier_a, chain, open_tender):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a, amount=0)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(ledger.BidInvalidAmount):
        ledger.revealBid(process_id, 0, BID_DOC, SALT, sender=supplier_a)


@pytest.mark.parametrize("caller", ["purchaser", "outsider"])
def test_reveal_by_non_supplier_reverts_unauthorized(ledger, supplier_a, chain, open_tender, request, caller):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=account)
    assert ledger.processOf(process_id).revealCount == 0


def test_supplier_removed_after_committing_cannot_reveal(ledger, admin, supplier_a, chain, open_tender):
    process_id = open_tender()
    committed = sealed(ledger, process_id, supplier_a)
    ledger.removeOrganisationAccount(ORGS["supplier_a"][0], supplier_a, sender=admin)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a.address, neededRole=SUPPLIER_ROLE):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    bid = ledger.bidOf(process_id, supplier_a)
    assert (bid.commitment, bid.amount, bid.revealed) == (committed, 0, False)
    assert ledger.processOf(process_id).revealCount == 0


def test_reveal_after_evaluation_reverts_wrong_stage(ledger, purchaser, supplier_a, chain, open_tender):
    process_id = open_tender()
    sealed(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[1])
    ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.EVALUATION, required=Stage.TENDER):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)


# ─── commitBidFor (EIP-712, relayed) ─────────────────────────────────────────────────────────────────


def test_relayed_commit_by_outsider_records_bid_and_names_relayer(ledger, supplier_a, outsider, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = deadlines(ledger, process_id)[0]
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, deadline)
    tx = ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)
    assert single_event(tx, ledger.BidCommitted) == {
        "processId": process_id,
        "bidder": supplier_a.address,
        "commitment": value,
        "replaced": False,
        "relayer": outsider.address,
    }
    assert ledger.bidOf(process_id, supplier_a).commitment == value
    assert ledger.nonces(supplier_a) == 1
    at(chain, deadline)
    ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert ledger.bidOf(process_id, supplier_a).revealed


def test_relayed_commit_signed_by_another_key_reverts_signature_invalid(
    ledger, supplier_a, supplier_b, outsider, chain, open_tender
):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = deadlines(ledger, process_id)[0]
    forged = sign_commitment(ledger, chain, supplier_b, process_id, supplier_a, value, deadline)
    with reverts(ledger.BidSignatureInvalid, bidder=supplier_a.address):
        ledger.commitBidFor(process_id, supplier_a, value, deadline, forged, sender=outsider)
    assert ledger.bidOf(process_id, supplier_a).commitment == bytes(32)


@pytest.mark.parametrize("tampered", ["commitment", "deadline", "process"])
def test_relayed_commit_with_tampered_message_reverts_signature_invalid(
    ledger, supplier_a, outsider, chain, open_tender, tampered
):
    process_id, other_process = open_tender("ocds-tender-1"), open_tender("ocds-tender-2")
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = deadlines(ledger, process_id)[0]
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, deadline)
    if tampered == "commitment":
        value = commitment(process_id, supplier_a, AMOUNT - 1, BID_DOC, SALT)
    elif tampered == "deadline":
        deadline -= 1
    else:
        process_id = other_process
    with reverts(ledger.BidSignatureInvalid, bidder=supplier_a.address):
        ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)


@pytest.mark.parametrize("domain", [{"chainId": 1}, {"verifyingContract": "0x" + "11" * 20}, {"version": "2"}])
def test_relayed_commit_signed_for_another_domain_reverts_signature_invalid(
    ledger, supplier_a, outsider, chain, open_tender, domain
):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = deadlines(ledger, process_id)[0]
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, deadline, **domain)
    with reverts(ledger.BidSignatureInvalid, bidder=supplier_a.address):
        ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)


def test_replayed_relayed_signature_reverts_signature_invalid(ledger, supplier_a, outsider, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = deadlines(ledger, process_id)[0]
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, deadline)
    ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)
    with reverts(ledger.BidSignatureInvalid, bidder=supplier_a.address):
        ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)
    assert ledger.nonces(supplier_a) == 1
    assert ledger.processOf(process_id).bidCount == 1


def test_relayed_commit_at_signature_deadline_works(ledger, supplier_a, outsider, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = at(chain, chain.pending_timestamp + 60)
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, deadline)
    ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)
    assert ledger.bidOf(process_id, supplier_a).commitment == value


def test_relayed_commit_after_signature_deadline_reverts_expired(ledger, supplier_a, outsider, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    deadline = chain.pending_timestamp + 60
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, deadline)
    now = at(chain, deadline + 1)
    with reverts(ledger.BidSignatureExpired, deadline=deadline, now=now):
        ledger.commitBidFor(process_id, supplier_a, value, deadline, signature, sender=outsider)


def test_relayed_commit_after_bid_deadline_reverts_deadline_passed(ledger, supplier_a, outsider, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, supplier_a, AMOUNT, BID_DOC, SALT)
    bid, reveal = deadlines(ledger, process_id)
    signature = sign_commitment(ledger, chain, supplier_a, process_id, supplier_a, value, reveal)
    now = at(chain, bid)
    with reverts(ledger.TenderDeadlinePassed, processId=process_id, bidDeadline=bid, now=now):
        ledger.commitBidFor(process_id, supplier_a, value, reveal, signature, sender=outsider)


def test_relayed_commit_signed_by_non_supplier_reverts_unauthorized(ledger, purchaser, outsider, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, purchaser, AMOUNT, BID_DOC, SALT)
    deadline = deadlines(ledger, process_id)[0]
    signature = sign_commitment(ledger, chain, purchaser, process_id, purchaser, value, deadline)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=SUPPLIER_ROLE):
        ledger.commitBidFor(process_id, purchaser, value, deadline, signature, sender=outsider)
