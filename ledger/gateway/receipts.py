"""Where sent transactions stand, many at once: their receipts' status and block, in JSON-RPC batches.

The submitter follows every transaction in flight on each round; web3's `get_transaction_receipt` formats every
log of a receipt (a batch of a hundred writes has a hundred), when all it needs is two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from ledger.chain.client import rpc_batch

RECEIPTS_PER_REQUEST = 200


@dataclass(frozen=True)
class Mined:
    """A mined transaction: whether it succeeded, and its block."""

    succeeded: bool
    block_number: int


def mined_of(w3: Web3, tx_hashes: list[str]) -> list[Mined | None]:
    """For each hash, in order: how it was mined, or None when the node has no receipt (pending, or unknown)."""
    found: list[Mined | None] = []
    for start in range(0, len(tx_hashes), RECEIPTS_PER_REQUEST):
        chunk = [[tx_hash] for tx_hash in tx_hashes[start : start + RECEIPTS_PER_REQUEST]]
        for receipt in rpc_batch(w3, "eth_getTransactionReceipt", chunk):
            if receipt is None or receipt.get("blockNumber") is None:
                found.append(None)
            else:
                found.append(Mined(int(receipt["status"], 16) == 1, int(receipt["blockNumber"], 16)))
    return found
