"""Fetch stage: raw logs and block headers over JSON-RPC, checked before anything downstream trusts them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

from web3 import Web3

from ledger.chain.client import rpc_batch
from ledger.chain.client import rpc_call as _rpc
from ledger.errors import ChainUnavailableError, MalformedRpcResponse


class RawLog(NamedTuple):
    """One log as the node reported it, in lower-case 0x-hex (a named tuple: a backfill builds one per log)."""

    block_number: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int
    address: str
    topics: tuple[str, ...]
    data: str

    @property
    def order_key(self) -> tuple[int, int]:
        """The one sortable position of a log in chain history."""
        return (self.block_number, self.log_index)


class BlockHeader(NamedTuple):
    """The fields of a block the mirror keeps: enough to detect a changed chain and to date events."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int


log = logging.getLogger(__name__)

T = TypeVar("T")

RETRIES = 5


Topics = Sequence[str | Sequence[str] | None]
"""An eth_getLogs topic filter: per position, one value, any of several, or anything (None)."""


def fetch_logs(
    w3: Web3, addresses: Iterable[str], from_block: int, to_block: int, topics: Topics | None = None
) -> list[RawLog]:
    """All logs of `addresses` in [from_block, to_block] (matching `topics`, if given), sorted by position;
    rejects out-of-range answers."""
    wanted = sorted({address.lower() for address in addresses})
    query: dict[str, Any] = {"address": wanted, "fromBlock": hex(from_block), "toBlock": hex(to_block)}
    if topics is not None:
        query["topics"] = [topic if topic is None or isinstance(topic, str) else list(topic) for topic in topics]
    result = _rpc(w3, "eth_getLogs", [query])
    if not isinstance(result, list):
        raise MalformedRpcResponse(f"eth_getLogs returned {type(result).__name__}, expected a list")
    return _parse_logs(result, set(wanted), from_block, to_block)


def _parse_logs(entries: list[Any], wanted: set[str], from_block: int, to_block: int) -> list[RawLog]:
    logs = []
    try:
        for entry in entries:
            if entry.get("removed"):
                continue  # a log from a block that is no longer canonical
            number, address = int(entry["blockNumber"], 16), entry["address"].lower()
            if not from_block <= number <= to_block or address not in wanted:
                raise MalformedRpcResponse(
                    f"eth_getLogs for blocks {from_block}-{to_block} of {sorted(wanted)} returned a log of {address} "
                    f"in block {number}"
                )
            logs.append(
                RawLog(
                    number,
                    entry["blockHash"].lower(),
                    entry["transactionHash"].lower(),
                    int(entry["transactionIndex"], 16),
                    int(entry["logIndex"], 16),
                    address,
                    tuple(map(str.lower, entry["topics"])),
                    entry["data"].lower(),
                )
            )
    except MalformedRpcResponse:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a field missing, or not 0x-hex text
        raise MalformedRpcResponse(f"eth_getLogs returned a malformed log ({exc.__class__.__name__}: {exc})") from exc
    logs.sort(key=_ORDER)
    for before, after in pairwise(logs):
        if (before.block_number, before.log_index) == (after.block_number, after.log_index):
            raise MalformedRpcResponse(
                f"eth_getLogs for blocks {from_block}-{to_block} returned log {after.log_index} of block "
                f"{after.block_number} twice"
            )
    return logs


_ORDER = attrgetter("block_number", "log_index")


def fetch_header(w3: Web3, number: int) -> BlockHeader:
    """The header of block `number`; a missing block is an error, since callers ask only for mined ones."""
    return _header(_rpc(w3, "eth_getBlockByNumber", [hex(number), False]), number)


def _header(block: Any, number: int) -> BlockHeader:
    if not block:  # a load-balanced provider may answer from a backend that is a block behind
        raise ChainUnavailableError(f"the node has no block {number} yet")
    header = BlockHeader(
        number=int(block["number"], 16),
        hash=block["hash"].lower(),
        parent_hash=block["parentHash"].lower(),
        timestamp=int(block["timestamp"], 16),
    )
    if header.number != number:
        raise MalformedRpcResponse(f"asked for block {number}, the node returned block {header.number}")
    return header


def fetch_headers(w3: Web3, numbers: Iterable[int]) -> dict[int, BlockHeader]:
    """Headers of several mined blocks in one JSON-RPC batch."""
    wanted = sorted(set(numbers))
    results = rpc_batch(w3, "eth_getBlockByNumber", [[hex(number), False] for number in wanted])
    return {number: _header(result, number) for number, result in zip(wanted, results, strict=True)}


def fetch_head(w3: Web3) -> int:
    """The newest block number the node knows."""
    return int(_rpc(w3, "eth_blockNumber", []), 16)


def fetch_chain_id(w3: Web3) -> int:
    """The chain id the node reports."""
    return int(_rpc(w3, "eth_chainId", []), 16)


def retrying(call: Callable[[], T]) -> T:
    """Run an RPC call, retrying with backoff while the node does not answer or is busy; other errors pass
    straight through."""
    delay = 0.2
    for attempt in range(1, RETRIES + 1):
        try:
            return call()
        except ChainUnavailableError as error:
            if attempt == RETRIES:
                raise
            log.warning("indexer: %s; attempt %d of %d, retrying in %.1fs", error, attempt, RETRIES, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
