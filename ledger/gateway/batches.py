"""Grouping queued writes into `multicall` batches, and finding the write that makes a batch fail.

The ledger inherits OpenZeppelin's `Multicall`: each call runs by delegatecall, so `msg.sender` stays the signing
account, and the whole batch reverts with the first failing call's own error. So a batch holds the writes of one
signing account only, and when its simulation fails, the shortest failing prefix names the write to refuse: every
write before it succeeds in order, it fails on what they left.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

from web3 import Web3
from web3.exceptions import ContractLogicError

from ledger.chain.sender import revert_bytes
from ledger.store.gateway_models import OutboxWrite

# OpenZeppelin's Address.FailedCall(): what Multicall reverts with when a call failed without revert data of its
# own, such as when the batch ran out of gas part-way.
FAILED_CALL = Web3.keccak(text="FailedCall()")[:4]
Batch = tuple[str, list[OutboxWrite]]  # the keystore that signs, its writes in outbox order


def plan_batches(
    rows: Iterable[OutboxWrite], size: int, alone: Container[int], signer_of: Callable[[OutboxWrite], str]
) -> list[Batch]:
    """Queued `rows` grouped by the keystore that signs them (`signer_of`), in outbox order, at most `size` to a
    batch; a row in `alone` (its batch reverted when mined) gets a batch of its own, so a bad write cannot take its
    neighbours down again."""
    by_signer: dict[str, list[OutboxWrite]] = {}
    batches: list[Batch] = []
    for row in rows:
        if row.id in alone:
            batches.append((signer_of(row), [row]))
        else:
            by_signer.setdefault(signer_of(row), []).append(row)
    for signer, writes in by_signer.items():
        batches.extend((signer, writes[start : start + size]) for start in range(0, len(writes), size))
    return batches


def first_refusal(
    w3: Web3, to: str, signer: str, calls: Sequence[bytes], multicall: Callable[[Sequence[bytes]], bytes]
) -> tuple[int, bytes] | None:
    """The index of the first call of `calls` that fails when they run in order as `signer` on the pending state,
    and its revert data: a binary search over prefixes, log2(n) simulations. None when they all succeed now (the
    state moved since the caller's simulation failed)."""
    low, high, failure = 1, len(calls), None
    while low < high:
        middle = (low + high) // 2
        data = _revert_of(w3, to, signer, multicall(calls[:middle]))
        if data is None:
            low = middle + 1
        else:
            high, failure = middle, data
    if failure is None:  # every shorter prefix succeeds: the whole batch fails, or nothing does any more
        failure = _revert_of(w3, to, signer, multicall(calls))
    return None if failure is None else (high - 1, failure)


def ran_out_of_gas(revert: bytes) -> bool:
    """Whether a batch's revert data is no write's own refusal: empty, or Multicall's `FailedCall()`."""
    return not revert or revert[:4] == FAILED_CALL


def _revert_of(w3: Web3, to: str, signer: str, data: bytes) -> bytes | None:
    """The revert data of `data` sent by `signer` (simulated on the pending state), or None when it succeeds."""
    call: dict[str, Any] = {"from": signer, "to": to, "data": data}
    try:
        w3.eth.call(call, block_identifier="pending")  # type: ignore[arg-type]
    except ContractLogicError as error:
        return revert_bytes(error)
    return None
