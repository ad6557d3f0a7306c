"""The reconciler's chain watch on a real anvil: from which block the chain may have changed since the last round."""

from __future__ import annotations

import time

from web3 import Web3

from ledger.chain.client import rpc_call
from ledger.gateway.reconciler import ChainWatch


def mine(w3: Web3, blocks: int = 1) -> None:
    time.sleep(1.01)  # a new second: blocks mined again at the same height differ from the first ones
    rpc_call(w3, "anvil_mine", [hex(blocks)])  # test-only RPC


def test_at_start_up_the_last_depth_blocks_may_have_changed_and_a_growing_chain_changes_nothing(w3: Web3) -> None:
    rpc_call(w3, "anvil_mine", [hex(10)])
    watch = ChainWatch(w3, depth=4)
    first = watch.observe()
    assert (first.head, first.changed_from) == (10, 6)
    rpc_call(w3, "anvil_mine", [hex(3)])
    grown = watch.observe()
    assert (grown.head, grown.changed_from) == (13, None)


def test_after_a_reorg_the_first_block_above_the_highest_head_still_there_may_have_changed(w3: Web3) -> None:
    watch = ChainWatch(w3, depth=64)
    rpc_call(w3, "anvil_mine", [hex(5)])
    watch.observe()
    for _ in range(2):
        rpc_call(w3, "anvil_mine", [hex(1)])
        assert watch.observe().changed_from is None
    rpc_call(w3, "anvil_reorg", [2, []])  # blocks 6 and 7 replaced: 6 was a head seen, 5 still is
    seen = watch.observe()
    assert (seen.head, seen.changed_from) == (7, 6)
    assert watch.observe().changed_from is None  # the new head is remembered


def test_a_chain_rewritten_below_every_head_seen_is_looked_at_depth_blocks_below_them(w3: Web3) -> None:
    rpc_call(w3, "anvil_mine", [hex(5)])
    snapshot = rpc_call(w3, "evm_snapshot", [])
    watch = ChainWatch(w3, depth=2)
    for _ in range(2):
        rpc_call(w3, "anvil_mine", [hex(1)])
        watch.observe()  # heads 6 and 7 seen
    rpc_call(w3, "evm_revert", [snapshot])  # back to block 5, then other blocks 6 to 8
    mine(w3, 3)
    seen = watch.observe()
    assert (seen.head, seen.changed_from) == (8, 4)  # the lowest head seen (6), 2 blocks down
