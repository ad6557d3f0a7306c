"""Drive fetch → decode → apply over block ranges, from the checkpoint to the confirmed head."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import Deployment
from ledger.chain.setup import live_deployment
from ledger.errors import ChainDivergedError, ConfigurationError, LedgerError
from ledger.indexer.apply import apply_range
from ledger.indexer.decode import EventDecoder
from ledger.indexer.fetch import BlockHeader, fetch_chain_id, fetch_head, fetch_header, fetch_logs
from ledger.settings import Settings
from ledger.store.models import Checkpoint, Process, RawLog, table_of

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, int], None]
"""Called after each committed range with (last block done, target block, events applied so far)."""


@dataclass(frozen=True)
class CatchUpResult:
    """What one catch-up did."""

    from_block: int
    to_block: int
    events: int


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
    ) -> None:
        self._w3 = w3
        self._decoder = decoder
        self._engine = engine
        self._deployment = deployment
        self._confirmations = confirmations
        self._batch_blocks = batch_blocks
        self._addresses = [contract.address for contract in deployment.contracts.values()]

    def catch_up(self, on_progress: ProgressCallback | None = None) -> CatchUpResult:
        """Index every confirmed block after the checkpoint, one transaction per range, then return."""
        chain_id = self._check_chain()
        start = self._resume_block(chain_id)
        head = fetch_head(self._w3)
        target = head - self._confirmations
        events = 0
        block = start
        while block <= target:
            end = min(block + self._batch_blocks - 1, target)
            logs = fetch_logs(self._w3, self._addresses, block, end)
            decoded = [event for event in map(self._decoder.decode, logs) if event is not None]
            headers = {number: fetch_header(self._w3, number) for number in {item.block_number for item in logs}}
            last = headers.get(end) or fetch_header(self._w3, end)
            with self._engine.begin() as connection:
                apply_range(connection, chain_id, logs, decoded, headers, last, head)
            events += len(decoded)
            if on_progress is not None:
                on_progress(end, target, events)
            block = end + 1
        return CatchUpResult(start, max(target, start - 1), events)

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
            for table in map(table_of, (Process, RawLog, Checkpoint)):
                connection.execute(delete(table).where(table.c.chain_id == chain_id))

    def _check_chain(self) -> int:
        chain_id = fetch_chain_id(self._w3)
        if chain_id != self._deployment.chain_id:
            raise ConfigurationError(
                f"the node is chain {chain_id}, but the deployment record is for chain {self._deployment.chain_id}; "
                "point PROCLEDGER_RPC_URL at the right node or deploy again with `procledger deploy`"
            )
        return chain_id

    def _resume_block(self, chain_id: int) -> int:
        with self._engine.connect() as connection:
            checkpoint = connection.execute(
                select(Checkpoint.block_number, Checkpoint.block_hash).where(Checkpoint.chain_id == chain_id)
            ).first()
        if checkpoint is None:
            return self._deployment.start_block
        number, expected_hash = checkpoint
        found = _header_or_none(self._w3, number)
        if found is None or found.hash != expected_hash:
            raise ChainDivergedError(
                f"the mirror was built up to block {number} with hash {expected_hash}, but the chain now has "
                f"{found.hash if found else 'no such block'}: the chain was reset or reorganised. "
                "Run `procledger reindex` to rebuild the mirror from the chain as it is now"
            )
        return int(number) + 1


def _header_or_none(w3: Web3, number: int) -> BlockHeader | None:
    if number > fetch_head(w3):
        return None
    return fetch_header(w3, number)


def build_indexer(settings: Settings, w3: Web3, engine: Engine) -> Indexer:
    """The indexer for the deployment recorded in the data directory, decoding with the compiled ABIs."""
    deployment = live_deployment(settings, w3)
    decoder = EventDecoder(load_artifact(settings.artifacts_dir, name).abi for name in deployment.contracts)
    return Indexer(w3, engine, deployment, decoder, settings.confirmations, settings.index_batch_blocks)
