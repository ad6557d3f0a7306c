"""Every projection table, edited in the mirror with SQL: the audit reports exactly that table and field, with the
chain's value, the mirror's, and the event that proves the chain's side.

The tables come from the ownership marks (ledger.store.ownership), so a new projection table is tampered with here
as soon as it is marked; the column edited in each is chosen so that amounts, stages, supplier organisations and
document hashes are all among them.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Boolean, Connection, Engine, Integer, String, Table, Text, select, text
from sqlalchemy.orm import Session

from ledger.audit import Difference, audit_all, audit_process
from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.ledger_contract import process_id_of, reference
from ledger.demo import DAY, PURCHASER
from ledger.errors import VerificationError
from ledger.fold.working_set import APPENDED_KEYS, ROW_KEYS
from ledger.store.anchoring import document_proofs
from ledger.store.models import table_of
from ledger.store.ownership import derived_tables, entity_tables, off_chain_tables
from ledger.store.projections import AnchoredDocument
from ledger.store.types import Amount
from ledger.verify import ChainSource
from tests.api.conftest import DemoChain
from tests.api.lifecycle import SEALED, TENDER, sha

PROJECTIONS = {entity.table.name: entity for entity in entity_tables()}

# The fields edited per table, one test each; a table not named here gets its first column that is neither part of
# its key nor of its event reference.
EDITED = {
    "organisations": ("suspension_doc_hash",),  # a document hash
    "organisation_accounts": ("active",),
    "ocid_prefixes": ("prefix",),
    "budgets": ("amount",),  # an amount
    "processes": ("stage", "supplier_org"),  # a stage, a supplier organisation
    "tender_amendments": ("doc_hash",),
    "bids": ("bid_doc_hash",),
    "evaluations": ("report_hash",),
    "awards": ("supplier_org",),
    "contracts": ("paid",),
    "contract_amendments": ("increase",),
    "milestones": ("state",),
    "payments": ("payee_org",),
    "complaints": ("status",),
    "audit_notes": ("findings_hash",),
    "anchors": ("count",),
}
EVENT_COLUMNS = ("chain_id", "block_number", "block_hash", "tx_hash", "log_index", "block_time")
FORGED_HASH = "0x" + "e7" * 32


@pytest.fixture(scope="module")
def demo_chain(demo_chain: DemoChain) -> DemoChain:
    """The demo chain (tests/api/conftest.py) with the two kinds of act its lifecycle leaves out, so every
    projection table holds a row to tamper with: the sealed tender amended, the lifecycle's contract amended."""
    settings, ledger = demo_chain.settings, demo_chain.ledger
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    now = int(connect(settings.rpc_url).eth.get_block("latest")["timestamp"])
    ledger.send(
        purchaser, "amendTender", process_id_of(SEALED.ocid), reference("tender amendment 1"),
        sha("物业管理服务招标文件 v2"), sha("Why v2: a longer tender period."), now + 90 * DAY, now + 91 * DAY,
    )  # fmt: skip
    ledger.send(
        purchaser, "amendContract", process_id_of(TENDER.ocid), reference("contract amendment 1"), 1_000_00,
        sha("Supplementary agreement 1"), [reference("CT-2026-0001/M3")], [1_000_00],
    )  # fmt: skip
    return demo_chain


def test_the_edited_fields_cover_amounts_stages_suppliers_and_document_hashes_of_real_columns() -> None:
    for table, columns in EDITED.items():
        assert table in PROJECTIONS, f"{table} is no longer a projection table; drop it from EDITED"
        for column in columns:
            assert column in PROJECTIONS[table].table.c and column not in ROW_KEYS[table], (table, column)
    assert {"amount", "stage", "supplier_org", "suspension_doc_hash"} <= {c for cs in EDITED.values() for c in cs}


def test_the_derived_tables_left_out_of_the_audit_are_the_chain_tables_it_replays_instead() -> None:
    # raw_logs and blocks are the mirror's copy of the node's logs and headers, and checkpoints its position: the
    # audit does not compare them by design, because it reads every log and header from the node itself
    # (ledger.verify) and compares what they fold to. A derived table outside these three must be a projection.
    left_out = {table.name for table in derived_tables()} - set(PROJECTIONS)
    assert left_out == {"raw_logs", "blocks", "checkpoints"}
    assert set(PROJECTIONS) == set(ROW_KEYS), "every projection table has a row key the audit can compare by"


def test_a_leaf_edited_in_the_off_chain_leaf_list_is_refused_when_its_proof_is_served(mirror: Engine) -> None:
    # anchored_documents is off chain (the chain holds each batch's root and leaf count, not its leaves), so the
    # audit does not compare it. What guards it: every proof served is checked against the anchored root first.
    assert "anchored_documents" in {table.name for table in off_chain_tables()}
    leaves = table_of(AnchoredDocument)
    with mirror.connect() as connection:
        row = connection.execute(select(leaves).order_by(leaves.c.id.desc()).limit(1)).mappings().one()
    with mirror.begin() as connection:
        connection.execute(leaves.update().where(leaves.c.id == row["id"]).values(doc_hash=FORGED_HASH))
    with Session(mirror) as session:
        with pytest.raises(VerificationError, match=rf"^expected root {row['root']}, got 0x[0-9a-f]{{64}}$"):
            document_proofs(session, FORGED_HASH)
        assert row["root"] not in {proof.anchor.root for proof in document_proofs(session, row["doc_hash"])}


def _first_plain_column(table: Table) -> str:
    keys = set(ROW_KEYS[table.name]) | set(EVENT_COLUMNS) | {"id"}
    return next(column.name for column in table.columns if column.name not in keys)


def _edits() -> list[tuple[str, str]]:
    return [
        (name, column)
        for name, entity in sorted(PROJECTIONS.items())
        for column in EDITED.get(name) or (_first_plain_column(entity.table),)
    ]


@pytest.mark.parametrize(("table_name", "column"), _edits(), ids=lambda value: str(value))
def test_a_field_edited_in_any_projection_table_is_reported_by_the_audit_as_exactly_that_field(
    source: ChainSource, mirror: Engine, table_name: str, column: str
) -> None:
    table = PROJECTIONS[table_name].table
    with mirror.connect() as connection:
        row = _latest_row_with(connection, table, column)
    forged = _forged(table, column, row[column])
    with mirror.begin() as connection:
        connection.execute(table.update().where(table.c.id == row["id"]).values({column: forged}))

    reports = {"audit_all": audit_all(source, mirror)}
    if row.get("process_id") is not None:
        reports["audit_process"] = audit_process(source, mirror, _ocid_of(mirror, row["process_id"]))
    for name, report in reports.items():
        assert [(item.table, item.field) for item in report.differences] == [(table_name, column)], name
        difference = report.differences[0]
        assert difference.key == {key: str(row[key]) for key in ROW_KEYS[table_name]}, name
        assert (difference.chain, difference.mirror) == (_shown(row[column]), _shown(forged)), name
        _assert_evidence_proves(mirror, table_name, row, difference)
        assert not report.consistent


def _latest_row_with(connection: Connection, table: Table, column: str) -> dict[str, Any]:
    """The row the latest event made among those holding a value in `column`: the lifecycle's where it has one."""
    query = (
        select(table)
        .where(table.c[column].is_not(None))
        .order_by(table.c.block_number.desc(), table.c.log_index.desc())
        .limit(1)
    )
    row = connection.execute(query).mappings().first()
    assert row is not None, f"the demo and tests/api/lifecycle.py leave no {table.name} row with a {column}"
    return dict(row)


def _forged(table: Table, column: str, value: Any) -> Any:
    """Another value of the column's type, as someone editing the mirror would write it."""
    kind = table.c[column].type
    if isinstance(kind, Boolean):
        return not value
    if isinstance(kind, Amount | Integer):
        return int(value) + 1
    if isinstance(kind, Text):
        return "[]" if value != "[]" else '["0x00"]'
    assert isinstance(kind, String) and kind.length is not None
    if kind.length == len(FORGED_HASH):
        return FORGED_HASH
    if kind.length == 42:  # an address
        return "0x" + "e7" * 20
    return "tampered" if value != "tampered" else "forged"


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _ocid_of(engine: Engine, process_id: str) -> str:
    with engine.connect() as connection:
        query = text("select ocid from processes where process_id = :p")
        return str(connection.execute(query, {"p": process_id}).scalar_one())


def _assert_evidence_proves(engine: Engine, table: str, row: dict[str, Any], difference: Difference) -> None:
    """The evidence is a log the mirror holds: for a row never changed after it was appended, the row's own event;
    for a row events change, an event at or after the row's, naming the row's entity in a topic."""
    evidence = (difference.tx_hash, difference.log_index)
    if table in APPENDED_KEYS:
        assert evidence == (row["tx_hash"], row["log_index"])
        return
    entity = row[PROJECTIONS[table].column]
    with engine.connect() as connection:
        log = connection.execute(
            text("select block_number, topic1, topic2, topic3 from raw_logs where tx_hash = :t and log_index = :i"),
            {"t": difference.tx_hash, "i": difference.log_index},
        ).one()
    assert log.block_number >= row["block_number"], (evidence, row)
    assert entity in (log.topic1, log.topic2, log.topic3), f"evidence {evidence} does not name {entity}"
