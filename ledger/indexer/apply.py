"""Apply stage: write one block range's logs, blocks, projections and checkpoint in the caller's transaction.

Idempotent: a log already in raw_logs was applied before, so re-applying a range skips it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from ledger.indexer.decode import DecodedEvent
from ledger.indexer.fetch import BlockHeader, RawLog
from ledger.indexer.project import ENTITY_COLUMN, ENTITY_KIND_OF_TABLE, MUTABLE_KEYS, WorkingSet, entity_of, project
from ledger.store.models import Base, Block, Checkpoint, table_of
from ledger.store.models import RawLog as RawLogRow

_CHUNK = 500  # ids per IN (...) clause, well under every backend's parameter limit


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
) -> int:
    """Write what one block range produced and move the checkpoint to its last block; returns events applied."""
    seen = _already_stored(connection, chain_id, logs)
    fresh_logs = [log for log in logs if (log.block_hash, log.log_index) not in seen]
    insert_ignoring_duplicates(connection, table_of(RawLogRow), [_raw_row(chain_id, log) for log in fresh_logs])
    block_rows = [_block_row(chain_id, header) for header in {**headers, checkpoint.number: checkpoint}.values()]
    insert_ignoring_duplicates(connection, table_of(Block), block_rows)
    fresh = [event for event in events if (event.log.block_hash, event.log.log_index) not in seen]
    apply_events(connection, chain_id, fresh, {number: header.timestamp for number, header in headers.items()})
    save_checkpoint(connection, chain_id, checkpoint, head_block)
    return len(fresh)


def apply_events(
    connection: Connection, chain_id: int, events: Sequence[DecodedEvent], block_times: Mapping[int, int]
) -> None:
    """Project `events` (in chain order) onto the tables: load their entities' rows, fold, write back in bulk."""
    if not events:
        return
    working, loaded = load_working_set(connection, chain_id, (entity_of(event) for event in events))
    for event in events:
        project(working, event, datetime.fromtimestamp(block_times[event.log.block_number], UTC))
    write_working_set(connection, working, loaded)


def load_working_set(
    connection: Connection, chain_id: int, entities: Iterable[tuple[str, str] | None]
) -> tuple[WorkingSet, dict[str, dict[tuple[Any, ...], int]]]:
    """The mutable rows of these entities, and the database id of each loaded row by table and key."""
    ids_by_kind: dict[str, set[str]] = {}
    for entity in entities:
        if entity is not None:
            ids_by_kind.setdefault(entity[0], set()).add(entity[1])
    working = WorkingSet(chain_id)
    loaded: dict[str, dict[tuple[Any, ...], int]] = {}
    for name, key_columns in MUTABLE_KEYS.items():
        ids = sorted(ids_by_kind.get(ENTITY_KIND_OF_TABLE[name], ()))
        table = _table(name)
        for chunk in _chunks(ids):
            query = select(table).where(table.c.chain_id == chain_id, table.c[ENTITY_COLUMN[name]].in_(chunk))
            for row in connection.execute(query).mappings():
                values = dict(row)
                row_id = values.pop("id")
                key = tuple(values[column] for column in key_columns)
                working.rows.setdefault(name, {})[key] = values
                loaded.setdefault(name, {})[key] = row_id
    return working, loaded


def write_working_set(
    connection: Connection, working: WorkingSet, loaded: Mapping[str, Mapping[tuple[Any, ...], int]]
) -> None:
    """Insert new rows and update loaded ones, table by table, in bulk."""
    for name, rows in working.rows.items():
        table, ids = _table(name), loaded.get(name, {})
        new = [row for key, row in rows.items() if key not in ids]
        if new:
            connection.execute(table.insert(), new)
        # Bound names must differ from column names in an UPDATE's SET clause, hence the prefix.
        changed = [{f"new_{column}": value for column, value in row.items()} | {"row_id": ids[key]}
                   for key, row in rows.items() if key in ids]  # fmt: skip
        if changed:
            columns = [name[4:] for name in changed[0] if name.startswith("new_")]
            statement = table.update().where(table.c.id == bindparam("row_id"))
            connection.execute(statement.values({column: bindparam(f"new_{column}") for column in columns}), changed)
    for name, appended in working.appended.items():
        insert_ignoring_duplicates(connection, _table(name), appended)


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


def _already_stored(connection: Connection, chain_id: int, logs: Sequence[RawLog]) -> set[tuple[str, int]]:
    if not logs:
        return set()
    table = table_of(RawLogRow)
    query = select(table.c.block_hash, table.c.log_index).where(
        table.c.chain_id == chain_id,
        table.c.block_number.between(logs[0].block_number, logs[-1].block_number),
    )
    return {(row.block_hash, row.log_index) for row in connection.execute(query)}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


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


def _block_row(chain_id: int, header: BlockHeader) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "number": header.number,
        "hash": header.hash,
        "parent_hash": header.parent_hash,
        "timestamp": datetime.fromtimestamp(header.timestamp, UTC),
    }


def touch_checkpoint(connection: Connection, chain_id: int, head_block: int) -> None:
    """Record the head seen on a pass that found nothing new, so the lag and its age stay current."""
    table = table_of(Checkpoint)
    connection.execute(
        table.update().where(table.c.chain_id == chain_id).values(head_block=head_block, updated_at=datetime.now(UTC))
    )
