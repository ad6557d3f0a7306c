"""Sealed bids: one bid per supplier organisation per process, committed, relayed, revealed and evaluated.

Rules covered:
- The commitment is keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash, salt)), as Python computes it.
- commitBid: any account of an active supplier organisation, in the Tender stage, before the bid deadline, with a
  non-zero commitment; another commit by any account of the same organisation replaces its one bid.
- bidNonce: per (process, organisation), 0 before anything, +1 on every commit (direct or relayed) and on every
  cancelBidSignatures, so no older signature lands after a newer commit.
- commitBidFor: an EIP-712 BidCommitment (domain "ProcurementLedger", version "2") signed by an account of the
  bidder organisation, relayed by anyone, at the bid's current nonce, before the signature's deadline; forged,
  replayed, withdrawn, expired and out-of-organisation signatures revert; a suspended bidder is refused.
- revealBid: any current account of the organisation, from the bid deadline until before the reveal deadline, once,
  matching the commitment, for a positive amount; suspension does not stop a reveal, leaving the organisation does.
- recordEvaluation: the purchaser, once the reveal window has closed; the event carries the bid statistics.
"""

from typing import Any, NamedTuple

import pytest
from eth_account import Account
from eth_utils import keccak

from ledger.chain.bids import BID_COMMITMENT_TYPES
from tests.contracts.conftest import (
    FINANCE_ORG,
    HOUR,
    PURCHASER_ORG,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    SUPPLIER_ROLE,
    UNKNOWN_PROCESS,
    ZERO_ADDRESS,
    ZERO_HASH,
    Stage,
    commitment,
    doc,
    reverts,
    selector,
    single_event,
)

AMOUNT = 123_456_00
BID_DOC, SALT = doc("bid document"), keccak(text="salt")
RECORD_EVALUATION = selector("recordEvaluation(bytes32,bytes32)")
BID_COMMITMENT_TYPE = (
    "BidCommitment(bytes32 processId,bytes32 bidderOrg,bytes32 commitment,uint64 nonce,uint256 deadline)"
)
NON_SUPPLIERS = ["purchaser", "finance", "auditor", "publisher", "relayer", "outsider"]


class SignedBid(NamedTuple):
    """The arguments of commitBidFor, in order."""

    processId: bytes
    bidderOrg: bytes
    signer: str
    commitment: bytes
    nonce: int
    deadline: int
    signature: bytes


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def deadlines(ledger: Any, process_id: bytes) -> tuple[int, int]:
    """The bid and reveal deadlines of a process."""
    process = ledger.processOf(process_id)
    return process.bidDeadline, process.revealDeadline


def bid_fields(ledger: Any, process_id: bytes, bidder_org: bytes) -> dict[str, Any]:
    """bidOf, as a dict of its fields."""
    return dict(ledger.bidOf(process_id, bidder_org).items())


def seal(
    ledger: Any, process_id: bytes, account: Any, bidder_org: bytes = SUPPLIER_A_ORG, amount: int = AMOUNT
) -> bytes:
    """Commit `bidder_org`'s sealed bid of `amount`, sent by `account`, and return the commitment."""
    value = commitment(process_id, bidder_org, amount, BID_DOC, SALT)
    ledger.commitBid(process_id, value, sender=account)
    return value


def sign_bid(
    ledger: Any,
    chain: Any,
    signer: Any,
    process_id: bytes,
    value: bytes,
    *,
    bidder_org: bytes = SUPPLIER_A_ORG,
    nonce: int | None = None,
    deadline: int | None = None,
    **domain_overrides: Any,
) -> SignedBid:
    """`signer`'s EIP-712 BidCommitment for `bidder_org`, by default at the bid's current nonce and valid until the
    bid deadline; `domain_overrides` sign for a wrong domain on purpose."""
    nonce = ledger.bidNonce(process_id, bidder_org) if nonce is None else nonce
    deadline = deadlines(ledger, process_id)[0] if deadline is None else deadline
    domain = {
        "name": "ProcurementLedger",
        "version": "2",
        "chainId": chain.chain_id,
        "verifyingContract": ledger.address,
        **domain_overrides,
    }
    message = {
        "processId": process_id,
        "bidderOrg": bidder_org,
        "commitment": value,
        "nonce": nonce,
        "deadline": deadline,
    }
    signature = Account.sign_typed_data(signer.private_key, domain, BID_COMMITMENT_TYPES, message).signature
    return SignedBid(process_id, bidder_org, signer.address, value, nonce, deadline, bytes(signature))


def suspend(ledger: Any, finance: Any, org_id: bytes = SUPPLIER_A_ORG) -> None:
    """FINANCE_ORG suspends organisation `org_id`."""
    ledger.suspendOrganisation(org_id, doc("debarment"), sender=finance)


# ─── Commitment and signing domain ───────────────────────────────────────────────────────────────────


def test_python_commitment_equals_contract_bid_commitment(ledger, open_tender):
    process_id = open_tender()
    expected = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    assert ledger.bidCommitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT) == expected
    assert ledger.bidCommitment(process_id, SUPPLIER_B_ORG, AMOUNT, BID_DOC, SALT) != expected


def test_bid_signatures_use_the_procurement_ledger_v2_domain_and_type(ledger, chain):
    assert ledger.BID_COMMITMENT_TYPEHASH() == keccak(text=BID_COMMITMENT_TYPE)
    fields = ",".join(f"{field['type']} {field['name']}" for field in BID_COMMITMENT_TYPES["BidCommitment"])
    assert f"BidCommitment({fields})" == BID_COMMITMENT_TYPE  # the type ledger.chain.bids signs
    domain = ledger.eip712Domain()
    assert (domain.fields, domain.name, domain.version, domain.chainId, domain.verifyingContract) == (
        b"\x0f",
        "ProcurementLedger",
        "2",
        chain.chain_id,
        ledger.address,
    )


# ─── commitBid ───────────────────────────────────────────────────────────────────────────────────────


def test_supplier_commits_bid_just_before_deadline_and_emits_event(ledger, supplier_a, chain, open_tender):
    process_id = open_tender()
    at(chain, deadlines(ledger, process_id)[0] - 1)
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    tx = ledger.commitBid(process_id, value, sender=supplier_a)
    assert single_event(tx, ledger.BidCommitted) == {
        "processId": process_id,
        "bidderOrg": SUPPLIER_A_ORG,
        "account": supplier_a.address,
        "commitment": value,
        "replaced": False,
        "nonce": 1,
        "relayer": ZERO_ADDRESS,
    }
    assert ledger.processOf(process_id).bidCount == 1


def test_bid_amount_cannot_be_read_before_reveal(ledger, supplier_a, open_tender):
    process_id = open_tender()
    value = seal(ledger, process_id, supplier_a)
    assert bid_fields(ledger, process_id, SUPPLIER_A_ORG) == {
        "commitment": value,
        "amount": 0,
        "nonceBump": 0,
        "revealed": False,
    }


def test_second_account_of_the_org_replaces_the_same_bid(
    ledger, supplier_a, supplier_a2, supplier_b, chain, open_tender
):
    process_id = open_tender()
    first = seal(ledger, process_id, supplier_a)
    second = commitment(process_id, SUPPLIER_A_ORG, AMOUNT - 1, BID_DOC, SALT)
    tx = ledger.commitBid(process_id, second, sender=supplier_a2)
    assert single_event(tx, ledger.BidCommitted) == {
        "processId": process_id,
        "bidderOrg": SUPPLIER_A_ORG,
        "account": supplier_a2.address,
        "commitment": second,
        "replaced": True,
        "nonce": 2,
        "relayer": ZERO_ADDRESS,
    }
    assert ledger.processOf(process_id).bidCount == 1
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == second
    seal(ledger, process_id, supplier_b, SUPPLIER_B_ORG)
    assert ledger.processOf(process_id).bidCount == 2
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(
        ledger.BidRevealMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, committed=second, revealed=first
    ):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    ledger.revealBid(process_id, AMOUNT - 1, BID_DOC, SALT, sender=supplier_a)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).amount == AMOUNT - 1


@pytest.mark.parametrize("caller", NON_SUPPLIERS)
def test_commit_by_non_supplier_reverts_unauthorized(ledger, open_tender, request, caller):
    process_id = open_tender()
    account = request.getfixturevalue(caller)
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.commitBid(process_id, value, sender=account)
    assert ledger.processOf(process_id).bidCount == 0


def test_commit_by_removed_account_reverts_unauthorized(ledger, admin, supplier_a, supplier_a2, open_tender):
    process_id = open_tender()
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a2, sender=admin)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a2.address, neededRole=SUPPLIER_ROLE):
        seal(ledger, process_id, supplier_a2)
    seal(ledger, process_id, supplier_a)
    assert ledger.processOf(process_id).bidCount == 1


def test_commit_by_suspended_supplier_org_reverts_under_suspension(
    ledger, finance, supplier_a, supplier_a2, supplier_b, open_tender
):
    process_id = open_tender()
    suspend(ledger, finance)
    for account in (supplier_a, supplier_a2):
        with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=FINANCE_ORG):
            seal(ledger, process_id, account)
    seal(ledger, process_id, supplier_b, SUPPLIER_B_ORG)
    assert ledger.processOf(process_id).bidCount == 1


@pytest.mark.parametrize("after", [0, HOUR], ids=["at-deadline", "after-deadline"])
def test_commit_at_or_after_bid_deadline_reverts_deadline_passed(ledger, supplier_a, chain, open_tender, after):
    process_id = open_tender()
    bid, _ = deadlines(ledger, process_id)
    now = at(chain, bid + after)
    with reverts(ledger.TenderDeadlinePassed, processId=process_id, bidDeadline=bid, now=now):
        seal(ledger, process_id, supplier_a)
    assert ledger.processOf(process_id).bidCount == 0


def test_commit_zero_commitment_reverts_commitment_invalid(ledger, supplier_a, open_tender):
    process_id = open_tender()
    with reverts(ledger.BidCommitmentInvalid, processId=process_id, bidderOrg=SUPPLIER_A_ORG):
        ledger.commitBid(process_id, ZERO_HASH, sender=supplier_a)


def test_replacing_with_zero_commitment_reverts_commitment_invalid(ledger, supplier_a, open_tender):
    process_id = open_tender()
    value = seal(ledger, process_id, supplier_a)
    with reverts(ledger.BidCommitmentInvalid, processId=process_id, bidderOrg=SUPPLIER_A_ORG):
        ledger.commitBid(process_id, ZERO_HASH, sender=supplier_a)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == value
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 1


@pytest.mark.parametrize("stage", [Stage.PLANNING, Stage.EVALUATION, Stage.CANCELLED])
def test_commit_outside_tender_stage_reverts_wrong_stage(
    ledger, purchaser, supplier_a, chain, create_process, open_tender, stage
):
    if stage == Stage.PLANNING:
        process_id = create_process()
    else:
        process_id = open_tender()
        if stage == Stage.EVALUATION:
            at(chain, deadlines(ledger, process_id)[1])
            ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
        else:
            ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=stage, required=Stage.TENDER):
        seal(ledger, process_id, supplier_a)


def test_commit_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        seal(ledger, UNKNOWN_PROCESS, supplier_a)


def test_commitment_copied_from_another_org_cannot_be_revealed(ledger, supplier_a, supplier_b, chain, open_tender):
    process_id = open_tender()
    copied = seal(ledger, process_id, supplier_a)
    ledger.commitBid(process_id, copied, sender=supplier_b)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(
        ledger.BidRevealMismatch,
        processId=process_id,
        bidderOrg=SUPPLIER_B_ORG,
        committed=copied,
        revealed=commitment(process_id, SUPPLIER_B_ORG, AMOUNT, BID_DOC, SALT),
    ):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_b)


# ─── bidNonce and cancelBidSignatures ────────────────────────────────────────────────────────────────


def test_bid_nonce_moves_on_with_every_commit_and_cancellation(
    ledger, supplier_a, supplier_a2, relayer, chain, open_tender
):
    process_id = open_tender()
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 0
    seal(ledger, process_id, supplier_a)
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 1
    seal(ledger, process_id, supplier_a2, amount=AMOUNT + 1)
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 2
    tx = ledger.cancelBidSignatures(process_id, sender=supplier_a)
    assert single_event(tx, ledger.BidSignaturesCancelled)["nonce"] == 3
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 3
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT + 2, BID_DOC, SALT)
    tx = ledger.commitBidFor(*sign_bid(ledger, chain, supplier_a, process_id, value), sender=relayer)
    assert single_event(tx, ledger.BidCommitted)["nonce"] == 4
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 4
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).nonceBump == 3


def test_bid_nonces_are_per_process_and_organisation(ledger, supplier_a, supplier_b, relayer, chain, open_tender):
    process_x, process_y = open_tender("ocds-test-tender-x"), open_tender("ocds-test-tender-y")
    value = commitment(process_x, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_x, value)
    assert signed.nonce == 0
    seal(ledger, process_y, supplier_a)
    seal(ledger, process_y, supplier_a, amount=AMOUNT + 1)
    ledger.cancelBidSignatures(process_y, sender=supplier_a)
    seal(ledger, process_x, supplier_b, SUPPLIER_B_ORG)
    assert ledger.bidNonce(process_y, SUPPLIER_A_ORG) == 3
    assert ledger.bidNonce(process_x, SUPPLIER_B_ORG) == 1
    assert ledger.bidNonce(process_x, SUPPLIER_A_ORG) == 0
    ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidOf(process_x, SUPPLIER_A_ORG).commitment == value
    assert ledger.bidNonce(process_x, SUPPLIER_A_ORG) == 1


def test_cancel_bid_signatures_emits_event_and_keeps_the_bid(ledger, supplier_a, supplier_a2, open_tender):
    process_id = open_tender()
    value = seal(ledger, process_id, supplier_a)
    tx = ledger.cancelBidSignatures(process_id, sender=supplier_a2)
    assert single_event(tx, ledger.BidSignaturesCancelled) == {
        "processId": process_id,
        "bidderOrg": SUPPLIER_A_ORG,
        "account": supplier_a2.address,
        "nonce": 2,
    }
    assert bid_fields(ledger, process_id, SUPPLIER_A_ORG) == {
        "commitment": value,
        "amount": 0,
        "nonceBump": 1,
        "revealed": False,
    }
    assert ledger.processOf(process_id).bidCount == 1


def test_cancel_bid_signatures_before_any_commit_leaves_no_bid(ledger, supplier_a, open_tender):
    process_id = open_tender()
    tx = ledger.cancelBidSignatures(process_id, sender=supplier_a)
    assert single_event(tx, ledger.BidSignaturesCancelled)["nonce"] == 1
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == ZERO_HASH
    assert ledger.processOf(process_id).bidCount == 0
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    tx = ledger.commitBid(process_id, value, sender=supplier_a)
    args = single_event(tx, ledger.BidCommitted)
    assert (args["replaced"], args["nonce"]) == (False, 2)
    assert ledger.processOf(process_id).bidCount == 1


def test_suspended_supplier_still_cancels_its_signatures(ledger, finance, supplier_a, open_tender):
    process_id = open_tender()
    suspend(ledger, finance)
    ledger.cancelBidSignatures(process_id, sender=supplier_a)
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 1


@pytest.mark.parametrize("caller", NON_SUPPLIERS)
def test_cancel_bid_signatures_by_non_supplier_reverts_unauthorized(ledger, open_tender, request, caller):
    process_id = open_tender()
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.cancelBidSignatures(process_id, sender=account)


def test_cancel_bid_signatures_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.cancelBidSignatures(UNKNOWN_PROCESS, sender=supplier_a)


# ─── commitBidFor (EIP-712, relayed) ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("signer", ["supplier_a", "supplier_a2"])
def test_relayed_commit_records_the_orgs_bid_and_names_signer_and_relayer(
    ledger, relayer, chain, open_tender, request, signer
):
    account = request.getfixturevalue(signer)
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    tx = ledger.commitBidFor(*sign_bid(ledger, chain, account, process_id, value), sender=relayer)
    assert single_event(tx, ledger.BidCommitted) == {
        "processId": process_id,
        "bidderOrg": SUPPLIER_A_ORG,
        "account": account.address,
        "commitment": value,
        "replaced": False,
        "nonce": 1,
        "relayer": relayer.address,
    }
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == value
    assert ledger.processOf(process_id).bidCount == 1
    at(chain, deadlines(ledger, process_id)[0])
    ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=account)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).revealed


def test_relayed_commit_replaces_a_direct_bid(ledger, supplier_a, supplier_a2, relayer, chain, open_tender):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT - 1, BID_DOC, SALT)
    tx = ledger.commitBidFor(*sign_bid(ledger, chain, supplier_a2, process_id, value), sender=relayer)
    args = single_event(tx, ledger.BidCommitted)
    assert (args["replaced"], args["nonce"], args["account"]) == (True, 2, supplier_a2.address)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == value
    assert ledger.processOf(process_id).bidCount == 1


def test_replayed_signature_reverts_nonce_mismatch(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value)
    ledger.commitBidFor(*signed, sender=relayer)
    with reverts(ledger.BidNonceMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, expected=1, given=0):
        ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 1
    assert ledger.processOf(process_id).bidCount == 1


def test_withheld_signature_cannot_roll_back_a_newer_direct_bid(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    older = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    withheld = sign_bid(ledger, chain, supplier_a, process_id, older)
    newer = seal(ledger, process_id, supplier_a, amount=AMOUNT - 1)
    with reverts(ledger.BidNonceMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, expected=1, given=0):
        ledger.commitBidFor(*withheld, sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == newer


def test_older_relayed_signature_cannot_roll_back_a_newer_relayed_bid(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    older = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    first = sign_bid(ledger, chain, supplier_a, process_id, older)
    ledger.commitBidFor(*first, sender=relayer)
    newer = commitment(process_id, SUPPLIER_A_ORG, AMOUNT - 1, BID_DOC, SALT)
    ledger.commitBidFor(*sign_bid(ledger, chain, supplier_a, process_id, newer), sender=relayer)
    with reverts(ledger.BidNonceMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, expected=2, given=0):
        ledger.commitBidFor(*first, sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == newer


def test_signature_cancelled_before_relay_reverts_nonce_mismatch(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    cancelled = sign_bid(ledger, chain, supplier_a, process_id, value)
    ledger.cancelBidSignatures(process_id, sender=supplier_a)
    with reverts(ledger.BidNonceMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, expected=1, given=0):
        ledger.commitBidFor(*cancelled, sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == ZERO_HASH
    ledger.commitBidFor(*sign_bid(ledger, chain, supplier_a, process_id, value), sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == value


def test_signature_at_a_future_nonce_reverts_nonce_mismatch(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, nonce=1)
    with reverts(ledger.BidNonceMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, expected=0, given=1):
        ledger.commitBidFor(*signed, sender=relayer)


@pytest.mark.parametrize(
    ("actual", "claimed"),
    [("supplier_b", "supplier_a"), ("supplier_a", "supplier_a2"), ("supplier_a2", "supplier_a")],
    ids=["other-orgs-key", "other-account-of-the-org", "claims-first-account"],
)
def test_relayed_commit_not_signed_by_the_named_signer_reverts_signature_invalid(
    ledger, relayer, chain, open_tender, request, actual, claimed
):
    process_id = open_tender()
    claimed_address = request.getfixturevalue(claimed).address
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, request.getfixturevalue(actual), process_id, value)._replace(
        signer=claimed_address
    )
    with reverts(ledger.BidSignatureInvalid, signer=claimed_address, bidderOrg=SUPPLIER_A_ORG):
        ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == ZERO_HASH


@pytest.mark.parametrize(
    "forged", [b"", b"\x01" * 65, b"\x00" * 65, b"\x01" * 64], ids=["empty", "garbage", "zeros", "short"]
)
def test_relayed_commit_with_forged_signature_reverts_signature_invalid(
    ledger, supplier_a, relayer, chain, open_tender, forged
):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value)._replace(signature=forged)
    with reverts(ledger.BidSignatureInvalid, signer=supplier_a.address, bidderOrg=SUPPLIER_A_ORG):
        ledger.commitBidFor(*signed, sender=relayer)


@pytest.mark.parametrize("tampered", ["process", "bidderOrg", "commitment", "nonce", "deadline"])
def test_relayed_commit_with_tampered_message_reverts_signature_invalid(
    ledger, supplier_a, relayer, chain, open_tender, tampered
):
    process_id, other_process = open_tender("ocds-test-tender-1"), open_tender("ocds-test-tender-2")
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, nonce=1 if tampered == "nonce" else None)
    signed = {
        "process": signed._replace(processId=other_process),
        "bidderOrg": signed._replace(bidderOrg=SUPPLIER_B_ORG),
        "commitment": signed._replace(commitment=commitment(process_id, SUPPLIER_A_ORG, 1, BID_DOC, SALT)),
        "nonce": signed._replace(nonce=0),
        "deadline": signed._replace(deadline=signed.deadline + 1),
    }[tampered]
    with reverts(ledger.BidSignatureInvalid, signer=supplier_a.address, bidderOrg=signed.bidderOrg):
        ledger.commitBidFor(*signed, sender=relayer)


@pytest.mark.parametrize(
    "domain",
    [{"name": "ProcurementLedgr"}, {"version": "1"}, {"chainId": 1}, {"verifyingContract": "0x" + "11" * 20}],
    ids=["name", "version-1", "chain", "contract"],
)
def test_relayed_commit_signed_for_another_domain_reverts_signature_invalid(
    ledger, supplier_a, relayer, chain, open_tender, domain
):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, **domain)
    with reverts(ledger.BidSignatureInvalid, signer=supplier_a.address, bidderOrg=SUPPLIER_A_ORG):
        ledger.commitBidFor(*signed, sender=relayer)


def test_relayed_commit_at_signature_deadline_works(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    deadline = chain.pending_timestamp + 60
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, deadline=deadline)
    at(chain, deadline)
    ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == value


def test_relayed_commit_after_signature_deadline_reverts_expired(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    deadline = chain.pending_timestamp + 60
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, deadline=deadline)
    now = at(chain, deadline + 1)
    with reverts(ledger.BidSignatureExpired, deadline=deadline, now=now):
        ledger.commitBidFor(*signed, sender=relayer)


@pytest.mark.parametrize(
    ("signer", "bidder_org"),
    [
        ("supplier_b", SUPPLIER_A_ORG),
        ("supplier_a", SUPPLIER_B_ORG),
        ("purchaser", PURCHASER_ORG),
        ("outsider", ZERO_HASH),
    ],
    ids=["other-supplier-for-a", "a-for-other-supplier", "purchaser-for-its-org", "no-org"],
)
def test_relayed_commit_signed_by_an_account_not_of_a_supplier_bidder_reverts_unauthorized(
    ledger, relayer, chain, open_tender, request, signer, bidder_org
):
    account = request.getfixturevalue(signer)
    process_id = open_tender()
    value = commitment(process_id, bidder_org, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, account, process_id, value, bidder_org=bidder_org)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidOf(process_id, bidder_org).commitment == ZERO_HASH


def test_signature_of_an_account_removed_from_the_org_reverts_unauthorized(
    ledger, admin, supplier_a2, relayer, chain, open_tender
):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a2, process_id, value)
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a2, sender=admin)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a2.address, neededRole=SUPPLIER_ROLE):
        ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == ZERO_HASH


def test_relayed_commit_for_suspended_bidder_reverts_under_suspension(
    ledger, finance, supplier_a, relayer, chain, open_tender
):
    process_id = open_tender()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value)
    suspend(ledger, finance)
    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=FINANCE_ORG):
        ledger.commitBidFor(*signed, sender=relayer)
    assert ledger.bidNonce(process_id, SUPPLIER_A_ORG) == 0


def test_relayed_commit_after_bid_deadline_reverts_deadline_passed(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, deadline=reveal)
    now = at(chain, bid)
    with reverts(ledger.TenderDeadlinePassed, processId=process_id, bidDeadline=bid, now=now):
        ledger.commitBidFor(*signed, sender=relayer)


def test_relayed_zero_commitment_reverts_commitment_invalid(ledger, supplier_a, relayer, chain, open_tender):
    process_id = open_tender()
    signed = sign_bid(ledger, chain, supplier_a, process_id, ZERO_HASH)
    with reverts(ledger.BidCommitmentInvalid, processId=process_id, bidderOrg=SUPPLIER_A_ORG):
        ledger.commitBidFor(*signed, sender=relayer)


def test_relayed_commit_before_tender_reverts_wrong_stage(ledger, supplier_a, relayer, chain, create_process):
    process_id = create_process()
    value = commitment(process_id, SUPPLIER_A_ORG, AMOUNT, BID_DOC, SALT)
    signed = sign_bid(ledger, chain, supplier_a, process_id, value, deadline=chain.pending_timestamp + HOUR)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.PLANNING, required=Stage.TENDER):
        ledger.commitBidFor(*signed, sender=relayer)


# ─── revealBid ───────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("when", ["opens", "last-second"])
def test_reveal_in_window_records_amount_and_emits_event(ledger, supplier_a, chain, open_tender, when):
    process_id = open_tender()
    value = seal(ledger, process_id, supplier_a)
    bid, reveal = deadlines(ledger, process_id)
    at(chain, bid if when == "opens" else reveal - 1)
    tx = ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert single_event(tx, ledger.BidRevealed) == {
        "processId": process_id,
        "bidderOrg": SUPPLIER_A_ORG,
        "account": supplier_a.address,
        "amount": AMOUNT,
        "bidDocHash": BID_DOC,
    }
    assert bid_fields(ledger, process_id, SUPPLIER_A_ORG) == {
        "commitment": value,
        "amount": AMOUNT,
        "nonceBump": 0,
        "revealed": True,
    }
    assert ledger.processOf(process_id).revealCount == 1


def test_another_account_of_the_org_reveals_its_bid(ledger, supplier_a, supplier_a2, chain, open_tender):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    tx = ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a2)
    args = single_event(tx, ledger.BidRevealed)
    assert (args["bidderOrg"], args["account"], args["amount"]) == (SUPPLIER_A_ORG, supplier_a2.address, AMOUNT)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).revealed


@pytest.mark.parametrize(
    "offset", [("bid", -1), ("reveal", 0), ("reveal", HOUR)], ids=["before-bid-deadline", "at-reveal", "after-reveal"]
)
def test_reveal_outside_window_reverts_window_closed(ledger, supplier_a, chain, open_tender, offset):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    bid, reveal = deadlines(ledger, process_id)
    now = at(chain, (bid if offset[0] == "bid" else reveal) + offset[1])
    with reverts(ledger.BidRevealWindowClosed, processId=process_id, opensAt=bid, closesAt=reveal, now=now):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).amount == 0


@pytest.mark.parametrize(
    ("amount", "bid_doc", "salt"),
    [(AMOUNT - 1, BID_DOC, SALT), (AMOUNT, BID_DOC, keccak(text="other salt")), (AMOUNT, doc("other doc"), SALT)],
    ids=["wrong-amount", "wrong-salt", "wrong-doc"],
)
def test_reveal_not_matching_commitment_reverts_mismatch(ledger, supplier_a, chain, open_tender, amount, bid_doc, salt):
    process_id = open_tender()
    committed = seal(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(
        ledger.BidRevealMismatch,
        processId=process_id,
        bidderOrg=SUPPLIER_A_ORG,
        committed=committed,
        revealed=commitment(process_id, SUPPLIER_A_ORG, amount, bid_doc, salt),
    ):
        ledger.revealBid(process_id, amount, bid_doc, salt, sender=supplier_a)
    assert ledger.processOf(process_id).revealCount == 0


def test_reveal_without_commitment_reverts_commitment_missing(ledger, supplier_a, supplier_b, chain, open_tender):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(ledger.BidCommitmentMissing, processId=process_id, bidderOrg=SUPPLIER_B_ORG):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_b)


@pytest.mark.parametrize("second", ["supplier_a", "supplier_a2"])
def test_reveal_twice_reverts_already_revealed(ledger, supplier_a, chain, open_tender, request, second):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    with reverts(ledger.BidAlreadyRevealed, processId=process_id, bidderOrg=SUPPLIER_A_ORG):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=request.getfixturevalue(second))
    assert ledger.processOf(process_id).revealCount == 1


def test_reveal_zero_amount_reverts_amount_invalid(ledger, supplier_a, chain, open_tender):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a, amount=0)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(ledger.BidAmountInvalid, processId=process_id, bidderOrg=SUPPLIER_A_ORG, amount=0):
        ledger.revealBid(process_id, 0, BID_DOC, SALT, sender=supplier_a)
    assert ledger.processOf(process_id).revealCount == 0


@pytest.mark.parametrize("caller", NON_SUPPLIERS)
def test_reveal_by_non_supplier_reverts_unauthorized(ledger, supplier_a, chain, open_tender, request, caller):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[0])
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=account)
    assert ledger.processOf(process_id).revealCount == 0


def test_account_removed_from_the_org_cannot_reveal_but_the_org_still_can(
    ledger, admin, supplier_a, supplier_a2, chain, open_tender
):
    process_id = open_tender()
    committed = seal(ledger, process_id, supplier_a)
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)
    at(chain, deadlines(ledger, process_id)[0])
    with reverts(ledger.AccessControlUnauthorizedAccount, account=supplier_a.address, neededRole=SUPPLIER_ROLE):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert bid_fields(ledger, process_id, SUPPLIER_A_ORG) == {
        "commitment": committed,
        "amount": 0,
        "nonceBump": 0,
        "revealed": False,
    }
    ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a2)
    assert ledger.processOf(process_id).revealCount == 1


def test_suspended_supplier_still_reveals(ledger, finance, supplier_a, chain, open_tender):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    suspend(ledger, finance)
    at(chain, deadlines(ledger, process_id)[0])
    tx = ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)
    assert single_event(tx, ledger.BidRevealed)["amount"] == AMOUNT
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).revealed


def test_reveal_after_evaluation_reverts_wrong_stage(ledger, purchaser, supplier_a, chain, open_tender):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    at(chain, deadlines(ledger, process_id)[1])
    ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.EVALUATION, required=Stage.TENDER):
        ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a)


def test_reveal_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.revealBid(UNKNOWN_PROCESS, AMOUNT, BID_DOC, SALT, sender=supplier_a)


# ─── recordEvaluation ────────────────────────────────────────────────────────────────────────────────


def test_evaluation_at_reveal_deadline_emits_bid_statistics_with_unrevealed_bid(
    ledger, purchaser, supplier_a, supplier_a2, supplier_b, supplier_c, chain, open_tender
):
    process_id = open_tender()
    seal(ledger, process_id, supplier_a)
    seal(ledger, process_id, supplier_b, SUPPLIER_B_ORG, amount=AMOUNT - 5)
    seal(ledger, process_id, supplier_c, SUPPLIER_C_ORG, amount=AMOUNT + 5)
    bid, reveal = deadlines(ledger, process_id)
    at(chain, bid)
    ledger.revealBid(process_id, AMOUNT - 5, BID_DOC, SALT, sender=supplier_b)
    ledger.revealBid(process_id, AMOUNT, BID_DOC, SALT, sender=supplier_a2)
    at(chain, reveal)
    tx = ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    assert single_event(tx, ledger.EvaluationRecorded) == {
        "processId": process_id,
        "reportHash": doc("report"),
        "bidCount": 3,
        "unrevealedCount": 1,
        "revealedBidders": [SUPPLIER_B_ORG, SUPPLIER_A_ORG],
        "revealedAmounts": [AMOUNT - 5, AMOUNT],
    }
    process = ledger.processOf(process_id)
    assert (process.stage, process.bidCount, process.revealCount) == (Stage.EVALUATION, 3, 2)


def test_evaluation_without_bids_emits_empty_statistics(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, deadlines(ledger, process_id)[1] + HOUR)
    tx = ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    assert single_event(tx, ledger.EvaluationRecorded) == {
        "processId": process_id,
        "reportHash": doc("report"),
        "bidCount": 0,
        "unrevealedCount": 0,
        "revealedBidders": [],
        "revealedAmounts": [],
    }


def test_evaluation_before_reveal_deadline_reverts_too_early(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    reveal = deadlines(ledger, process_id)[1]
    now = at(chain, reveal - 1)
    with reverts(ledger.EvaluationTooEarly, processId=process_id, revealDeadline=reveal, now=now):
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.TENDER


@pytest.mark.parametrize("caller", ["other_purchaser", "finance", "supplier_a", "auditor", "outsider"])
def test_evaluation_by_account_not_of_the_purchaser_org_reverts_not_purchaser(
    ledger, chain, open_tender, request, caller
):
    process_id = open_tender()
    at(chain, deadlines(ledger, process_id)[1])
    account = request.getfixturevalue(caller)
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=account.address, purchaserOrg=PURCHASER_ORG):
        ledger.recordEvaluation(process_id, doc("report"), sender=account)


def test_evaluation_without_report_reverts_document_missing(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, deadlines(ledger, process_id)[1])
    with reverts(ledger.DocumentHashMissing, action=RECORD_EVALUATION, argument=1):
        ledger.recordEvaluation(process_id, ZERO_HASH, sender=purchaser)


def test_record_evaluation_twice_reverts_wrong_stage(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    at(chain, deadlines(ledger, process_id)[1])
    ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.EVALUATION, required=Stage.TENDER):
        ledger.recordEvaluation(process_id, doc("report 2"), sender=purchaser)


def test_evaluation_before_tender_reverts_wrong_stage(ledger, purchaser, create_process):
    process_id = create_process()
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.PLANNING, required=Stage.TENDER):
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)


def test_evaluation_of_unknown_process_reverts_process_unknown(ledger, purchaser):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.recordEvaluation(UNKNOWN_PROCESS, doc("report"), sender=purchaser)
