"""Audit: the chain against the mirror. It replays with ledger.verify and reads the mirror with ledger.store, and
compares every derived row of a process field by field; verify itself never sees the mirror.

Each difference names the table, the row's key, the field, the chain's value, the mirror's value, and the event
(transaction, log index) that proves the chain's side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from ledger.audit.compare import ROW, Difference, compare_rows, rows_in_scope
from ledger.audit.mirror import compared_columns, mirror_rows
from ledger.chain.ledger_contract import process_id_of
from ledger.indexer.fetch import fetch_chain_id
from ledger.store.models import Checkpoint, table_of
from ledger.store.ownership import entity_tables
from ledger.verify import ChainSource, ReplayedState, replay_chain, replay_process

__all__ = ["ROW", "AuditReport", "Difference", "audit_all", "audit_process"]


@dataclass(frozen=True)
class AuditReport:
    """What an audit compared and every difference it found; consistent when there is none."""

    chain_id: int
    head: int
    events: int
    processes: list[str]
    rows: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        """Whether the mirror holds exactly what the chain proves."""
        return not self.differences


def audit_process(source: ChainSource, engine: Engine, ocid: str) -> AuditReport:
    """Compare process `ocid`'s rows (and its budget line's, organisations' and anchors') with the chain's replay."""
    state = replay_process(source, ocid, _mirrored_up_to(engine, source))
    process_id = "0x" + process_id_of(ocid).hex()
    ids = {
        "process": [process_id],
        "anchor": [process_id],  # anchors filed under the process, found by their process_id column
        "budget": [row["budget_id"] for row in state.rows("budgets")],
        "org": sorted({row["org_id"] for table in _ORG_TABLES for row in state.rows(table)}),
    }
    return _audit(state, engine, ids, [ocid])


def audit_all(source: ChainSource, engine: Engine) -> AuditReport:
    """Compare every projection row of the mirror with one bulk replay of the whole deployment."""
    state = replay_chain(source, _mirrored_up_to(engine, source))
    return _audit(state, engine, None, [row["ocid"] for row in state.rows("processes")])


_ORG_TABLES = ("organisations", "organisation_accounts", "ocid_prefixes")


def _mirrored_up_to(engine: Engine, source: ChainSource) -> int | None:
    """The block the mirror's checkpoint is at: the chain is replayed that far, so indexer lag is no difference.
    With no checkpoint the mirror holds nothing, and the replay goes to the head."""
    chain_id = fetch_chain_id(source.w3)
    with engine.connect() as connection:
        table = table_of(Checkpoint)
        return connection.execute(select(table.c.block_number).where(table.c.chain_id == chain_id)).scalar()


def _audit(state: ReplayedState, engine: Engine, ids: dict[str, list[str]] | None, processes: list[str]) -> AuditReport:
    differences: list[Difference] = []
    compared = 0
    with engine.connect() as connection:
        for entity in entity_tables():
            table = entity.table
            column = "process_id" if entity.kind == "anchor" else entity.column
            wanted = None if ids is None else ids[entity.kind]
            chain_rows = rows_in_scope(state, table.name, column, wanted)
            stored = mirror_rows(connection, table, state.chain_id, column, wanted)
            compared += len(chain_rows)
            differences += compare_rows(state, table.name, compared_columns(table), chain_rows, stored)
    return AuditReport(state.chain_id, state.head, state.events, processes, compared, differences)
