"""The mirror against the chain: a faithful mirror is consistent; every edit made to it with SQL is reported as
exactly that field, with the chain's value, the mirror's, and the event that proves the chain's side."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from ledger.audit import ROW, audit_all, audit_process
from ledger.chain.ledger_contract import process_id_of
from ledger.demo import DEMO_PROCESSES, QUARTER_AMOUNT
from ledger.verify import ChainSource

SINGLE_SOURCE = DEMO_PROCESSES[1]


def _event_of(engine: Engine, sql: str, **params: str) -> tuple[str, int]:
    with engine.connect() as connection:
        row = connection.execute(text(sql), params).one()
    return str(row[0]), int(row[1])


@pytest.mark.parametrize("process", DEMO_PROCESSES, ids=lambda process: process.ocid)
def test_a_faithful_mirror_is_consistent_for_each_demo_process(
    source: ChainSource, mirror: Engine, process: object
) -> None:
    report = audit_process(source, mirror, process.ocid)  # type: ignore[attr-defined]
    assert report.differences == []
    assert report.consistent and report.rows > 0


def test_an_edited_payment_amount_and_stage_are_reported_exactly_with_chain_and_mirror_values_and_evidence(
    source: ChainSource, mirror: Engine
) -> None:
    pid = "0x" + process_id_of(SINGLE_SOURCE.ocid).hex()
    payment_tx = _event_of(mirror, "select tx_hash, log_index from payments where process_id = :p", p=pid)
    with mirror.begin() as connection:
        connection.execute(text("update payments set amount = 99900000 where process_id = :p"), {"p": pid})
        connection.execute(text("update processes set stage = 'completed' where process_id = :p"), {"p": pid})
    report = audit_process(source, mirror, SINGLE_SOURCE.ocid)
    found = {(item.table, item.field): item for item in report.differences}
    assert set(found) == {("payments", "amount"), ("processes", "stage")}
    payment, stage = found["payments", "amount"], found["processes", "stage"]
    assert (payment.chain, payment.mirror) == (str(QUARTER_AMOUNT), "99900000")
    assert (payment.tx_hash, payment.log_index) == payment_tx
    assert payment.key["process_id"] == pid and set(payment.key) == {"process_id", "payment_id"}
    assert (stage.chain, stage.mirror) == ("implementation", "completed")
    delivered = _event_of(
        mirror, "select delivered_tx_hash, 0 from milestones where process_id = :p and state != 'scheduled'", p=pid
    )
    assert stage.tx_hash == delivered[0], "the stage's evidence is the delivery that moved it to implementation"
    assert not report.consistent


def test_a_row_deleted_from_the_mirror_and_a_row_added_to_it_are_reported_as_rows(
    source: ChainSource, mirror: Engine
) -> None:
    pid = "0x" + process_id_of(SINGLE_SOURCE.ocid).hex()
    with mirror.begin() as connection:
        connection.execute(text("delete from awards where process_id = :p"), {"p": pid})
        connection.execute(
            text(
                "insert into audit_notes (chain_id, process_id, note_id, note_ref, auditor_org, findings_hash, "
                "block_number, block_hash, tx_hash, log_index, block_time) select chain_id, process_id, :n, :n, "
                "supplier_org, doc_hash, block_number, block_hash, tx_hash, log_index, block_time from contracts "
                "where process_id = :p"
            ),
            {"p": pid, "n": "0x" + "77" * 32},
        )
    report = audit_process(source, mirror, SINGLE_SOURCE.ocid)
    shown = {(item.table, item.field, item.chain, item.mirror) for item in report.differences}
    assert shown == {("awards", ROW, "present", None), ("audit_notes", ROW, None, "present")}


def test_audit_all_replays_once_and_reports_edits_across_processes(source: ChainSource, mirror: Engine) -> None:
    assert audit_all(source, mirror).consistent
    with mirror.begin() as connection:
        connection.execute(text("update bids set amount = 1 where amount is not null"))
        connection.execute(text("update budgets set committed = committed + 1"))
    report = audit_all(source, mirror)
    assert {(item.table, item.field) for item in report.differences} == {("bids", "amount"), ("budgets", "committed")}
    assert len([item for item in report.differences if item.table == "bids"]) == 2
    assert sorted(report.processes) == sorted(process.ocid for process in DEMO_PROCESSES)
