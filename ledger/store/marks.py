"""How a table says where its rows come from: a mark in its `Table.info`, read by ledger.store.ownership.

Derived tables hold what the chain says and can be rebuilt from it: reindex empties them and a reorg rolls them
back. A projection table also names the entity its rows belong to (kind and column): rollback deletes and replays
whole entities. Off-chain tables hold what only this operator has (documents, leaf lists, names): neither reindex
nor rollback touches them.
"""

from __future__ import annotations

from typing import Any

OWNERSHIP = "ownership"
DERIVED = "derived"
OFF_CHAIN = "off_chain"
ENTITY_KIND = "entity_kind"
ENTITY_COLUMN = "entity_column"


def derived(entity_kind: str | None = None, entity_column: str | None = None) -> dict[str, Any]:
    """The mark of a table derived from the chain; a projection names its entity's kind and id column."""
    if (entity_kind is None) != (entity_column is None):
        raise ValueError("a projection names both its entity kind and its entity column, or neither")
    mark: dict[str, Any] = {OWNERSHIP: DERIVED}
    if entity_kind is not None:
        mark |= {ENTITY_KIND: entity_kind, ENTITY_COLUMN: entity_column}
    return {"info": mark}


def off_chain() -> dict[str, Any]:
    """The mark of a table of off-chain data, which no reindex or rollback may touch."""
    return {"info": {OWNERSHIP: OFF_CHAIN}}
