"""Every event of the ledger has a projection rule, except the access-control bookkeeping OpenZeppelin emits;
the apply stage's positional rows match the table."""

from __future__ import annotations

import json

from ledger.fold.project import RULES, TABLES_READ
from ledger.fold.working_set import MUTABLE_KEYS
from ledger.indexer.apply import ENTITY_COLUMN, RAW_LOG_COLUMNS, insert_columns
from ledger.indexer.fetch import RawLog
from ledger.store.models import RawLog as RawLogRow
from ledger.store.models import table_of
from tests.helpers import PROJECT_DIR

# Roles come from organisation membership (projected from its own events); the admin's delayed transfer is
# governance bookkeeping OpenZeppelin emits, kept in raw_logs like every log of the ledger.
NOT_PROJECTED = {
    "RoleGranted",
    "RoleRevoked",
    "RoleAdminChanged",
    "EIP712DomainChanged",
    "DefaultAdminTransferScheduled",
    "DefaultAdminTransferCanceled",
    "DefaultAdminDelayChangeScheduled",
    "DefaultAdminDelayChangeCanceled",
}


def test_each_event_of_the_abi_has_a_rule_and_each_rule_an_event(built: None) -> None:
    artifact = json.loads((PROJECT_DIR / "build" / "contracts" / "ProcurementLedger.json").read_text())
    events = {str(entry["name"]) for entry in artifact["abi"] if entry["type"] == "event"}
    assert set(RULES) == events - NOT_PROJECTED
    assert events >= NOT_PROJECTED


def test_the_tables_a_rule_reads_are_mutable_tables_of_known_entities() -> None:
    assert set(TABLES_READ) <= set(RULES)
    for tables in TABLES_READ.values():
        assert all(table in MUTABLE_KEYS and table in ENTITY_COLUMN for table in tables), tables


def test_raw_log_rows_are_built_in_the_tables_column_order() -> None:
    assert tuple(column.name for column in insert_columns(table_of(RawLogRow))) == RAW_LOG_COLUMNS
    assert RawLog._fields[:6] == RAW_LOG_COLUMNS[1:7]  # apply_range takes them positionally after the chain id
