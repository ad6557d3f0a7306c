"""The mirror's side of an audit: its projection rows, read by entity, in the fold's row shape."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, select

from ledger.fold.working_set import ROW_KEYS, Key, Row


def compared_columns(table: Table) -> list[str]:
    """The columns an audit compares: every column but the surrogate id."""
    return [column.name for column in table.columns if column.name != "id"]


def mirror_rows(
    connection: Connection, table: Table, chain_id: int, column: str | None, ids: Iterable[str] | None
) -> dict[Key, Row]:
    """The rows of `table` for `chain_id` whose `column` is one of `ids` (all when `ids` is None), by row key."""
    names = compared_columns(table)
    query = select(*(table.c[name] for name in names)).where(table.c.chain_id == chain_id)
    if ids is not None and column is not None:
        query = query.where(table.c[column].in_(sorted(set(ids))))
    rows: dict[Key, Row] = {}
    for values in connection.execute(query):
        row = dict(zip(names, values, strict=True))
        rows[tuple(row[name] for name in ROW_KEYS[table.name])] = row
    return rows
