"""The verifier: rebuild a procurement's state from the chain alone and check what the contracts promise.

It needs a node's RPC URL and the deployment (contract addresses and first block), reads logs with eth_getLogs,
decodes them with the indexer's decoder and folds them with the indexer's rules (ledger.fold), in memory. It never
imports the store (import-linter holds it): comparing with the mirror is ledger.audit's job.

Each public function returns what it checked or raises a VerificationError subclass ("expected X, got Y").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.chain.ledger_contract import process_id_of
from ledger.indexer.decode import DecodedEvent
from ledger.verify.documents import MANIFEST, VerifiedDocument, verify_documents
from ledger.verify.invariants import check_amendment_cap, check_awards, check_payments, check_stages, verify_invariants
from ledger.verify.replay import Evidence, ReplayedState, replay
from ledger.verify.source import ChainHistory, ChainSource, chain_source, full_history, process_history

__all__ = [
    "MANIFEST",
    "ChainSource",
    "Evidence",
    "ReplayedState",
    "VerifiedDocument",
    "chain_source",
    "replay_chain",
    "replay_process",
    "verify_documents",
    "verify_invariants",
    "verify_process",
    "verify_proven_events",
]


def replay_process(source: ChainSource, ocid: str, to_block: int | None = None) -> ReplayedState:
    """The state of process `ocid` (with its budget line, organisations and anchors) as its events up to
    `to_block` (default: the head) fold."""
    return replay(process_history(source, "0x" + process_id_of(ocid).hex(), to_block))


def replay_chain(source: ChainSource, to_block: int | None = None) -> ReplayedState:
    """The state every event of the deployment up to `to_block` (default: the head) folds to, fetched in bulk."""
    return replay(full_history(source, to_block))


def verify_process(source: ChainSource, ocid: str) -> ReplayedState:
    """Replay process `ocid` from the chain and check every invariant; returns the replayed state or raises."""
    state = replay_process(source, ocid)
    verify_invariants(state)
    return state


def verify_proven_events(
    chain_id: int, events: Sequence[DecodedEvent], block_times: Mapping[int, int]
) -> ReplayedState:
    """Replay one process's own events, already proven elsewhere (a proof bundle's), and check the rules they can
    show: stages forward only, paid <= accepted <= value, the amendment cap, awards at a revealed bid. Bid
    commitments are not recomputed: that needs each reveal transaction's salt, which a bundle does not carry
    (`procledger verify process` does it against a node)."""
    state = replay(ChainHistory(chain_id, max(block_times, default=0), list(events), dict(block_times), {}))
    check_stages(state)
    check_payments(state)
    check_amendment_cap(state)
    check_awards(state)
    return state
