"""Drive fetch → decode → apply over block ranges, from the checkpoint to the confirmed head, rolling back reorgs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine, delete, select
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import Deployment
from ledger.chain.setup import live_deployment
from ledger.errors import ChainUnavailableError, ConfigurationError, LedgerError
from ledger.indexer.apply import apply_range, touch_checkpoint
from ledger.indexer.decode import DecodedEvent, EventDecoder
from ledger.indexer.fetch import (
    BlockHeader,
    LogRangeError,
    RawLog,
    fetch_chain_id,
    fetch_head,
    fetch_headers,
    fetch_logs,
)
from ledger.indexer.reorg import find_common_ancestor, roll_back
from ledger.settings import Settings
from ledger.store.models import Base, Checkpoint

log = logging.getLogger(__name__)

T = TypeVar("T")

ProgressCallback = Callable[[int, int, int, int], None]
"""Called after each committed range with (first block, last block done, target block, events applied so far)."""

TARGET_LOGS = 5_000  # logs per range: big enough to write in bulk, small enough to overlap fetch and write
FIRST_SPAN = 32  # blocks in the first range; spans then adapt to how dense the chain is
RETRIES = 5


@dataclass(frozen=True)
class CatchUpResult:
    """What one catch-up did."""

    from_block: int
    to_block: int
    events: int


@dataclass(frozen=True)
class _Fetched:
    """One block range as fetched from the node and decoded, not yet written."""

    start: int
    end: int
    logs: list[RawLog]
    headers: dict[int, BlockHeader]
    decoded: list[DecodedEvent]


class _ChainMoved(Exception):
    """The chain changed under a range being fetched; the range is discarded and the checkpoint re-checked."""


class Indexer:
    """Mirrors one deployment's events into the database behind `engine`."""

    def __init__(
        self,
        w3: Web3,
        engine: Engine,
        deployment: Deployment,
        decoder: EventDecoder,
        confirmations: int = 0,
        batch_blocks: int = 2_000,
        max_reorg_depth: int = 64,
    ) -> None:
        self._w3 = w3
        self._engine = engine
        self._deployment = deployment
        self._decoder = decoder
        self._confirmations = confirmations
        self._max_span = batch_blocks
        self._span = min(FIRST_SPAN, batch_blocks)
        self._max_reorg_depth = max_reorg_depth
        self._addresses = [contract.address for contract in deployment.contracts.values()]

    def catch_up(self, on_progress: ProgressCallback | None = None) -> CatchUpResult:
        """Index every confirmed block after the checkpoint, one transaction per range, then return.

        The next range is fetched and decoded in a background thread while the current one is written, so the
        node's work and the database's overlap.
        """
        chain_id = self._check_chain()
        first = start = self._resume_block(chain_id)
        head = self._retrying(lambda: fetch_head(self._w3))
        target = head - self._confirmations
        events = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="indexer-fetch") as pool:
            ahead: Future[_Fetched] | None = None
            while start <= target:
                if ahead is None:
                    ahead = pool.submit(self._fetch, start, min(start + self._span - 1, target))
                try:
                    fetched = ahead.result()
                except LogRangeError as error:
                    ahead = None
                    if self._span == 1:
                        raise
                    # The node has a range cap: stay under it from now on instead of growing back into it.
                    self._span = self._max_span = max(1, self._span // 2)
                    log.info("indexer: %s; retrying with %d-block ranges", error, self._span)
                    continue
                self._adapt_span(fetched)
                after = fetched.end + 1
                ahead = (
                    pool.submit(self._fetch, after, min(after + self._span - 1, target)) if after <= target else None
                )
                try:
                    events += self._apply(chain_id, fetched, head)
                except _ChainMoved:
                    ahead = None  # fetched against a chain that is gone; its result is dropped
                    start = self._resume_block(chain_id)
                    continue
                if on_progress is not None:
                    on_progress(first, fetched.end, target, events)
                start = after
        if first > target:
            with self._engine.begin() as connection:
                touch_checkpoint(connection, chain_id, head)
        return CatchUpResult(first, max(target, first - 1), events)

    def follow(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Catch up again and again until `stop` is set; retry what may pass, stop on what will not."""
        delay = poll_interval
        while not stop.is_set():
            try:
                self.catch_up()
                delay = poll_interval
            except LedgerError as error:
                if not error.retryable:
                    raise
                log.warning("indexer: %s; retrying in %.1fs", error, delay)
                delay = min(delay * 2, 30.0)
            stop.wait(delay)

    def reset(self) -> None:
        """Drop everything mirrored from this chain, so the next catch-up rebuilds it from the deployment block."""
        chain_id = self._check_chain()
        with self._engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                if "chain_id" in table.c and table.name != "anchored_documents":  # leaf lists come from off chain
                    connection.execute(delete(table).where(table.c.chain_id == chain_id))

    def _adapt_span(self, fetched: _Fetched) -> None:
        """Aim the next range at TARGET_LOGS logs: shrink after a dense range, double after a sparse full one."""
        blocks, count = fetched.end - fetched.start + 1, len(fetched.logs)
        if count > 2 * TARGET_LOGS:
            self._span = max(1, blocks * TARGET_LOGS // count)
        elif count < TARGET_LOGS // 4 and blocks == self._span:
            self._span = min(self._span * 2, self._max_span)

    def _fetch(self, start: int, end: int) -> _Fetched:
        """Logs of [start, end], the headers to check them against, and the decoded events: no database work."""
        logs = self._retrying(partial(fetch_logs, self._w3, self._addresses, start, end))
        wanted = {item.block_number for item in logs} | {end} | ({start - 1} if start > 0 else set())
        headers = self._retrying(partial(fetch_headers, self._w3, wanted))
        decoded = [event for event in map(self._decoder.decode, logs) if event is not None]
        return _Fetched(start, end, logs, headers, decoded)

    def _apply(self, chain_id: int, fetched: _Fetched, head: int) -> int:
        start, headers, logs = fetched.start, fetched.headers, fetched.logs
        if any(headers[item.block_number].hash != item.block_hash for item in logs):
            raise _ChainMoved
        with self._engine.begin() as connection:
            checkpoint = connection.execute(
                select(Checkpoint.block_number, Checkpoint.block_hash).where(Checkpoint.chain_id == chain_id)
            ).first()
            if checkpoint is not None and (checkpoint[0] != start - 1 or headers[start - 1].hash != checkpoint[1]):
                raise _ChainMoved
            log_headers = {number: headers[number] for number in {item.block_number for item in logs}}
            return apply_range(connection, chain_id, logs, fetched.decoded, log_headers, headers[fetched.end], head)

    def _check_chain(self) -> int:
        chain_id = self._retrying(lambda: fetch_chain_id(self._w3))
        if chain_id != self._deployment.chain_id:
            raise ConfigurationError(
                f"the node is chain {chain_id}, but the deployment record is for chain {self._deployment.chain_id}; "
                "point PROCLEDGER_RPC_URL at the right node or deploy again with `procledger deploy`"
            )
        return chain_id

    def _resume_block(self, chain_id: int) -> int:
        """The first block to index; rolls back first if the chain no longer has the checkpoint block."""
        with self._engine.begin() as connection:
            checkpoint = connection.execute(
                select(Checkpoint.block_number, Checkpoint.block_hash).where(Checkpoint.chain_id == chain_id)
            ).first()
            if checkpoint is None:
                return self._deployment.start_block
            number, expected_hash = int(checkpoint[0]), str(checkpoint[1])
            if self._still_canonical(number, expected_hash):
                return number + 1
            floor = self._deployment.start_block - 1
            ancestor = find_common_ancestor(self._w3, connection, chain_id, number, self._max_reorg_depth, floor)
            roll_back(connection, chain_id, ancestor, self._decoder)
            return ancestor.number + 1

    def _still_canonical(self, number: int, expected_hash: str) -> bool:
        if number > self._retrying(lambda: fetch_head(self._w3)):
            return False
        found: BlockHeader = self._retrying(lambda: fetch_headers(self._w3, [number]))[number]
        return found.hash == expected_hash

    def _retrying(self, call: Callable[[], T]) -> T:
        """Run an RPC call, retrying with backoff while the node does not answer."""
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


def build_indexer(settings: Settings, w3: Web3, engine: Engine) -> Indexer:
    """The indexer for the deployment recorded in the data directory, decoding with the compiled ABIs."""
    deployment = live_deployment(settings, w3)
    decoder = EventDecoder(load_artifact(settings.artifacts_dir, name).abi for name in deployment.contracts)
    return Indexer(
        w3, engine, deployment, decoder, settings.confirmations, settings.index_batch_blocks, settings.max_reorg_depth
    )
