"""The projections of a whole procurement history equal the state the chain holds, and re-indexing changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_typing import HexStr
from sqlalchemy import delete
from web3 import Web3

from ledger.chain.accounts import ADMIN_INDEX, derive_account
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference, scoped_id
from ledger.demo import AUDITOR, FINANCE, PURCHASER, SUPPLIER_A
from ledger.indexer.apply import apply_range
from ledger.indexer.decode import EventDecoder
from ledger.indexer.fetch import fetch_headers, fetch_logs
from ledger.settings import Settings
from ledger.store.models import Checkpoint
from tests.helpers import PROJECT_DIR, deployed_chain, free_port
from tests.indexer.mirror import assert_mirror_is_on_chain, assert_mirror_matches_scenario, dump, open_mirror, rows
from tests.indexer.scenario import (
    ACCEPTANCE,
    DELIVERY,
    SECOND_AUDITOR_INDEX,
    SINGLE_SOURCE,
    Scenario,
    document,
    hex_of,
    run_scenario,
)

CHAIN_ID = 31337


@dataclass(frozen=True)
class LifecycleChain:
    """One anvil holding the scenario's history; the tests here only read it, so they share it."""

    settings: Settings
    w3: Web3
    ledger: LedgerContract
    scenario: Scenario


@pytest.fixture(scope="module")
def chain(built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LifecycleChain]:
    """The scenario written once to an anvil of its own."""
    data_dir: Path = tmp_path_factory.mktemp("lifecycle") / "data"
    settings = Settings(project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port())
    with deployed_chain(settings) as (w3, ledger):
        yield LifecycleChain(settings, w3, ledger, run_scenario(settings, w3, ledger))


def test_projections_equal_the_state_the_scenario_left_on_chain(chain: LifecycleChain, database_url: str) -> None:
    indexer, engine = open_mirror(chain.settings, chain.w3, database_url, batch_blocks=4)
    indexer.catch_up()
    assert_mirror_matches_scenario(engine, CHAIN_ID, chain.scenario, chain.ledger)
    engine.dispose()


def test_every_projection_row_is_a_ledger_log_of_a_canonical_receipt(chain: LifecycleChain, database_url: str) -> None:
    indexer, engine = open_mirror(chain.settings, chain.w3, database_url)
    indexer.catch_up()
    assert_mirror_is_on_chain(engine, chain.w3, CHAIN_ID, chain.ledger.contract.address)
    engine.dispose()


def test_indexing_everything_again_without_the_checkpoint_changes_nothing(
    chain: LifecycleChain, database_url: str
) -> None:
    indexer, engine = open_mirror(chain.settings, chain.w3, database_url, batch_blocks=3)
    indexer.catch_up()
    before = dump(engine, CHAIN_ID)
    with engine.begin() as connection:
        connection.execute(delete(Checkpoint))
    assert indexer.catch_up().events == 0
    assert dump(engine, CHAIN_ID) == before
    engine.dispose()


def test_reapplying_a_range_in_the_middle_of_the_history_changes_nothing(
    chain: LifecycleChain, database_url: str
) -> None:
    indexer, engine = open_mirror(chain.settings, chain.w3, database_url)
    indexer.catch_up()
    before = dump(engine, CHAIN_ID)
    payment = chain.scenario.processes["open_tender"].payments[0]
    middle = chain.w3.eth.get_transaction_receipt(HexStr(payment.tx_hash))["blockNumber"]
    start, end = middle - 3, middle + 3
    address = chain.ledger.contract.address
    logs = fetch_logs(chain.w3, [address], start, end)
    decoder = EventDecoder([[dict(entry) for entry in chain.ledger.contract.abi]])
    events = [event for event in map(decoder.decode, logs) if event is not None]
    headers = fetch_headers(chain.w3, {log.block_number for log in logs} | {end})
    assert any(event.name == "PaymentRecorded" for event in events)
    with engine.begin() as connection:
        log_headers = {log.block_number: headers[log.block_number] for log in logs}
        applied = apply_range(connection, CHAIN_ID, logs, events, log_headers, headers[end], end)
    assert applied == 0  # every log of the range is stored already
    indexer.catch_up()  # from the rewound checkpoint at `end` back to the head: every later range again
    assert dump(engine, CHAIN_ID) == before
    engine.dispose()


def test_account_added_again_after_its_removal_was_indexed_is_active_again(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    admin = ledger_contract.sender(derive_account(settings, ADMIN_INDEX))
    account = derive_account(settings, SECOND_AUDITOR_INDEX).address
    ledger_contract.send(admin, "addOrganisationAccount", AUDITOR.org_id, account)
    ledger_contract.send(admin, "removeOrganisationAccount", AUDITOR.org_id, account)
    indexer, engine = open_mirror(settings, w3, database_url)
    indexer.catch_up()
    again = ledger_contract.send(admin, "addOrganisationAccount", AUDITOR.org_id, account)
    indexer.catch_up()
    (row,) = rows(engine, "organisation_accounts", CHAIN_ID, account=account.lower())
    assert (row["active"], row["removed_tx_hash"]) == (True, None)
    assert row["tx_hash"] == again["transactionHash"].to_0x_hex()
    engine.dispose()


def test_amounts_beyond_int64_are_mirrored_exactly(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, request: pytest.FixtureRequest
) -> None:
    finance, purchaser, supplier = (
        ledger_contract.sender(derive_account(settings, org.account_index)) for org in (FINANCE, PURCHASER, SUPPLIER_A)
    )
    budget_ref, ocid = reference("budget beyond int64"), "ocds-pl0001-int64-0001"
    budget_id, pid, contract_id = scoped_id(FINANCE.org_id, budget_ref), process_id_of(ocid), reference("CT-BIG")
    milestones = [reference("M1"), reference("M2")]
    amount, value, scheduled, payment = 2**96 - 1, 2**95 + 3, 2**94, 2**64 + 7  # uint96, as the contract allows
    ledger_contract.send(
        finance, "approveBudget", budget_ref, 2026, amount, b"USD", document("budget"), [PURCHASER.org_id]
    )
    ledger_contract.send(purchaser, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid), document("why"))
    ledger_contract.send(purchaser, "awardProcess", pid, SUPPLIER_A.org_id, value, document("award"))
    ledger_contract.send(
        purchaser, "signContract", pid, contract_id, value, document("contract"), milestones, [scheduled, scheduled]
    )
    ledger_contract.send(supplier, "recordMilestone", pid, milestones[0], DELIVERY, document("delivered"))
    ledger_contract.send(purchaser, "recordMilestone", pid, milestones[0], ACCEPTANCE, document("accepted"))
    ledger_contract.send(
        finance, "recordPayment", pid, reference("PV-BIG"), milestones[0], payment, supplier.address, document("v")
    )
    ledger_contract.send(purchaser, "terminateContract", pid, document("terminated"))  # settles at M1: 2**94
    indexer, engine = open_mirror(settings, w3, database_url)
    indexer.catch_up()

    (budget,) = rows(engine, "budgets", CHAIN_ID, budget_id=hex_of(budget_id))
    assert (budget["amount"], budget["committed"]) == (amount, scheduled)
    (contract,) = rows(engine, "contracts", CHAIN_ID, process_id=hex_of(pid))
    assert (contract["value"], contract["original_value"], contract["scheduled_total"]) == (value, value, 2 * scheduled)
    settled = (contract["accepted_total"], contract["paid"], contract["released"])
    assert settled == (scheduled, payment, value - scheduled)
    (milestone,) = rows(engine, "milestones", CHAIN_ID, process_id=hex_of(pid), milestone_id=hex_of(milestones[0]))
    assert (milestone["amount"], milestone["paid"], milestone["state"]) == (scheduled, payment, "accepted")
    (paid,) = rows(engine, "payments", CHAIN_ID, process_id=hex_of(pid))
    assert (paid["amount"], paid["milestone_paid"], paid["paid_total"]) == (payment, payment, payment)
    (process,) = rows(engine, "processes", CHAIN_ID, process_id=hex_of(pid))
    assert process["award_amount"] == value
    engine.dispose()
