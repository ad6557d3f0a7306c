"""Gas limits of `multicall` batches from what each kind of write was seen to cost, instead of an `eth_estimateGas`
per batch (~5x the time of an `eth_call` of the same batch on anvil, and the submitter simulates every batch anyway).

A batch's limit is the sum of its writes' learned costs, times a safety margin, plus a fixed overhead; a kind of
write never seen yet makes the caller estimate the batch, and that estimate teaches its per-write cost. A batch that
still runs out of gas once mined reverts as a whole and is handled like any mined revert (its writes are queued
again, each to be sent on its own, which estimates), and its kinds are forgotten, so they are estimated again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MARGIN = 1.5  # the learned cost is an average over a batch; a batch of costlier writes of the same kind fits
OVERHEAD = 60_000  # the transaction's own 21,000, multicall's loop and calldata beyond the writes' share
MAX_SHARE_OF_BLOCK = 0.5  # larger limits are estimated instead: a limit over the block's gas is never mined


class GasBook:
    """Per kind of write (the contract function it calls), the most gas one write of a batch was seen to need."""

    def __init__(self, block_gas_limit: int) -> None:
        self._per_write: dict[str, int] = {}
        self._cap = int(block_gas_limit * MAX_SHARE_OF_BLOCK)

    def limit(self, functions: Sequence[str]) -> int | None:
        """The gas limit of a batch of writes calling `functions`, or None when it must be estimated (a kind not
        learned yet, or a limit too close to the block's)."""
        try:
            needed = sum(self._per_write[function] for function in functions)
        except KeyError:
            return None
        gas = int(needed * MARGIN) + OVERHEAD
        return gas if gas <= self._cap else None

    def learn(self, functions: Sequence[str], estimated: int) -> None:
        """A batch calling `functions` was estimated at `estimated` gas: the per-write cost of a batch of one kind."""
        kinds = set(functions)
        if len(kinds) != 1 or not functions:  # a mixed batch does not say which write cost what
            return
        (kind,) = kinds
        per_write = -(-max(estimated - OVERHEAD // 2, 0) // len(functions))  # rounded up
        self._per_write[kind] = max(self._per_write.get(kind, 0), per_write)

    def forget(self, functions: Iterable[str]) -> None:
        """A batch of these kinds ran out of gas (or reverted) once mined: estimate them again."""
        for function in functions:
            self._per_write.pop(function, None)
