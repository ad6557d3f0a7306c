"""Check a verified bundle against a node: its chain, its blocks on the canonical branch, and no event left out.

Offline, a bundle proves that each event is in a block with the header it carries; only a node can say whether
that block is still on the chain people follow, and whether the bundle holds every event of its process.
"""

from __future__ import annotations

from web3 import Web3

from ledger.chain.client import rpc_call
from ledger.errors import BundleScopeError, NotCanonicalError
from ledger.indexer.decode import EventDecoder
from ledger.indexer.fetch import fetch_chain_id
from ledger.proofs.bundle_export import process_logs
from ledger.proofs.bundle_verify import VerifiedBundle


def verify_canonical(w3: Web3, verified: VerifiedBundle, decoder: EventDecoder, batch_blocks: int = 2_000) -> None:
    """Check that the node is on the bundle's chain, that each of its blocks is canonical there and that the
    bundle holds every event of its process up to its last block (from its creation, which verify_bundle
    requires it to hold); raise a VerificationError if not."""
    chain_id = fetch_chain_id(w3)
    if chain_id != verified.chain_id:
        raise BundleScopeError(f"expected the node to serve chain id {verified.chain_id}, got chain id {chain_id}")
    for number, block_hash in sorted(verified.blocks.items()):
        block = rpc_call(w3, "eth_getBlockByNumber", [hex(number), False])
        found = "no block" if not block else str(block["hash"]).lower()
        if found != block_hash:
            raise NotCanonicalError(
                f"expected block {number} to be {block_hash} on the node's canonical chain, got {found}: the "
                "bundle's block was replaced (a reorg) or the bundle comes from another chain"
            )
    first = min(verified.blocks)
    last = max(verified.blocks)
    on_chain = [
        log
        for log in process_logs(w3, decoder, verified.contract, verified.process_id, first, batch_blocks)
        if log.block_number <= last
    ]
    held = {(event.log.block_number, event.log.log_index) for event in verified.events}
    missing = [log for log in on_chain if (log.block_number, log.log_index) not in held]
    if missing:
        listed = ", ".join(f"block {log.block_number} log {log.log_index}" for log in missing[:5])
        raise BundleScopeError(
            f"expected the bundle to hold all {len(on_chain)} events of process {verified.ocid} up to block {last}, "
            f"got {len(verified.events)}: missing {listed}"
        )
