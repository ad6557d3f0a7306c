"""Helpers for indexer tests: build a mirror, dump it, and check it against the chain and a scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_typing import HexStr
from eth_utils.abi import event_abi_to_log_topic
from sqlalchemy import Engine, select
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ledger.chain.ledger_contract import LedgerContract
from ledger.indexer.runner import Indexer, build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.dump import canonical_dump
from ledger.store.models import Base, Checkpoint
from tests.indexer.scenario import Scenario

Dump = dict[str, list[tuple[Any, ...]]]

# Columns that name a transaction besides the row's own event reference; each must be a canonical transaction too.
_OTHER_TX_COLUMNS = ("committed_tx_hash", "revealed_tx_hash", "accepted_tx_hash", "resolved_tx_hash", "removed_tx_hash")


def open_mirror(settings: Settings, w3: Web3, database_url: str, batch_blocks: int = 2_000) -> tuple[Indexer, Engine]:
    """An indexer over a (migrated) database at `database_url`, with `batch_blocks`-block first ranges."""
    engine = make_engine(database_url)
    upgrade_schema(engine)
    indexer = build_indexer(settings.model_copy(update={"index_batch_blocks": batch_blocks}), w3, engine)
    return indexer, engine


def dump(engine: Engine, chain_id: int, with_blocks: bool = True) -> Dump:
    """The canonical dump of the mirror, optionally without the `blocks` table.

    The blocks table holds the blocks that carry logs plus the block each committed range ended on, so two mirrors
    of the same chain built with different range boundaries (small incremental ranges, a resumed run, a rolled-back
    run, one big catch-up) legitimately differ there and nowhere else.
    """
    with engine.connect() as connection:
        result = canonical_dump(connection, chain_id)
    if not with_blocks:
        result.pop("blocks")
    return result


def fresh_dump(settings: Settings, w3: Web3, database_url: str, chain_id: int) -> Dump:
    """The dump of a brand-new mirror indexed in one go from the current chain (blocks table left out)."""
    indexer, engine = open_mirror(settings, w3, database_url)
    indexer.catch_up()
    try:
        return dump(engine, chain_id, with_blocks=False)
    finally:
        engine.dispose()


def assert_mirror_equals_a_fresh_index(
    engine: Engine, settings: Settings, w3: Web3, scratch: Path, chain_id: int
) -> None:
    """The mirror behind `engine` holds exactly the rows of a new mirror indexed in one go into `scratch`.

    The blocks table is left out: where ranges ended depends on how the mirror was built.
    """
    expected = fresh_dump(settings, w3, f"sqlite:///{scratch / 'fresh-index.sqlite3'}", chain_id)
    assert dump(engine, chain_id, with_blocks=False) == expected


def rows(engine: Engine, table: str, chain_id: int, **where: Any) -> list[dict[str, Any]]:
    """Rows of `table` for `chain_id` (and the given column values), in chain order where the table has one."""
    model = Base.metadata.tables[table]
    query = select(model).where(
        model.c.chain_id == chain_id, *(model.c[name] == value for name, value in where.items())
    )
    if "block_number" in model.c:
        query = query.order_by(model.c.block_number, model.c.log_index)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def assert_mirror_is_on_chain(engine: Engine, w3: Web3, chain_id: int, ledger_address: str) -> None:
    """Every row is a log of the ledger in a canonical receipt (tx hash, block, log index, block time)."""
    receipts: dict[str, Any] = {}
    block_times: dict[int, int] = {}

    def receipt(tx_hash: str) -> Any:
        if tx_hash not in receipts:
            try:
                receipts[tx_hash] = w3.eth.get_transaction_receipt(HexStr(tx_hash))
            except TransactionNotFound:
                raise AssertionError(f"the mirror holds transaction {tx_hash}, which the chain does not") from None
        return receipts[tx_hash]

    def block_time(number: int) -> int:
        if number not in block_times:
            block_times[number] = int(w3.eth.get_block(number)["timestamp"])
        return block_times[number]

    checked = 0
    for table in Base.metadata.sorted_tables:
        if "log_index" not in table.c:
            continue
        for row in rows(engine, table.name, chain_id):
            found = receipt(row["tx_hash"])
            where = f"{table.name} row at {row['tx_hash']}:{row['log_index']}"
            assert found["blockHash"].to_0x_hex() == row["block_hash"], f"{where}: not in the canonical block"
            assert found["blockNumber"] == row["block_number"], f"{where}: block {row['block_number']}"
            logs = [log for log in found["logs"] if log["logIndex"] == row["log_index"]]
            assert len(logs) == 1, f"{where}: the receipt has no log {row['log_index']}"
            assert logs[0]["address"].lower() == ledger_address.lower(), f"{where}: the log is not the ledger's"
            if "block_time" in row:
                assert row["block_time"] == block_time(row["block_number"]), f"{where}: block time"
            for column in _OTHER_TX_COLUMNS:
                if column in row and row[column] is not None:
                    assert receipt(row[column])["status"] == 1, f"{where}: {column} is not a mined transaction"
            checked += 1
    assert checked > 0, "the mirror holds no rows at all"
    for block in rows(engine, "blocks", chain_id):
        on_chain = w3.eth.get_block(block["number"])
        assert (on_chain["hash"].to_0x_hex(), on_chain["timestamp"]) == (block["hash"], block["timestamp"]), block
    with engine.connect() as connection:
        number, block_hash = connection.execute(
            select(Checkpoint.block_number, Checkpoint.block_hash).where(Checkpoint.chain_id == chain_id)
        ).one()
    assert w3.eth.get_block(number)["hash"].to_0x_hex() == block_hash, "the checkpoint is not on the chain"


def timeline(engine: Engine, chain_id: int, ledger: LedgerContract, process_id: str) -> list[tuple[str, str]]:
    """(event name, tx hash) of a process's events in chain order: its raw logs, whose topic1 is the process id."""
    names = {
        "0x" + event_abi_to_log_topic(entry).hex(): entry["name"]
        for entry in ledger.contract.abi
        if entry["type"] == "event"
    }
    return [(names[row["topic0"]], row["tx_hash"]) for row in rows(engine, "raw_logs", chain_id, topic1=process_id)]


def assert_mirror_matches_scenario(engine: Engine, chain_id: int, scenario: Scenario, ledger: LedgerContract) -> None:
    """The projections hold exactly the state the scenario left on chain."""
    processes = {row["process_id"]: row for row in rows(engine, "processes", chain_id)}
    assert set(processes) == {run.process_id for run in scenario.processes.values()}
    for label, run in scenario.processes.items():
        pid = run.process_id
        process = processes[pid]
        context = f"{label} ({run.ocid})"
        assert (process["ocid"], process["method"], process["stage"]) == (run.ocid, run.method, run.stage), context
        assert process["amendments"] == run.amendments, context
        assert process["bid_count"] == len(run.bids), context
        assert process["reveal_count"] == len(run.reveal_order), context
        assert process["open_complaints"] == sum(status == "open" for status in run.complaints.values()), context
        assert (process["awardee"], process["award_amount"]) == (run.award or (None, None)), context

        assert timeline(engine, chain_id, ledger, pid) == run.timeline, context

        bids = {row["bidder"]: row for row in rows(engine, "bids", chain_id, process_id=pid)}
        assert set(bids) == set(run.bids), context
        for bidder, bid in run.bids.items():
            stored = bids[bidder]
            expected = (bid.commitment, bid.commitments, bid.relayer, bid.amount is not None, bid.amount)
            assert (
                stored["commitment"],
                stored["commitments"],
                stored["relayer"],
                stored["revealed"],
                stored["amount"],
            ) == expected, f"{context}: bid of {bidder}"
            assert stored["bid_doc_hash"] == bid.bid_doc_hash, f"{context}: bid of {bidder}"

        evaluations = rows(engine, "evaluations", chain_id, process_id=pid)
        if run.reveal_order:
            assert len(evaluations) == 1, context
            assert json.loads(evaluations[0]["revealed_bidders"]) == run.reveal_order, context
            amounts = [str(run.bids[bidder].amount) for bidder in run.reveal_order]
            assert json.loads(evaluations[0]["revealed_amounts"]) == amounts, context
        else:
            assert evaluations == [], context

        awards = [(row["supplier"], row["amount"]) for row in rows(engine, "awards", chain_id, process_id=pid)]
        assert awards == ([run.award] if run.award else []), context

        contracts = rows(engine, "contracts", chain_id, process_id=pid)
        if run.contract is None:
            assert contracts == [], context
        else:
            (stored_contract,) = contracts
            expected_contract = run.contract
            assert {
                key: stored_contract[key]
                for key in ("contract_id", "supplier", "original_value", "value", "amended_total", "paid", "terminated")
            } == vars(expected_contract), context
            on_chain = ledger.call("agreementOf", bytes.fromhex(pid[2:]))
            assert (on_chain[1], on_chain[2]) == (expected_contract.value, expected_contract.paid), context

        milestones = {row["milestone_id"]: row["state"] for row in rows(engine, "milestones", chain_id, process_id=pid)}
        assert milestones == run.milestones, context

        payments = [
            (
                row["payment_id"],
                row["milestone_id"],
                row["amount"],
                row["paid_total"],
                row["remaining"],
                row["payee"],
                row["tx_hash"],
            )
            for row in rows(engine, "payments", chain_id, process_id=pid)
        ]
        assert payments == [
            (p.payment_id, p.milestone_id, p.amount, p.paid_total, p.remaining, p.payee, p.tx_hash)
            for p in run.payments
        ], context

        complaints = {
            row["complaint_id"]: row["status"] for row in rows(engine, "complaints", chain_id, process_id=pid)
        }
        assert complaints == run.complaints, context

        notes = [
            (row["auditor_org"], row["findings_hash"]) for row in rows(engine, "audit_notes", chain_id, process_id=pid)
        ]
        assert notes == run.audit_notes, context

    anchors = [
        (row["root"], row["process_id"], row["anchorer_org"], row["count"], row["tx_hash"])
        for row in rows(engine, "anchors", chain_id)
    ]
    assert anchors == [(a.root, a.process_id, a.anchorer_org, a.count, a.tx_hash) for a in scenario.anchors]

    (budget,) = rows(engine, "budgets", chain_id)
    assert (budget["budget_id"], budget["amount"], budget["committed"]) == (
        scenario.budget_id,
        scenario.budget_amount,
        scenario.committed,
    )
    assert ledger.call("budget", bytes.fromhex(scenario.budget_id[2:]))[1] == scenario.committed

    accounts = {
        (row["org_id"], row["account"]): (row["role"], row["active"])
        for row in rows(engine, "organisation_accounts", chain_id)
    }
    assert accounts == scenario.accounts
