"""Which tables derive from the chain and which hold off-chain data, read from the marks in their `Table.info`.

Reset, the canonical dump and reorg rollback ask here, so none of them names a table: a new table only has to be
marked (ledger.store.marks), and tests/store/test_ownership.py fails when one is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

# Imported to register their tables on Base.metadata.
from ledger.store import anchor_batch_models, document_models, gateway_models, ocds_models, projections, reorgs  # noqa: F401
from ledger.store.marks import DERIVED, ENTITY_COLUMN, ENTITY_KIND, OFF_CHAIN, OWNERSHIP
from ledger.store.models import Base


@dataclass(frozen=True)
class EntityTable:
    """A projection table and the entity its rows belong to: rollback deletes them by `column`."""

    table: Table
    kind: str
    column: str


def unmarked_tables() -> list[str]:
    """Tables whose ownership mark is missing or unknown; must stay empty."""
    return [
        table.name for table in Base.metadata.sorted_tables if table.info.get(OWNERSHIP) not in (DERIVED, OFF_CHAIN)
    ]


def derived_tables() -> list[Table]:
    """Tables derived from the chain (chain tables and projections), in dependency order."""
    return _tables_owned(DERIVED)


def off_chain_tables() -> list[Table]:
    """Tables of off-chain data, which reindex and rollback leave alone."""
    return _tables_owned(OFF_CHAIN)


def entity_tables() -> list[EntityTable]:
    """The derived tables whose rows belong to an entity (process, budget, organisation, anchor)."""
    return [
        EntityTable(table, table.info[ENTITY_KIND], table.info[ENTITY_COLUMN])
        for table in derived_tables()
        if ENTITY_KIND in table.info
    ]


def _tables_owned(ownership: str) -> list[Table]:
    unmarked = unmarked_tables()
    if unmarked:  # refusing beats guessing: a guess could empty off-chain data on the next reindex
        raise RuntimeError(f"tables {unmarked} carry no ownership mark; mark them with ledger.store.marks")
    return [table for table in Base.metadata.sorted_tables if table.info[OWNERSHIP] == ownership]
