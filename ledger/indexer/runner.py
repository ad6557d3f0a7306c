"""Drive fetch → decode → apply over block ranges, from the checkpoint to the confirmed head, rolling back reorgs."""

from __future__ import annotations

import gc
import logging
import pickle
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, delete, select
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import Deployment
from ledger.chain.setup import live_deployment
from ledger.errors import ConfigurationError, LedgerError, LogRangeError, WorkerGoneError
from ledger.indexer.apply import RowCache, apply_range, touch_checkpoint
from ledger.indexer.decode import EventDecoder
from ledger.indexer.fetch import BlockHeader, fetch_chain_id, fetch_head, fetch_headers, retrying
from ledger.indexer.reorg import find_common_ancestor, roll_back
from ledger.indexer.worker import FetchedRange, FetchWorker, fetch_range, worker_config
from ledger.settings import Settings
from ledger.store.database import background_checkpoints
from ledger.store.models import Checkpoint
from ledger.store.ownership import derived_tables
from ledger.store.reorgs import ReorgRecord, record_reorg

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, int, int], None]
"""Called after each committed range with (first block, last block done, target block, events applied so far)."""

TARGET_LOGS = 5_000  # logs per range: big enough to write in bulk, small enough to overlap fetch and write
FIRST_SPAN = 32  # blocks in the first range; spans then adapt to how dense the chain is
WORKER_MIN_RANGES = 4  # a catch-up at least this many first spans long starts the fetch worker
PIPELINE = 2  # ranges the worker is asked for ahead of the one being written

WorkerMode = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class CatchUpResult:
    """What one catch-up did."""

    from_block: int
    to_block: int
    events: int


class _ChainMoved(Exception):
    """The chain changed under a range being fetched; the range is discarded and the checkpoint re-checked."""


class _Ranges:
    """Block ranges, fetched and decoded by the worker process once it is up, and in this process until then."""

    def __init__(self, w3: Web3, decoder: EventDecoder, addresses: list[str], worker: FetchWorker | None) -> None:
        self._w3, self._decoder, self._addresses = w3, decoder, addresses
        self._worker = worker
        self.last_asked = (0, 0)
        """The range get() last took or fetched, failed or not."""

    def prefetch(self, start: int, span: int, target: int) -> None:
        """Keep the worker PIPELINE ranges of `span` blocks ahead, the first starting at `start`, if it is up."""
        worker = self._worker
        if worker is None or not self._worker_up(wait=False):
            return
        after = worker.pending[-1][1] + 1 if worker.pending else start
        try:
            while len(worker.pending) < PIPELINE and after <= target:
                end = min(after + span - 1, target)
                worker.request(after, end)
                after = end + 1
        except WorkerGoneError as error:
            self._lose_worker(error)

    def get(self, start: int, end: int, wait_for_worker: bool = False) -> FetchedRange:
        """The next range, from `start` to `end` or to where the worker was asked to stop before it; fetched here
        when the worker is not up or was asked for something else."""
        while (worker := self._worker) is not None:
            try:
                if not worker.pending:
                    if not self._worker_up(wait=wait_for_worker):
                        break
                    worker.request(start, end)
                asked = worker.pending[0]
                fetched = worker.result()
            except WorkerGoneError as error:
                self._lose_worker(error)
                break
            except Exception as error:
                if asked[0] == start:
                    self.last_asked = asked
                    raise
                log.debug("indexer: dropped the failure of blocks %s, no longer wanted: %s", asked, error)
                continue
            if asked[0] == start:
                self.last_asked = asked
                return fetched
            # else: asked for before the plan changed (a rollback, a smaller span); dropped
        self.last_asked = (start, end)
        return fetch_range(self._w3, self._decoder, self._addresses, start, end)

    def close(self) -> None:
        """Stop the worker, if any."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def _worker_up(self, wait: bool) -> bool:
        assert self._worker is not None
        try:
            return self._worker.ready(wait)
        except (WorkerGoneError, OSError) as error:  # OSError: no select() on pipes (Windows)
            self._lose_worker(error)
            return False

    def _lose_worker(self, error: Exception) -> None:
        log.warning("indexer: %s; fetching in this process from here on", error)
        self.close()


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
        fetch_worker: WorkerMode = "auto",
    ) -> None:
        """`fetch_worker`: "auto" starts the fetch worker for long catch-ups only and uses it once it is up;
        "always" starts it for every catch-up with blocks to do and waits for it; "never" never starts it."""
        self._w3 = w3
        self._engine = engine
        self._deployment = deployment
        self._decoder = decoder
        self._confirmations = confirmations
        self._max_span = batch_blocks
        self._span = min(FIRST_SPAN, batch_blocks)
        self._max_reorg_depth = max_reorg_depth
        self._addresses = [contract.address for contract in deployment.contracts.values()]
        self._fetch_worker = fetch_worker

    def catch_up(self, on_progress: ProgressCallback | None = None) -> CatchUpResult:
        """Index every confirmed block after the checkpoint, one transaction per range, then return.

        On a long catch-up a worker process fetches and decodes the next range while this one writes the
        current one (see ledger.indexer.worker). Rows the rules read are cached from range to range; the cache
        lives as long as this call and is dropped whenever the chain moved under it.
        """
        chain_id = self._check_chain()
        head = self._head()
        first = start = self._resume_block(chain_id, head)
        target = head - self._confirmations
        events, cache = 0, RowCache()
        with self._ranges(target - start + 1) as ranges:
            while start <= target:
                try:
                    fetched = ranges.get(start, min(start + self._span - 1, target), self._fetch_worker == "always")
                except LogRangeError as error:
                    failed = ranges.last_asked[1] - ranges.last_asked[0] + 1
                    if failed == 1:
                        raise
                    # The node has a range cap: stay under it from now on instead of growing back into it.
                    self._span = self._max_span = max(1, failed // 2)
                    log.info("indexer: %s; retrying with %d-block ranges", error, self._span)
                    continue
                self._adapt_span(fetched)
                after = fetched.end + 1
                ranges.prefetch(after, self._span, target)
                try:
                    events += self._apply(chain_id, fetched, head, cache)
                except _ChainMoved:
                    cache.clear()
                    start = self._resume_block(chain_id, self._head())
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
            for table in derived_tables():  # off-chain tables (documents, leaf lists) cannot be rebuilt: kept
                connection.execute(delete(table).where(table.c.chain_id == chain_id))

    def _adapt_span(self, fetched: FetchedRange) -> None:
        """Aim the next range at TARGET_LOGS logs: shrink after a dense range, double after a sparse full one."""
        blocks, count = fetched.end - fetched.start + 1, len(fetched.logs)
        if count > 2 * TARGET_LOGS:
            self._span = max(1, blocks * TARGET_LOGS // count)
        elif count < TARGET_LOGS // 4 and blocks == self._span:
            self._span = min(self._span * 2, self._max_span)

    @contextmanager
    def _ranges(self, blocks: int) -> Iterator[_Ranges]:
        """The range source of a catch-up of `blocks` blocks; a long one is set up as a backfill: a worker
        process, WAL checkpoints beside the writer, and the collector kept off the long-lived heap."""
        long = blocks >= WORKER_MIN_RANGES * FIRST_SPAN
        with ExitStack() as backfill:
            if long:
                backfill.enter_context(_gc_frozen())
                backfill.enter_context(background_checkpoints(self._engine))
            ranges = _Ranges(self._w3, self._decoder, self._addresses, self._start_worker(blocks, long))
            backfill.callback(ranges.close)
            yield ranges

    def _start_worker(self, blocks: int, long: bool) -> FetchWorker | None:
        if self._fetch_worker == "never" or blocks <= 0 or (self._fetch_worker == "auto" and not long):
            return None
        config = worker_config(self._w3, self._addresses, self._decoder.abis)
        if config is None:
            log.warning("indexer: the fetch worker needs an HTTP JSON-RPC endpoint; fetching in this process")
            return None
        try:
            return FetchWorker(config)
        except (LedgerError, OSError, pickle.PicklingError, TypeError, AttributeError) as error:
            log.warning("indexer: could not start the fetch worker (%s); fetching in this process", error)
            return None

    def _apply(self, chain_id: int, fetched: FetchedRange, head: int, cache: RowCache) -> int:
        start, headers, logs = fetched.start, fetched.headers, fetched.logs
        if any(headers[item.block_number].hash != item.block_hash for item in logs):
            raise _ChainMoved
        with self._engine.begin() as connection:
            checkpoint = connection.execute(
                select(Checkpoint.block_number, Checkpoint.block_hash).where(Checkpoint.chain_id == chain_id)
            ).first()
            if checkpoint is None and start != self._deployment.start_block:  # reset by someone else meanwhile
                raise _ChainMoved
            if checkpoint is not None and (checkpoint[0] != start - 1 or headers[start - 1].hash != checkpoint[1]):
                raise _ChainMoved
            log_headers = {number: headers[number] for number in {item.block_number for item in logs}}
            end_header = headers[fetched.end]
            return apply_range(connection, chain_id, logs, fetched.decoded, log_headers, end_header, head, cache)

    def _check_chain(self) -> int:
        chain_id = retrying(lambda: fetch_chain_id(self._w3))
        if chain_id != self._deployment.chain_id:
            raise ConfigurationError(
                f"the node is chain {chain_id}, but the deployment record is for chain {self._deployment.chain_id}; "
                "point PROCLEDGER_RPC_URL at the right node or deploy again with `procledger deploy`"
            )
        return chain_id

    def _head(self) -> int:
        return retrying(lambda: fetch_head(self._w3))

    def _resume_block(self, chain_id: int, head: int) -> int:
        """The first block to index; rolls back first if the chain no longer has the checkpoint block."""
        with self._engine.begin() as connection:
            checkpoint = connection.execute(
                select(Checkpoint.block_number, Checkpoint.block_hash).where(Checkpoint.chain_id == chain_id)
            ).first()
            if checkpoint is None:
                return self._deployment.start_block
            number, expected_hash = int(checkpoint[0]), str(checkpoint[1])
            canonical_hash = self._canonical_hash(number, head)
            if canonical_hash == expected_hash:
                return number + 1
            floor = self._deployment.start_block - 1
            ancestor = find_common_ancestor(self._w3, connection, chain_id, number, self._max_reorg_depth, floor)
            done = roll_back(connection, chain_id, ancestor, self._decoder)
            record_reorg(
                connection,
                ReorgRecord(
                    chain_id=chain_id,
                    old_head=number,
                    old_hash=expected_hash,
                    new_hash=canonical_hash,
                    ancestor=ancestor.number,
                    ancestor_hash=ancestor.hash,
                    removed_logs=done.removed_logs,
                    replayed_entities=done.replayed_entities,
                ),
            )
            return ancestor.number + 1

    def _canonical_hash(self, number: int, head: int) -> str | None:
        """The hash of block `number` on the node's chain now, or None if the chain is shorter."""
        if number > head:
            return None
        found: BlockHeader = retrying(lambda: fetch_headers(self._w3, [number]))[number]
        return found.hash


@contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the garbage collector off what was alive before a backfill (modules, ABIs, settings) while it runs.

    A backfill allocates millions of short-lived objects; without this, every collection walks the whole
    long-lived heap again (measured: about a fifth of a 100,000-event backfill).
    """
    if gc.get_freeze_count():  # the host froze its heap itself: leave its choice alone
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def build_indexer(settings: Settings, w3: Web3, engine: Engine) -> Indexer:
    """The indexer for the deployment recorded in the data directory, decoding with the compiled ABIs."""
    deployment = live_deployment(settings, w3)
    decoder = EventDecoder(load_artifact(settings.artifacts_dir, name).abi for name in deployment.contracts)
    return Indexer(
        w3, engine, deployment, decoder, settings.confirmations, settings.index_batch_blocks,
        settings.max_reorg_depth, settings.index_worker,
    )  # fmt: skip
