"""The indexer mirrors the chain into SQL: correct, idempotent, resumable, and refusing a changed chain."""

from __future__ import annotations

import hashlib
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web3 import Web3

from api.app import create_app
from ledger.chain.anvil import AnvilProcess
from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract, process_id_of
from ledger.chain.setup import open_ledger
from ledger.indexer.runner import Indexer, build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.models import Checkpoint, RawLog
from ledger.store.projections import Process
from tests.helpers import open_process


def _indexer(settings: Settings, w3: Web3, database_url: str) -> tuple[Indexer, Engine]:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    return build_indexer(settings.model_copy(update={"index_batch_blocks": 3}), w3, engine), engine


def _count(engine: Engine, model: type[Process] | type[RawLog]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def _create(settings: Settings, ledger: LedgerContract, ocid: str) -> str:
    return str(open_process(settings, ledger, ocid)["transactionHash"].to_0x_hex())


def test_created_process_is_indexed_and_served_with_its_tx_hash(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    tx_hash = _create(settings, ledger_contract, "ocds-pl0001-e2e-0001")
    indexer, engine = _indexer(settings, w3, database_url)
    result = indexer.catch_up()
    assert result.events >= 1 and _count(engine, Process) == 1

    receipt = w3.eth.get_transaction_receipt(tx_hash)
    with TestClient(create_app(settings.model_copy(update={"database_url": database_url}))) as client:
        response = client.get("/processes/ocds-pl0001-e2e-0001")
        health = client.get("/health").json()
    assert response.status_code == 200
    body = response.json()
    assert body["chain"]["tx_hash"] == tx_hash
    assert body["chain"]["block_number"] == receipt["blockNumber"]
    assert body["chain"]["block_hash"] == receipt["blockHash"].to_0x_hex()
    assert body["chain"]["log_index"] == receipt["logs"][-1]["logIndex"]
    assert body["process_id"] == "0x" + process_id_of("ocds-pl0001-e2e-0001").hex()
    assert body["title"]["sha256"] == "0x" + hashlib.sha256(b"ocds-pl0001-e2e-0001").hexdigest()
    block_time = w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert body["created_at"].endswith(("Z", "+00:00"))
    (status,) = health["chains"]
    checked_at = status.pop("checked_at")
    assert status == {
        "chain_id": 31337,
        "indexed_block": w3.eth.block_number,
        "head_block": w3.eth.block_number,
        "lag_blocks": 0,
    }
    assert checked_at.endswith("Z")
    with engine.connect() as connection:
        stored = connection.execute(select(Process.block_time)).scalar_one()
    assert stored == block_time


def test_reindexing_adds_no_rows(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    for number in range(4):
        _create(settings, ledger_contract, f"ocds-pl0001-idem-{number}")
    indexer, engine = _indexer(settings, w3, database_url)
    first = indexer.catch_up().events
    before = (_count(engine, Process), _count(engine, RawLog))
    assert before[0] == 4 and before[1] > 4  # role grants are kept raw too

    with engine.begin() as connection:  # forget the checkpoint: every range is applied a second time
        connection.execute(Checkpoint.__table__.delete())
    assert first > 4
    assert indexer.catch_up().events == 0  # every range fetched and applied again: nothing new is stored
    assert (_count(engine, Process), _count(engine, RawLog)) == before
    assert indexer.catch_up().events == 0  # and from the checkpoint, nothing new


def test_reset_and_rebuild_gives_the_same_rows(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    for number in range(3):
        _create(settings, ledger_contract, f"ocds-pl0001-rebuild-{number}")
    indexer, engine = _indexer(settings, w3, database_url)
    indexer.catch_up()
    columns = (Process.ocid, Process.tx_hash, Process.block_hash, Process.log_index, Process.block_time)
    with engine.connect() as connection:
        first = connection.execute(select(*columns).order_by(Process.ocid)).all()
    indexer.reset()
    assert _count(engine, Process) == 0
    indexer.catch_up()
    with engine.connect() as connection:
        assert connection.execute(select(*columns).order_by(Process.ocid)).all() == first


@pytest.mark.parametrize("how", ["graceful", "kill -9"])
def test_restarted_chain_keeps_process_and_indexer_resumes_from_checkpoint(
    settings: Settings, ledger_contract: LedgerContract, anvil: AnvilProcess, w3: Web3, database_url: str, how: str
) -> None:
    first_tx = _create(settings, ledger_contract, "ocds-pl0001-restart-1")
    indexer, engine = _indexer(settings, w3, database_url)
    indexer.catch_up()
    checkpoint_block = w3.eth.block_number

    if how == "graceful":
        anvil.stop()
    else:
        time.sleep(2.5)  # the state file is rewritten every second; a crash loses at most the last second
        anvil.kill()
    anvil.start()
    w3 = connect(anvil.rpc_url)
    ledger_contract = open_ledger(settings, w3)  # the recorded deployment is still live: same blocks, same code
    assert ledger_contract.process_exists("ocds-pl0001-restart-1")
    assert w3.eth.get_transaction_receipt(first_tx)["status"] == 1
    _create(settings, ledger_contract, "ocds-pl0001-restart-2")

    indexer, engine = _indexer(settings, w3, database_url)
    result = indexer.catch_up()
    assert result.from_block == checkpoint_block + 1
    assert result.events == 1  # exactly the one ProcessCreated since the checkpoint
    with engine.connect() as connection:
        ocids = connection.execute(select(Process.ocid).order_by(Process.ocid)).scalars().all()
    assert ocids == ["ocds-pl0001-restart-1", "ocds-pl0001-restart-2"]
