"""The machine's rules on sealed bids: commitments sent directly or relayed with an EIP-712 signature (at the
current, a stale or a future nonce, with a valid or an expired deadline), cancelled signatures and reveals.
"""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.contracts.conftest import ZERO_HASH, Stage, commitment
from tests.contracts.stateful.base import MachineBase
from tests.contracts.stateful.domains import ORG_IDS, SUPPLIERS, actor, another_key, bid_amount, doc_ok, process_ref


class BidRules(MachineBase):
    """Sealed bids: commit, relayed commit, cancelled signatures, reveal."""

    @rule(who=actor(*SUPPLIERS), ocid=process_ref, amount=bid_amount, sealed=doc_ok)
    def commit_bid(self, who: str, ocid: str, amount: str, sealed: bool) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id, org_id = keccak(text=ocid), self.model.org_of(self.address[who])
        opening = self.new_opening(ocid, org_id, amount)
        value = commitment(process_id, org_id, *opening) if sealed else ZERO_HASH
        if self.send("commitBid", who, process_id, value):
            self.openings[(process_id, org_id)] = opening

    @rule(
        relayer=actor("relayer"),
        ocid=process_ref,
        signer=st.sampled_from([*SUPPLIERS, "outsider"]),
        bidder=st.sampled_from(["own", "own", "own", "A", "B", "C", "purchaser"]),
        nonce=st.sampled_from(["current", "current", "stale", "ahead"]),
        deadline=st.sampled_from(["bid", "bid", "now", "now-1"]),
        signed_by=st.sampled_from(["signer", "signer", "signer", "another key"]),
        amount=bid_amount,
    )
    def commit_bid_for(
        self, relayer: str, ocid: str, signer: str, bidder: str, nonce: str, deadline: str, signed_by: str, amount: str
    ) -> None:
        """A relayer submits a commitment an account of the bidder signed (EIP-712) at the bid's nonce."""
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id = keccak(text=ocid)
        bidder_org = self.model.org_of(self.address[signer]) if bidder == "own" else ORG_IDS[bidder]
        opening = self.new_opening(ocid, bidder_org, amount)
        value = commitment(process_id, bidder_org, *opening)
        current = self.model.bid(process_id, bidder_org).nonce
        signed_nonce = {"current": current, "stale": current - 1 if current else 2, "ahead": current + 1}[nonce]
        process = self.model.process(process_id)
        valid_until = {"bid": process.bid_deadline, "now": self.model.now, "now-1": self.model.now - 1}[deadline]
        key = signer if signed_by == "signer" else another_key(signer)
        signature = self.sign_bid(key, process_id, bidder_org, value, signed_nonce, valid_until)
        args = (process_id, bidder_org, self.address[signer], value, signed_nonce, valid_until, signature)
        if self.send("commitBidFor", relayer, *args):
            self.openings[(process_id, bidder_org)] = opening

    @rule(who=actor(*SUPPLIERS), ocid=process_ref)
    def cancel_bid_signatures(self, who: str, ocid: str) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        self.send("cancelBidSignatures", who, keccak(text=ocid))

    @rule(
        who=actor(*SUPPLIERS),
        ocid=process_ref,
        opening=st.sampled_from(["right", "right", "wrong amount", "wrong salt"]),
    )
    def reveal_bid(self, who: str, ocid: str, opening: str) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id = keccak(text=ocid)
        amount, bid_doc, salt = self.opening(process_id, self.model.org_of(self.address[who]))
        if opening == "wrong amount":
            amount += 1
        elif opening == "wrong salt":
            salt = keccak(salt)
        self.send("revealBid", who, process_id, amount, bid_doc, salt)
