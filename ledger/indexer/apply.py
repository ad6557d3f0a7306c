"""Apply stage: write one block range's logs, projections and checkpoint in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from ledger.indexer.decode import DecodedEvent
from ledger.indexer.fetch import BlockHeader, RawLog
from ledger.store.models import Checkpoint, Process, table_of
from ledger.store.models import RawLog as RawLogRow


def insert_ignoring_duplicates(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert where a row that exists already (same unique key) is skipped: re-applying is a no-op."""
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"no idempotent insert for {dialect}; use SQLite or PostgreSQL")
    connection.execute(statement, list(rows))


def apply_range(
    connection: Connection,
    chain_id: int,
    logs: Sequence[RawLog],
    events: Sequence[DecodedEvent],
    headers: Mapping[int, BlockHeader],
    checkpoint: BlockHeader,
    head_block: int,
) -> None:
    """Write what one block range produced and move the checkpoint to its last block, all or nothing."""
    insert_ignoring_duplicates(connection, table_of(RawLogRow), [_raw_row(chain_id, log) for log in logs])
    processes = [_process_row(chain_id, event, headers) for event in events if event.name == "ProcessCreated"]
    insert_ignoring_duplicates(connection, table_of(Process), processes)
    save_checkpoint(connection, chain_id, checkpoint, head_block)


def save_checkpoint(connection: Connection, chain_id: int, block: BlockHeader, head_block: int) -> None:
    """Record that everything up to `block` is mirrored, and the head seen, for the lag."""
    table = table_of(Checkpoint)
    values = {
        "block_number": block.number,
        "block_hash": block.hash,
        "head_block": head_block,
        "updated_at": datetime.now(UTC),
    }
    updated = connection.execute(table.update().where(table.c.chain_id == chain_id).values(**values))
    if updated.rowcount == 0:
        connection.execute(table.insert().values(chain_id=chain_id, **values))


def _raw_row(chain_id: int, log: RawLog) -> dict[str, Any]:
    topics = list(log.topics) + [None] * (4 - len(log.topics))
    return {
        "chain_id": chain_id,
        "block_number": log.block_number,
        "block_hash": log.block_hash,
        "tx_hash": log.tx_hash,
        "tx_index": log.tx_index,
        "log_index": log.log_index,
        "address": log.address,
        "topic0": topics[0],
        "topic1": topics[1],
        "topic2": topics[2],
        "topic3": topics[3],
        "data": log.data,
    }


def _process_row(chain_id: int, event: DecodedEvent, headers: Mapping[int, BlockHeader]) -> dict[str, Any]:
    log, args = event.log, event.args
    return {
        "chain_id": chain_id,
        "contract_address": log.address,
        "process_id": args["processId"],
        "ocid": args["ocid"],
        "purchaser": args["purchaser"],
        "doc_hash": args["docHash"],
        "created_at": datetime.fromtimestamp(headers[log.block_number].timestamp, UTC),
        "block_number": log.block_number,
        "block_hash": log.block_hash,
        "tx_hash": log.tx_hash,
        "log_index": log.log_index,
    }
