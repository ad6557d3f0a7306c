"""The reconciler's watch on the chain: it notices when the chain no longer holds blocks the submitter saw, so
writes recorded there (confirmed ones too) are looked up again, and sent again if they are gone.

Each round remembers the head (number, hash). The next round compares the most recent remembered block with the
block at that height now: the same hash means nothing below it changed (each block names its parent), so nothing
was lost. Otherwise the chain restarted from an older state or reorganised, and the highest remembered block still
there bounds what may be lost. At start-up nothing is remembered, and the last `depth` blocks are looked at again.

Confirmed means `confirmations` blocks deep on the chain as the node showed it. A chain rewritten deeper than
`depth` blocks below what the watch remembers (PROCLEDGER_MAX_REORG_DEPTH, the indexer's limit too) is outside
the model: writes confirmed there are not looked at again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from hexbytes import HexBytes
from web3 import Web3

REMEMBERED_HEADS = 32


@dataclass(frozen=True)
class Observation:
    """The head a round works against, and the lowest block that may have changed since the last round (or None)."""

    head: int
    changed_from: int | None


class ChainWatch:
    """Recent heads of the chain, to tell from which block on its history may have changed since the last round."""

    def __init__(self, w3: Web3, depth: int) -> None:
        self._w3 = w3
        self._depth = depth
        self._heads: deque[tuple[int, HexBytes]] = deque(maxlen=REMEMBERED_HEADS)

    def observe(self) -> Observation:
        """The head now and what may have changed below it since the last round; remembers this head.

        A round counts confirmations against this head only, so everything it confirms lies at or below a block
        the next round checks.
        """
        head = self._w3.eth.get_block("latest")
        number, block_hash = int(head["number"]), HexBytes(head["hash"])
        changed = self._changed_from(number)
        if not self._heads or self._heads[-1] != (number, block_hash):
            self._heads.append((number, block_hash))
        return Observation(number, changed)

    def _changed_from(self, head: int) -> int | None:
        if not self._heads:
            return max(0, head - self._depth)  # start-up: nothing is known of the last rounds
        for position, (number, block_hash) in enumerate(reversed(self._heads)):
            if number <= head and HexBytes(self._w3.eth.get_block(number)["hash"]) == block_hash:
                if position == 0:
                    return None  # the last head seen is still there: nothing below it changed
                self._forget_above(number)
                return number + 1
        lowest = min(number for number, _ in self._heads)
        self._heads.clear()
        return max(0, min(lowest, head) - self._depth)

    def _forget_above(self, number: int) -> None:
        while self._heads and self._heads[-1][0] > number:
            self._heads.pop()
