"""Reorgs: the mirror rolls back to the common ancestor and ends equal to a fresh index of the canonical chain."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web3 import Web3

from api.app import create_app
from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import ReorgTooDeepError
from ledger.indexer.runner import Indexer, build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.dump import canonical_dump
from ledger.store.projections import Process
from ledger.store.reorgs import Reorg
from tests.helpers import open_process


def _indexer(settings: Settings, w3: Web3, url: str, **overrides: int) -> tuple[Indexer, Engine]:
    engine = make_engine(url)
    upgrade_schema(engine)
    return build_indexer(settings.model_copy(update={"index_batch_blocks": 4, **overrides}), w3, engine), engine


def _ocids(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(Process.ocid)).scalars())


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return canonical_dump(connection, 31337)


@pytest.mark.parametrize("depth", [1, 3, 10])
def test_reverted_blocks_are_rolled_back_and_replaced(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: object, depth: int
) -> None:
    open_process(settings, ledger_contract, "ocds-pl0001-kept")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # test-only RPC: rewrites history
    for number in range(depth):
        open_process(settings, ledger_contract, f"ocds-pl0001-orphan-{number}")
    indexer, engine = _indexer(settings, w3, database_url)
    indexer.catch_up()
    assert "ocds-pl0001-orphan-0" in _ocids(engine)

    w3.provider.make_request("evm_revert", [snapshot])
    open_process(settings, ledger_contract, "ocds-pl0001-canonical")
    w3.provider.make_request("anvil_mine", [hex(depth + 2)])
    indexer.catch_up()

    fresh_url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    fresh, fresh_engine = _indexer(settings, w3, fresh_url)
    fresh.catch_up()
    rolled_back, expected = _dump(engine), _dump(fresh_engine)
    rolled_back.pop("blocks"), expected.pop("blocks")  # a fresh index stores only the blocks it ended ranges on
    assert rolled_back == expected
    assert _ocids(engine) == {"ocds-pl0001-kept", "ocds-pl0001-canonical"}


def test_reorg_deeper_than_the_allowed_depth_stops_and_changes_nothing(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    for number in range(5):
        open_process(settings, ledger_contract, f"ocds-pl0001-deep-{number}")
    indexer, engine = _indexer(settings, w3, database_url, max_reorg_depth=2)
    indexer.catch_up()
    before = _dump(engine)
    w3.provider.make_request("evm_revert", [snapshot])
    w3.provider.make_request("anvil_mine", [hex(8)])
    with pytest.raises(ReorgTooDeepError, match="deeper than the allowed 2 blocks"):
        indexer.catch_up()
    assert _dump(engine) == before


def test_each_rollback_is_logged_with_its_depth_and_hashes_and_served(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    for number in range(3):
        open_process(settings, ledger_contract, f"ocds-pl0001-logged-{number}")
    indexer, engine = _indexer(settings, w3, database_url)
    indexer.catch_up()
    orphaned_head = w3.eth.block_number
    orphaned_hash = w3.eth.get_block(orphaned_head)["hash"].to_0x_hex()
    w3.provider.make_request("evm_revert", [snapshot])
    ancestor = w3.eth.block_number
    w3.provider.make_request("anvil_mine", [hex(5)])
    indexer.catch_up()
    with Session(engine) as session:
        [reorg] = session.scalars(select(Reorg)).all()
    assert (reorg.old_head, reorg.old_hash, reorg.ancestor) == (orphaned_head, orphaned_hash, ancestor)
    assert reorg.depth == orphaned_head - ancestor and reorg.removed_logs == 3 and reorg.replayed_entities >= 1
    assert reorg.new_hash == w3.eth.get_block(orphaned_head)["hash"].to_0x_hex() != orphaned_hash
    indexer.reset()  # the log is the mirror's own history: a rebuild keeps it
    with TestClient(create_app(settings.model_copy(update={"database_url": database_url}))) as client:
        health, stats = client.get("/health").json(), client.get("/stats").json()
        metrics = client.get("/metrics").text
    assert health["reorgs"] == 1 and health["last_reorg_at"] is not None
    assert (stats["reorgs"], stats["deepest_reorg"]) == (1, orphaned_head - ancestor)
    assert stats["last_reorg"]["old_hash"] == orphaned_hash
    assert "procledger_reorgs_total 1.0" in metrics
