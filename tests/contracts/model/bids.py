"""The rules of sealed bids, evaluation and award: commitments sent directly or relayed with an EIP-712 signature at
the bid's nonce, cancelled signatures, reveals, the evaluation and the award to a revealed bid or a single
source.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data

from tests.contracts.conftest import OPEN_TENDER, SUPPLIER_ROLE, ZERO_HASH, Stage, commitment
from tests.contracts.model.base import ModelBase
from tests.contracts.model.records import BID_COMMITMENT_TYPES, Bid, Revert, bid_commitment_message


class BidRules(ModelBase):
    """Sealed bids, evaluation and award: commitBid, commitBidFor, cancelBidSignatures, revealBid,
    recordEvaluation and awardProcess."""

    def commitBid(self, sender: str, process_id: bytes, sealed: bytes) -> None:
        org = self._active_caller_organisation(sender, SUPPLIER_ROLE)
        self._commit(process_id, org, sealed)

    def commitBidFor(
        self,
        sender: str,
        process_id: bytes,
        bidder_org: bytes,
        signer: str,
        sealed: bytes,
        nonce: int,
        deadline: int,
        signature: bytes,
    ) -> None:
        if self.now > deadline:
            raise Revert("BidSignatureExpired")
        message = bid_commitment_message(process_id, bidder_org, sealed, nonce, deadline)
        digest = encode_typed_data(self.domain, BID_COMMITMENT_TYPES, message)
        if Account.recover_message(digest, signature=signature) != signer:
            raise Revert("BidSignatureInvalid")
        if self.org_of(signer) != bidder_org or self.role_of(bidder_org) != SUPPLIER_ROLE:
            raise Revert("AccessControlUnauthorizedAccount")
        self._require_not_suspended(bidder_org)
        if nonce != self.bid(process_id, bidder_org).nonce:
            raise Revert("BidNonceMismatch")
        self._commit(process_id, bidder_org, sealed)

    def _commit(self, process_id: bytes, org: bytes, sealed: bytes) -> None:
        if sealed == ZERO_HASH:
            raise Revert("BidCommitmentInvalid")
        process = self._existing(process_id)
        self._require_stage(process, Stage.TENDER)
        if self.now >= process.bid_deadline:
            raise Revert("TenderDeadlinePassed")
        bid = self.bids.setdefault((process_id, org), Bid())
        if bid.commitment != ZERO_HASH:
            bid.nonce_bump += 1
        else:
            process.bid_count += 1
        bid.commitment = sealed

    def cancelBidSignatures(self, sender: str, process_id: bytes) -> None:
        org = self._caller_organisation(sender, SUPPLIER_ROLE)
        self._existing(process_id)
        self.bids.setdefault((process_id, org), Bid()).nonce_bump += 1

    def revealBid(self, sender: str, process_id: bytes, amount: int, bid_doc_hash: bytes, salt: bytes) -> None:
        org = self._caller_organisation(sender, SUPPLIER_ROLE)
        process = self._existing(process_id)
        self._require_stage(process, Stage.TENDER)
        if self.now < process.bid_deadline or self.now >= process.reveal_deadline:
            raise Revert("BidRevealWindowClosed")
        bid = self.bid(process_id, org)
        if bid.commitment == ZERO_HASH:
            raise Revert("BidCommitmentMissing")
        if bid.revealed:
            raise Revert("BidAlreadyRevealed")
        if commitment(process_id, org, amount, bid_doc_hash, salt) != bid.commitment:
            raise Revert("BidRevealMismatch")
        if amount == 0:
            raise Revert("BidAmountInvalid")
        bid.amount, bid.revealed = amount, True
        process.reveal_count += 1

    def recordEvaluation(self, sender: str, process_id: bytes, report_hash: bytes) -> None:
        process = self._purchaser_process(sender, process_id, Stage.TENDER)
        self._require_document(report_hash)
        if self.now < process.reveal_deadline:
            raise Revert("EvaluationTooEarly")
        process.stage = Stage.EVALUATION

    def awardProcess(self, sender: str, process_id: bytes, supplier_org: bytes, amount: int, doc_hash: bytes) -> None:
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_not_suspended(process.purchaser_org)
        self._require_document(doc_hash)
        self._require_no_open_complaints(process)
        if amount == 0:
            raise Revert("AwardAmountInvalid")
        if self.role_of(supplier_org) != SUPPLIER_ROLE:
            raise Revert("AwardSupplierInvalid")
        self._require_not_suspended(supplier_org)
        if process.method == OPEN_TENDER:
            self._require_stage(process, Stage.EVALUATION)
            bid = self.bid(process_id, supplier_org)
            if not bid.revealed:
                raise Revert("AwardBidderNotRevealed")
            if bid.amount != amount:
                raise Revert("AwardAmountMismatch")
        else:
            self._require_stage(process, Stage.PLANNING)
        self._check_budget(process.budget_id, amount)
        self.budgets[process.budget_id].committed += amount
        process.stage, process.supplier_org, process.award_amount = Stage.AWARDED, supplier_org, amount
