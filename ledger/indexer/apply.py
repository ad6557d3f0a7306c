"""Apply stage: write one block range's logs, blocks, projections and checkpoint in the caller's transaction.

Idempotent: a log already in raw_logs was applied before, so re-applying a range skips it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, select

from ledger.indexer.decode import DecodedEvent
from ledger.indexer.fetch import BlockHeader, RawLog
from ledger.indexer.project import ENTITY_COLUMN, MUTABLE_KEYS, TABLES_READ, WorkingSet, entity_of, project
from ledger.store.models import Base, Block, Checkpoint, table_of
from ledger.store.models import RawLog as RawLogRow
from ledger.store.types import Amount, sqlite_amount

_CHUNK = 500  # ids per IN (...) clause, well under every backend's parameter limit
_INT64_MAX = 2**63 - 1


def insert_ignoring_duplicates(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert where a row that exists already (same unique key) is skipped: re-applying is a no-op."""
    bulk_insert(connection, table, rows, ignore_duplicates=True)


def bulk_insert(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ignore_duplicates: bool = False
) -> None:
    """One driver-level executemany of plain tuples: the hot path, without per-row SQLAlchemy processing.

    Values must already be in storage form; the one conversion left is SQLite's for amounts beyond int64.
    """
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no bulk insert for {dialect.name}; use SQLite or PostgreSQL")
    columns = [column for column in table.columns if column.name != "id"]
    names = [column.name for column in columns]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    conflict = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))}){conflict}"
    params = [_values(names, row) for row in rows]
    if dialect.name == "sqlite":
        amounts = [index for index, column in enumerate(columns) if isinstance(column.type, Amount)]
        if amounts:
            params = [_sqlite_amounts(values, amounts) for values in params]
    connection.exec_driver_sql(sql, params)


def _values(names: Sequence[str], row: Mapping[str, Any]) -> tuple[Any, ...]:
    try:
        return tuple(itemgetter(*names)(row))
    except KeyError:  # a row that leaves optional columns out
        return tuple(row.get(name) for name in names)


def _sqlite_amounts(values: tuple[Any, ...], indexes: Sequence[int]) -> tuple[Any, ...]:
    if all(values[index] is None or values[index] <= _INT64_MAX for index in indexes):
        return values
    converted = list(values)
    for index in indexes:
        converted[index] = sqlite_amount(converted[index])
    return tuple(converted)


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
    """Project `events` (in chain order) onto the tables: load the rows they read, fold, write back in bulk."""
    if not events:
        return
    needs: set[tuple[str, str]] = set()
    for event in events:
        entity = entity_of(event)
        if entity is not None:
            needs.update((table, entity[1]) for table in TABLES_READ.get(event.name, ()))
    working, loaded = load_working_set(connection, chain_id, needs)
    for event in events:
        project(working, event, block_times[event.log.block_number])
    write_working_set(connection, working, loaded)


Loaded = dict[str, dict[tuple[Any, ...], tuple[int, dict[str, Any]]]]
"""Per mutable table and row key: the database id and the values as loaded, to write back only what changed."""


def load_working_set(
    connection: Connection, chain_id: int, needs: Iterable[tuple[str, str]]
) -> tuple[WorkingSet, Loaded]:
    """The rows of `needs` (table, entity id) pairs, with what was loaded."""
    ids_by_table: dict[str, set[str]] = {}
    for name, entity_id in needs:
        ids_by_table.setdefault(name, set()).add(entity_id)
    working = WorkingSet(chain_id)
    loaded: Loaded = {}
    for name, ids in ids_by_table.items():
        table, key_columns = _table(name), MUTABLE_KEYS[name]
        for chunk in _chunks(sorted(ids)):
            query = select(table).where(table.c.chain_id == chain_id, table.c[ENTITY_COLUMN[name]].in_(chunk))
            for row in connection.execute(query).mappings():
                values = dict(row)
                row_id = values.pop("id")
                key = tuple(values[column] for column in key_columns)
                working.rows.setdefault(name, {})[key] = values
                loaded.setdefault(name, {})[key] = (row_id, dict(values))
    return working, loaded


def write_working_set(connection: Connection, working: WorkingSet, loaded: Loaded) -> None:
    """Insert new rows, update the loaded rows that changed, append the rest, table by table, in bulk."""
    for name, rows in working.rows.items():
        table, before = _table(name), loaded.get(name, {})
        bulk_insert(connection, table, [row for key, row in rows.items() if key not in before])
        changed = [(before[key][0], row) for key, row in rows.items() if key in before and row != before[key][1]]
        _bulk_update(connection, table, changed)
    for name, appended in working.appended.items():
        insert_ignoring_duplicates(connection, _table(name), appended)


def _bulk_update(connection: Connection, table: Table, changed: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
    if not changed:
        return
    columns = [column for column in table.columns if column.name != "id"]
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{column.name} = {mark}" for column in columns)
    sql = f"UPDATE {table.name} SET {assignments} WHERE id = {mark}"
    params = [(*(row.get(column.name) for column in columns), row_id) for row_id, row in changed]
    if connection.dialect.name == "sqlite":
        amounts = [index for index, column in enumerate(columns) if isinstance(column.type, Amount)]
        if amounts:
            params = [_sqlite_amounts(values, amounts) for values in params]
    connection.exec_driver_sql(sql, params)


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
        "timestamp": header.timestamp,
    }


def touch_checkpoint(connection: Connection, chain_id: int, head_block: int) -> None:
    """Record the head seen on a pass that found nothing new, so the lag and its age stay current."""
    table = table_of(Checkpoint)
    connection.execute(
        table.update().where(table.c.chain_id == chain_id).values(head_block=head_block, updated_at=datetime.now(UTC))
    )
