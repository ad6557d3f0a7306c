"""A canonical dump of what the mirror derived from one chain: equal dumps mean equal mirrors, row for row.

Surrogate ids and bookkeeping times are left out (they depend on insertion order and wall clock, not on the
chain), and rows are sorted, so an incremental index, a rebuild and a rolled-back mirror can be compared.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from ledger.store.ownership import derived_tables

_SKIPPED_COLUMNS = {"id", "updated_at", "head_block"}


def canonical_dump(connection: Connection, chain_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every table derived from the chain, its rows for `chain_id`, without surrogate columns, sorted."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    for table in derived_tables():
        columns = [column for column in table.c if column.name not in _SKIPPED_COLUMNS]
        rows = connection.execute(select(*columns).where(table.c.chain_id == chain_id)).all()
        dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return dump
