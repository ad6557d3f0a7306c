"""Every event of the ledger has a projection rule, except the access-control bookkeeping OpenZeppelin emits."""

from __future__ import annotations

import json

from ledger.indexer.project import ENTITY_COLUMN, RULES, TABLES_READ
from ledger.indexer.working_set import MUTABLE_KEYS
from tests.helpers import PROJECT_DIR

NOT_PROJECTED = {"RoleGranted", "RoleRevoked", "RoleAdminChanged", "EIP712DomainChanged"}  # roles: via accounts


def test_each_event_of_the_abi_has_a_rule_and_each_rule_an_event(built: None) -> None:
    artifact = json.loads((PROJECT_DIR / "build" / "contracts" / "ProcurementLedger.json").read_text())
    events = {str(entry["name"]) for entry in artifact["abi"] if entry["type"] == "event"}
    assert set(RULES) == events - NOT_PROJECTED
    assert events >= NOT_PROJECTED


def test_the_tables_a_rule_reads_are_mutable_tables_of_known_entities() -> None:
    assert set(TABLES_READ) <= set(RULES)
    for tables in TABLES_READ.values():
        assert all(table in MUTABLE_KEYS and table in ENTITY_COLUMN for table in tables), tables
