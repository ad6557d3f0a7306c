"""Helpers for indexer tests: build a mirror, dump it, and check it against the chain and a scenario."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from eth_typing import HexStr
from eth_utils.abi import event_abi_to_log_topic
from sqlalchemy import Engine, select
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ledger.chain.ledger_contract import LedgerContract
from ledger.fold.rules import RULES
from ledger.indexer.runner import Indexer, build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.dump import canonical_dump
from ledger.store.models import Base, Checkpoint
from tests.indexer.scenario import (
    COMPLAINT_STATUSES,
    METHODS,
    MILESTONE_STATES,
    ROLE_NAMES,
    STAGES,
    AnchorRun,
    AuditNoteRun,
    BidRun,
    ComplaintRun,
    ContractAmendmentRun,
    ContractRun,
    MilestoneRun,
    OrganisationRun,
    PaymentRun,
    ProcessRun,
    Scenario,
    TenderAmendmentRun,
)

Dump = dict[str, list[tuple[Any, ...]]]

# Columns that name a transaction besides the row's own event reference; each must be a canonical transaction too.
_OTHER_TX_COLUMNS = (
    "committed_tx_hash",
    "revealed_tx_hash",
    "delivered_tx_hash",
    "accepted_tx_hash",
    "resolved_tx_hash",
    "removed_tx_hash",
    "suspended_tx_hash",
)


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


def timeline(engine: Engine, chain_id: int, ledger: LedgerContract, entity_id: str) -> list[tuple[str, str]]:
    """(event name, tx hash) of an entity's events in chain order: its raw logs, whose topic1 is the entity's id (a
    process, an organisation, a budget line)."""
    return _raw_log_events(engine, chain_id, ledger, topic1=entity_id)


def assert_mirror_matches_scenario(engine: Engine, chain_id: int, scenario: Scenario, ledger: LedgerContract) -> None:
    """The projections hold exactly the state the scenario left on chain, and agree with the ledger's views."""
    names = {name for name, _tx_hash in _raw_log_events(engine, chain_id, ledger)}
    assert set(RULES) <= names, f"the history lacks events the indexer projects: {sorted(set(RULES) - names)}"
    _assert_parties(engine, chain_id, scenario, ledger)
    _assert_budget(engine, chain_id, scenario, ledger)
    processes = {row["process_id"]: row for row in rows(engine, "processes", chain_id)}
    assert set(processes) == {run.process_id for run in scenario.processes.values()}
    for label, run in scenario.processes.items():
        context = f"{label} ({run.ocid})"
        _assert_process(run, processes[run.process_id], scenario, ledger, context)
        assert timeline(engine, chain_id, ledger, run.process_id) == run.timeline, context
        _assert_tendering(engine, chain_id, run, ledger, context)
        _assert_contract(engine, chain_id, run, ledger, context)
        _assert_oversight(engine, chain_id, run, ledger, context)
    _assert_anchors(engine, chain_id, scenario, ledger)


def _raw_log_events(engine: Engine, chain_id: int, ledger: LedgerContract, **where: Any) -> list[tuple[str, str]]:
    """(event name, tx hash) of the ledger's raw logs (with the given column values), in chain order."""
    names = {
        "0x" + event_abi_to_log_topic(entry).hex(): entry["name"]
        for entry in ledger.contract.abi
        if entry["type"] == "event"
    }
    return [(names[row["topic0"]], row["tx_hash"]) for row in rows(engine, "raw_logs", chain_id, **where)]


Run = TypeVar("Run")


def _as(kind: type[Run], row: dict[str, Any]) -> Run:
    """The row's columns named like the fields of dataclass `kind`, as one: what the scenario states per row."""
    return kind(**{item.name: row[item.name] for item in fields(kind)})  # type: ignore[arg-type]


def _word(value: str | None) -> bytes:
    """A 0x-hex hash of the mirror as the 32 bytes the ledger's views take (zero for None)."""
    return bytes.fromhex(value[2:]) if value is not None else bytes(32)


def _hex(value: bytes) -> str:
    """A bytes32 of the ledger's views as the mirror stores it."""
    return "0x" + bytes(value).hex()


def _assert_parties(engine: Engine, chain_id: int, scenario: Scenario, ledger: LedgerContract) -> None:
    """Organisations (with their suspensions), ocid prefixes, accounts, and the events of each organisation."""
    organisations = {row["org_id"]: _as(OrganisationRun, row) for row in rows(engine, "organisations", chain_id)}
    assert organisations == scenario.organisations
    for org_id, organisation in scenario.organisations.items():
        role, suspended_by = ledger.call("organisation", _word(org_id))
        assert (ROLE_NAMES[bytes(role)], bytes(suspended_by)) == (organisation.role, _word(organisation.suspended_by))

    prefixes = [(row["org_id"], row["prefix_hash"], row["prefix"]) for row in rows(engine, "ocid_prefixes", chain_id)]
    assert prefixes == scenario.ocid_prefixes
    for org_id, _prefix_hash, prefix in scenario.ocid_prefixes:
        assert ledger.call("ocidPrefixOwner", prefix) == _word(org_id), prefix

    accounts = {
        (row["org_id"], row["account"]): (row["role"], row["active"])
        for row in rows(engine, "organisation_accounts", chain_id)
    }
    assert accounts == scenario.accounts
    for (org_id, account), (_role, active) in scenario.accounts.items():
        signs_for = ledger.call("organisationOf", Web3.to_checksum_address(account))
        assert signs_for == (_word(org_id) if active else bytes(32)), account

    _assert_entity_timelines(engine, chain_id, scenario, ledger, scenario.organisations)


def _assert_entity_timelines(
    engine: Engine, chain_id: int, scenario: Scenario, ledger: LedgerContract, entities: Iterable[str]
) -> None:
    """The events of each entity (topic 1): first those of the set-up, by name, then exactly the scenario's."""
    written = set(scenario.tx_hashes)
    for entity in entities:
        events = timeline(engine, chain_id, ledger, entity)
        set_up = scenario.set_up_timelines.get(entity, [])
        assert [name for name, _tx_hash in events[: len(set_up)]] == set_up, entity
        assert not {tx_hash for _name, tx_hash in events[: len(set_up)]} & written, entity
        assert events[len(set_up) :] == scenario.timelines.get(entity, []), entity


def _assert_budget(engine: Engine, chain_id: int, scenario: Scenario, ledger: LedgerContract) -> None:
    (budget,) = rows(engine, "budgets", chain_id)
    stored = (
        budget["budget_id"], budget["finance_org"], budget["budget_ref"], json.loads(budget["purchaser_orgs"]),
        budget["amount"], budget["committed"],
    )  # fmt: skip
    expected = (
        scenario.budget_id, scenario.finance_org, scenario.budget_ref, scenario.purchaser_orgs,
        scenario.budget_amount, scenario.committed,
    )  # fmt: skip
    assert stored == expected
    amount, committed, fiscal_year, currency, finance_org = ledger.call("budget", _word(scenario.budget_id))
    on_chain = (amount, committed, fiscal_year, bytes(currency).decode(), _hex(finance_org))
    mirrored = (budget["amount"], budget["committed"], budget["fiscal_year"], budget["currency"], budget["finance_org"])
    assert on_chain == mirrored
    for purchaser_org in scenario.purchaser_orgs:
        assert ledger.call("budgetAllows", _word(scenario.budget_id), _word(purchaser_org)), purchaser_org
    _assert_entity_timelines(engine, chain_id, scenario, ledger, [scenario.budget_id])


def _assert_process(
    run: ProcessRun, process: dict[str, Any], scenario: Scenario, ledger: LedgerContract, context: str
) -> None:
    supplier_org, award_amount = run.award or (None, None)
    expected = {
        "contract_address": ledger.address.lower(),
        "ocid": run.ocid,
        "budget_id": scenario.budget_id,
        "purchaser_org": run.purchaser_org,
        "purchaser": run.purchaser,
        "method": run.method,
        "stage": run.stage,
        "bid_deadline": run.bid_deadline,
        "reveal_deadline": run.reveal_deadline,
        "tender_amendments": len(run.tender_amendments),
        "bid_count": len(run.bids),
        "reveal_count": len(run.reveal_order),
        "open_complaints": sum(complaint.status == "open" for complaint in run.complaints.values()),
        "supplier_org": supplier_org,
        "award_amount": award_amount,
    }
    assert {key: process[key] for key in expected} == expected, context
    view = ledger.call("processOf", run.pid)
    on_chain = (
        _hex(view[0]), _hex(view[1]), _hex(view[2]), bytes(view[3]), STAGES[view[4]], METHODS[view[5]], *view[6:],
    )  # fmt: skip
    mirrored = (
        process["budget_id"], process["purchaser_org"], scenario.finance_org, _word(process["supplier_org"]),
        process["stage"], process["method"], process["bid_deadline"] or 0, process["reveal_deadline"] or 0,
        process["bid_count"], process["reveal_count"], process["open_complaints"], process["award_amount"] or 0,
        process["tender_amendments"],
    )  # fmt: skip
    assert on_chain == mirrored, context


def _assert_tendering(engine: Engine, chain_id: int, run: ProcessRun, ledger: LedgerContract, context: str) -> None:
    """Tender amendments, bids, the evaluation and the award."""
    pid = run.process_id
    amendments = [_as(TenderAmendmentRun, row) for row in rows(engine, "tender_amendments", chain_id, process_id=pid)]
    assert amendments == run.tender_amendments, context

    stored_bids = {row["bidder_org"]: row for row in rows(engine, "bids", chain_id, process_id=pid)}
    assert {org: _as(BidRun, row) for org, row in stored_bids.items()} == run.bids, context
    for bidder_org, bid in run.bids.items():
        where = f"{context}: bid of {bidder_org}"
        assert stored_bids[bidder_org]["revealed"] is (bid.amount is not None), where
        commitment, amount, _nonce_bump, revealed = ledger.call("bidOf", run.pid, _word(bidder_org))
        nonce = ledger.call("bidNonce", run.pid, _word(bidder_org))
        assert (_hex(commitment), amount, revealed, nonce) == (bid.commitment, bid.amount or 0, bid.amount is not None,
                                                               bid.nonce), where  # fmt: skip

    evaluations = rows(engine, "evaluations", chain_id, process_id=pid)
    if run.reveal_order:
        (evaluation,) = evaluations
        unrevealed = len(run.bids) - len(run.reveal_order)
        assert (evaluation["bid_count"], evaluation["unrevealed_count"]) == (len(run.bids), unrevealed), context
        assert json.loads(evaluation["revealed_bidders"]) == run.reveal_order, context
        amounts = [str(run.bids[bidder].amount) for bidder in run.reveal_order]
        assert json.loads(evaluation["revealed_amounts"]) == amounts, context
    else:
        assert evaluations == [], context

    awards = [(row["supplier_org"], row["amount"]) for row in rows(engine, "awards", chain_id, process_id=pid)]
    assert awards == ([run.award] if run.award else []), context


def _assert_contract(engine: Engine, chain_id: int, run: ProcessRun, ledger: LedgerContract, context: str) -> None:
    """The contract with its schedule, its amendments, its milestones and its payments."""
    pid = run.process_id
    contracts = rows(engine, "contracts", chain_id, process_id=pid)
    agreement = ledger.call("agreementOf", run.pid)
    contract_id = run.contract.contract_id if run.contract is not None else None
    if run.contract is None:
        assert contracts == [], context
        assert bytes(agreement[0]) == bytes(32), context
    else:
        (stored,) = contracts
        assert _as(ContractRun, stored) == run.contract, context
        open_milestones = sum(milestone.state != "accepted" for milestone in run.milestones.values())
        on_chain = (_hex(agreement[0]), *agreement[1:6])
        mirrored = (
            stored["contract_id"], stored["value"], stored["original_value"], stored["scheduled_total"],
            stored["accepted_total"], open_milestones,
        )  # fmt: skip
        assert on_chain == mirrored, context

    amendments = [
        ContractAmendmentRun(
            row["amendment_id"],
            row["increase"],
            row["new_value"],
            tuple(json.loads(row["milestone_ids"])),
            tuple(int(amount) for amount in json.loads(row["milestone_amounts"])),
        )
        for row in rows(engine, "contract_amendments", chain_id, process_id=pid)
    ]
    assert amendments == run.contract_amendments, context

    stored_milestones = rows(engine, "milestones", chain_id, process_id=pid)
    assert {row["milestone_id"]: _as(MilestoneRun, row) for row in stored_milestones} == run.milestones, context
    assert {row["contract_id"] for row in stored_milestones} <= {contract_id}, context
    for milestone_id, milestone in run.milestones.items():
        amount, paid, state = ledger.call("milestoneOf", run.pid, _word(milestone_id))
        assert (amount, paid, MILESTONE_STATES[state]) == (milestone.amount, milestone.paid, milestone.state), context

    stored_payments = rows(engine, "payments", chain_id, process_id=pid)
    assert [_as(PaymentRun, row) for row in stored_payments] == run.payments, context
    assert {row["contract_id"] for row in stored_payments} <= {contract_id}, context
    for payment in run.payments:
        assert ledger.call("paymentRecorded", run.pid, _word(payment.payment_id)), context


def _assert_oversight(engine: Engine, chain_id: int, run: ProcessRun, ledger: LedgerContract, context: str) -> None:
    """Complaints and audit notes."""
    pid = run.process_id
    complaints = {
        row["complaint_id"]: _as(ComplaintRun, row) for row in rows(engine, "complaints", chain_id, process_id=pid)
    }
    assert complaints == run.complaints, context
    for complaint_id, complaint in run.complaints.items():
        complainant_org, status = ledger.call("complaintOf", run.pid, _word(complaint_id))
        assert (_hex(complainant_org), COMPLAINT_STATUSES[status]) == (complaint.complainant_org, complaint.status)

    notes = [_as(AuditNoteRun, row) for row in rows(engine, "audit_notes", chain_id, process_id=pid)]
    assert notes == run.audit_notes, context


def _assert_anchors(engine: Engine, chain_id: int, scenario: Scenario, ledger: LedgerContract) -> None:
    stored = rows(engine, "anchors", chain_id)
    assert [_as(AnchorRun, row) for row in stored] == scenario.anchors
    for row in stored:
        count, block_number = ledger.call("anchorOf", _word(row["anchorer_org"]), _word(row["root"]))
        assert (count, block_number) == (row["count"], row["block_number"]), row
