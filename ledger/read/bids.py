"""Sealed bids as their suppliers check them: a supplier organisation's bids, and whether one exact bid was
committed, when, whether it was replaced, and whether it was revealed as such.

A bid is checked from what its supplier kept (ocid, bidder organisation, amount, bid document hash, salt): the
commitment is recomputed the way the contract computes it and looked for among the process's BidCommitted events,
so the answer does not depend on anything the operator says about the bid.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import process_id_of
from ledger.errors import NotFoundError
from ledger.indexer.decode import DecodedEvent, EventDecoder, raw_log_from_row
from ledger.read.facts import DocumentRef, Evidence, NameResolver, Party, evidence_of, evidence_of_log
from ledger.store.projections import Bid, Process
from ledger.store.queries import entity_log_rows, find_process


@dataclass(frozen=True)
class BidClaim:
    """What a supplier kept of its sealed bid."""

    ocid: str
    bidder_org: str
    amount: int
    bid_doc_hash: str
    salt: str
    tx_hash: str | None = None


@dataclass(frozen=True)
class BidCheck:
    """The chain's answer about one exact bid."""

    ocid: str
    process_id: str
    bidder: Party
    commitment: str
    committed: bool
    committed_at: Evidence | None
    replaced: bool
    replaced_at: Evidence | None
    revealed: bool
    """True when this very bid was opened: the bidder's last commitment, revealed with this amount and document."""
    revealed_at: Evidence | None
    tx_hash_matches: bool | None
    """Whether the receipt's transaction is the one that committed the bid (None when the receipt names none)."""
    explanation: str


def check_bid(session: Session, decoder: EventDecoder, claim: BidClaim) -> BidCheck:
    """Whether the bid `claim` describes was committed, replaced and revealed, with the evidence of each."""
    process = find_process(session, claim.ocid)
    if process is None:
        raise NotFoundError(f"no procurement process with ocid {claim.ocid!r} is recorded; check the ocid")
    commitment = "0x" + bid_commitment(
        process_id_of(claim.ocid), bytes.fromhex(claim.bidder_org[2:]), claim.amount,
        bytes.fromhex(claim.bid_doc_hash[2:]), bytes.fromhex(claim.salt[2:]),
    ).hex()  # fmt: skip
    events = _bid_events(session, decoder, process, claim.bidder_org)
    times = {event.log.block_number: time for event, time in events}
    commits = [event for event, _time in events if event.name == "BidCommitted"]
    mine = next((event for event in commits if event.args["commitment"] == commitment), None)
    later = [event for event in commits if mine is not None and event.log.order_key > mine.log.order_key]
    reveal = next((event for event, _time in events if event.name == "BidRevealed"), None)
    revealed = (
        mine is not None and not later and reveal is not None
        and reveal.args["amount"] == claim.amount and reveal.args["bidDocHash"] == claim.bid_doc_hash
    )  # fmt: skip
    names = NameResolver()
    names.want_orgs([claim.bidder_org])
    resolved = names.resolve(session)

    def evidence(event: DecodedEvent | None) -> Evidence | None:
        if event is None:
            return None
        return evidence_of_log(event.log, process.chain_id, times[event.log.block_number])

    return BidCheck(
        ocid=process.ocid,
        process_id=process.process_id,
        bidder=resolved.party("bidder", claim.bidder_org),
        commitment=commitment,
        committed=mine is not None,
        committed_at=evidence(mine),
        replaced=bool(later),
        replaced_at=evidence(later[0]) if later else None,
        revealed=revealed,
        revealed_at=evidence(reveal) if revealed else None,
        tx_hash_matches=None if claim.tx_hash is None or mine is None else mine.log.tx_hash == claim.tx_hash.lower(),
        explanation=_explain(mine is not None, bool(later), revealed, reveal is not None),
    )


_BID_EVENTS = ("BidCommitted", "BidRevealed")


def _bid_events(
    session: Session, decoder: EventDecoder, process: Process, bidder_org: str
) -> list[tuple[DecodedEvent, int]]:
    events = []
    for row in entity_log_rows(session, process.chain_id, process.process_id):
        event = decoder.decode(raw_log_from_row(row._mapping))
        if (
            event is not None
            and event.name in ("BidCommitted", "BidRevealed")
            and event.args["bidderOrg"] == bidder_org
        ):
            events.append((event, int(row._mapping["block_time"])))
    return events


def _explain(committed: bool, replaced: bool, revealed: bool, any_reveal: bool) -> str:
    if not committed:
        return (
            "no bid with this commitment was committed by this organisation on this process: check the amount, the "
            "bid document hash and the salt, which must be exactly those the commitment was made of"
        )
    if replaced:
        return "this bid was committed, then replaced by a later commitment of the same organisation"
    if revealed:
        return "this bid was committed and later revealed with exactly this amount and bid document"
    if any_reveal:
        return "this bid was committed, but the reveal on chain does not match this amount and bid document"
    return "this bid was committed and is still sealed"


@dataclass(frozen=True)
class SupplierBid:
    """A supplier organisation's bid on one process, as the mirror holds it."""

    ocid: str
    process_id: str
    stage: str
    commitment: str
    commitments: int
    revealed: bool
    amount: int | None
    bid_document: DocumentRef | None
    awarded: bool
    committed_at: Evidence


def supplier_bids(
    session: Session, bidder_org: str, after: tuple[int, int] | None, limit: int
) -> tuple[list[SupplierBid], tuple[int, int] | None]:
    """A page of `bidder_org`'s bids in chain order (of first commitment), and the position to resume after."""
    query = (
        select(Bid, Process)
        .join(Process, (Process.chain_id == Bid.chain_id) & (Process.process_id == Bid.process_id))
        .where(Bid.bidder_org == bidder_org)
        .order_by(Bid.block_number, Bid.log_index)
    )
    if after is not None:
        query = query.where(tuple_(Bid.block_number, Bid.log_index) > tuple_(*after))
    rows = list(session.execute(query.limit(limit + 1)).tuples())
    more, rows = len(rows) > limit, rows[:limit]
    names = NameResolver()
    names.want_documents(bid.bid_doc_hash for bid, _process in rows if bid.bid_doc_hash)
    resolved = names.resolve(session)
    bids = [
        SupplierBid(
            ocid=process.ocid,
            process_id=process.process_id,
            stage=process.stage,
            commitment=bid.commitment,
            commitments=bid.commitments,
            revealed=bid.revealed,
            amount=bid.amount,
            bid_document=resolved.document("bid", bid.bid_doc_hash) if bid.bid_doc_hash else None,
            awarded=process.supplier_org == bidder_org,
            committed_at=evidence_of(bid, bid.chain_id, process.contract_address),
        )
        for bid, process in rows
    ]
    return bids, (rows[-1][0].block_number, rows[-1][0].log_index) if more and rows else None
