"""Apply stage: write one block range's logs, blocks, projections and checkpoint in the caller's transaction.

Idempotent: a log already in raw_logs was applied before, so re-applying a range skips it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table, select

from ledger.fold.project import TABLES_READ, entity_of, project
from ledger.fold.working_set import MUTABLE_KEYS, Key, Row, WorkingSet
from ledger.indexer.decode import DecodedEvent
from ledger.indexer.fetch import BlockHeader, RawLog
from ledger.store.models import Base, Block, Checkpoint, table_of
from ledger.store.models import RawLog as RawLogRow
from ledger.store.ownership import entity_tables
from ledger.store.types import Amount, sqlite_amount

# The entity every projection table's rows belong to, from the tables' ownership marks: rollback deletes and
# replays whole entities, and apply loads an entity's rows by this column.
ENTITY_COLUMN: dict[str, str] = {entity.table.name: entity.column for entity in entity_tables()}

_CHUNK = 500  # ids per IN (...) clause, well under every backend's parameter limit
_INT64_MAX = 2**63 - 1


def insert_ignoring_duplicates(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert where a row that exists already (same unique key) is skipped: re-applying is a no-op."""
    bulk_insert(connection, table, rows, ignore_duplicates=True)


def bulk_insert(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ignore_duplicates: bool = False
) -> None:
    """Insert `rows` (values by column name) with one driver-level executemany."""
    names = [column.name for column in insert_columns(table)]
    bulk_insert_values(connection, table, [_values(names, row) for row in rows], ignore_duplicates)


def insert_columns(table: Table) -> list[Column[Any]]:
    """The columns an insert gives values for, in the order bulk_insert_values expects: all but the surrogate id."""
    return [column for column in table.columns if column.name != "id"]


def bulk_insert_values(
    connection: Connection, table: Table, values: Sequence[tuple[Any, ...]], ignore_duplicates: bool = False
) -> None:
    """One driver-level executemany of plain tuples in insert_columns order: the hot path, no per-row SQLAlchemy.

    Values must already be in storage form; the one conversion left is SQLite's for amounts beyond int64.
    """
    if not values:
        return
    columns = insert_columns(table)
    mark = _placeholder(connection)
    conflict = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
    names = ", ".join(column.name for column in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))}){conflict}"
    connection.exec_driver_sql(sql, _storable(connection, columns, values))


def _placeholder(connection: Connection) -> str:
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no bulk writes for {dialect.name}; use SQLite or PostgreSQL")
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _storable(
    connection: Connection, columns: Sequence[Column[Any]], values: Sequence[tuple[Any, ...]]
) -> Sequence[tuple[Any, ...]]:
    if connection.dialect.name != "sqlite":
        return values
    amounts = [index for index, column in enumerate(columns) if isinstance(column.type, Amount)]
    return [_sqlite_amounts(row, amounts) for row in values] if amounts else values


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
    cache: RowCache | None = None,
) -> int:
    """Write what one block range produced and move the checkpoint to its last block; returns events applied."""
    seen = _already_stored(connection, chain_id, logs)
    fresh_logs = [log for log in logs if (log.block_hash, log.log_index) not in seen] if seen else logs
    raw_rows = [(chain_id, *log[:6], *_topics(log.topics), log.data) for log in fresh_logs]
    bulk_insert_values(connection, table_of(RawLogRow), raw_rows, ignore_duplicates=True)
    block_rows = [_block_row(chain_id, header) for header in {**headers, checkpoint.number: checkpoint}.values()]
    insert_ignoring_duplicates(connection, table_of(Block), block_rows)
    fresh = [event for event in events if (event.log.block_hash, event.log.log_index) not in seen] if seen else events
    block_times = {number: header.timestamp for number, header in headers.items()}
    apply_events(connection, chain_id, fresh, block_times, cache)
    save_checkpoint(connection, chain_id, checkpoint, head_block)
    return len(fresh)


def _topics(topics: tuple[str, ...]) -> tuple[str | None, ...]:
    return topics + (None,) * (4 - len(topics))


RAW_LOG_COLUMNS = (
    "chain_id", "block_number", "block_hash", "tx_hash", "tx_index", "log_index", "address",
    "topic0", "topic1", "topic2", "topic3", "data",
)  # fmt: skip
"""The order apply_range builds raw_logs rows in: chain id, RawLog's first six fields, the topics, the data."""


def apply_events(
    connection: Connection,
    chain_id: int,
    events: Sequence[DecodedEvent],
    block_times: Mapping[int, int],
    cache: RowCache | None = None,
) -> None:
    """Project `events` (in chain order) onto the tables: load the rows they read, fold, write back in bulk."""
    if not events:
        return
    needs: set[tuple[str, str]] = set()
    for event in events:
        tables = TABLES_READ.get(event.name)
        if tables is not None and (entity := entity_of(event)) is not None:
            needs.update((table, entity[1]) for table in tables)
    working, loaded = load_working_set(connection, chain_id, needs, cache)
    for event in events:
        project(working, event, block_times[event.log.block_number])
    write_working_set(connection, working, loaded)
    if cache is not None:
        cache.remember(working, needs)


Loaded = dict[str, dict[Key, Row]]
"""Per mutable table and row key: the row as it was before the range, to write back only what changed."""


class RowCache:
    """Rows of the mutable tables as written, by (table, entity id), kept from one block range to the next.

    A backfill meets the same processes range after range; the cache saves reading them back every time. It
    holds whole entities only (every row the entity has in that table). It is valid only while each write
    commits: whoever holds it must clear it when a transaction fails or the mirror is rolled back.
    """

    def __init__(self, max_entities: int = 200_000) -> None:
        self._entities: dict[tuple[str, str], dict[Key, Row]] = {}
        self._max_entities = max_entities

    def __len__(self) -> int:
        return len(self._entities)

    def clear(self) -> None:
        """Forget everything, e.g. after a failed transaction or a rollback."""
        self._entities.clear()

    def rows(self, table: str, entity_id: str) -> dict[Key, Row] | None:
        """Every row of `entity_id` in `table`, as last written; None when not cached."""
        return self._entities.get((table, entity_id))

    def remember(self, working: WorkingSet, loaded_entities: Iterable[tuple[str, str]]) -> None:
        """Take in a range's rows: whole for the entities it loaded, and any new rows of entities cached already."""
        if len(self._entities) > self._max_entities:
            self._entities.clear()  # bounded memory; the next ranges read what they need again
        for table, entity_id in loaded_entities:
            self._entities[(table, entity_id)] = {}
        for table, rows in working.rows.items():
            column = ENTITY_COLUMN[table]
            for key, row in rows.items():
                cached = self._entities.get((table, row[column]))
                if cached is not None:
                    cached[key] = row


def load_working_set(
    connection: Connection, chain_id: int, needs: Iterable[tuple[str, str]], cache: RowCache | None = None
) -> tuple[WorkingSet, Loaded]:
    """The rows of `needs` (table, entity id) pairs, from the cache or the database, with what they were."""
    working = WorkingSet(chain_id)
    loaded: Loaded = {}
    missing: dict[str, set[str]] = {}
    for name, entity_id in needs:
        cached = cache.rows(name, entity_id) if cache is not None else None
        if cached is None:
            missing.setdefault(name, set()).add(entity_id)
            continue
        rows, before = working.rows.setdefault(name, {}), loaded.setdefault(name, {})
        for key, row in cached.items():
            rows[key], before[key] = dict(row), row  # rules change the copy; the cached row is the before
    for name, ids in missing.items():
        table, key_columns = _table(name), MUTABLE_KEYS[name]
        columns = insert_columns(table)
        names = [column.name for column in columns]
        rows, before = working.rows.setdefault(name, {}), loaded.setdefault(name, {})
        for chunk in _chunks(sorted(ids)):
            query = select(*columns).where(table.c.chain_id == chain_id, table.c[ENTITY_COLUMN[name]].in_(chunk))
            for values in connection.execute(query):
                row = dict(zip(names, values, strict=True))
                key = tuple(row[column] for column in key_columns)
                rows[key], before[key] = row, dict(row)
    return working, loaded


def write_working_set(connection: Connection, working: WorkingSet, loaded: Loaded) -> None:
    """Insert new rows, update the loaded rows that changed, append the rest, table by table, in bulk."""
    for name, rows in working.rows.items():
        table, before = _table(name), loaded.get(name, {})
        bulk_insert(connection, table, [row for key, row in rows.items() if key not in before])
        _bulk_update(connection, table, [row for key, row in rows.items() if key in before and row != before[key]])
    for name, appended in working.appended.items():
        insert_ignoring_duplicates(connection, _table(name), appended)


def _bulk_update(connection: Connection, table: Table, changed: Sequence[Mapping[str, Any]]) -> None:
    """Write back changed rows, found by their unique key (a row made in an earlier range has no id at hand)."""
    if not changed:
        return
    key = ("chain_id", *MUTABLE_KEYS[table.name])
    columns = [column for column in insert_columns(table) if column.name not in key]
    mark = _placeholder(connection)
    assignments = ", ".join(f"{column.name} = {mark}" for column in columns)
    where = " AND ".join(f"{name} = {mark}" for name in key)
    sql = f"UPDATE {table.name} SET {assignments} WHERE {where}"
    names = [column.name for column in columns] + list(key)
    connection.exec_driver_sql(sql, _storable(connection, columns, [_values(names, row) for row in changed]))


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
