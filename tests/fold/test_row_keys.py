"""The fold names each projection row by the same columns the mirror's unique constraints use, without importing
the store: these pin the two together."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from ledger.fold.working_set import ROW_KEYS
from ledger.store.ownership import entity_tables


def test_every_projection_table_has_a_row_key_equal_to_its_unique_constraint_without_the_chain_id() -> None:
    constraints = {}
    for entity in entity_tables():
        (unique,) = [item for item in entity.table.constraints if isinstance(item, UniqueConstraint)]
        constraints[entity.table.name] = tuple(column.name for column in unique.columns if column.name != "chain_id")
    assert constraints == ROW_KEYS
