"""A flaky node costs the indexer retries, never rows: faults injected at the RPC boundary, mirror still exact.

A JSON-RPC proxy (tests.indexer.rpc_proxy) in front of anvil fails requests at random (seeded) with HTTP 500, a
dropped connection or an answer slower than the client's timeout, and refuses eth_getLogs ranges wider than a few
blocks the way hosted providers do. Everything that passes goes to the real anvil.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.indexer.fetch import MalformedRpcResponse
from ledger.indexer.runner import build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from tests.indexer.mirror import assert_mirror_equals_a_fresh_index, assert_mirror_matches_scenario, dump
from tests.indexer.rpc_proxy import RANDOM_FAULTS, FaultyRpcProxy
from tests.indexer.scenario import run_scenario

CHAIN_ID = 31337
CLIENT_TIMEOUT = 0.5


@pytest.fixture
def proxy(w3: Web3, settings: Settings) -> Iterator[FaultyRpcProxy]:
    """A fault-injecting proxy in front of this test's anvil, injecting nothing until enabled."""
    faulty = FaultyRpcProxy(settings.rpc_url, seed=1124, fault_rate=0.1, client_timeout=CLIENT_TIMEOUT, max_log_span=3)
    faulty.start()
    yield faulty
    faulty.stop()


@pytest.mark.parametrize("index_worker", ["never", "always"])
def test_indexer_through_a_flaky_node_ends_with_the_mirror_of_a_direct_index(
    index_worker: str,
    settings: Settings,
    ledger_contract: LedgerContract,
    w3: Web3,
    proxy: FaultyRpcProxy,
    database_url: str,
    tmp_path: Path,
) -> None:
    scenario = run_scenario(settings, w3, ledger_contract)
    flaky_settings = settings.model_copy(
        update={"rpc_url": proxy.url, "index_batch_blocks": 16, "index_worker": index_worker}
    )
    flaky_w3 = connect(proxy.url, timeout=CLIENT_TIMEOUT)
    flaky_w3.provider.exception_retry_configuration = None  # type: ignore[attr-defined]  # faults reach the indexer
    engine = make_engine(database_url)
    upgrade_schema(engine)
    indexer = build_indexer(flaky_settings, flaky_w3, engine)

    proxy.enabled = True
    indexer.catch_up()
    proxy.enabled = False

    assert set(proxy.injected) == {*RANDOM_FAULTS, "range_refused"}, proxy.injected
    assert_mirror_matches_scenario(engine, CHAIN_ID, scenario, ledger_contract)
    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    engine.dispose()


def test_an_error_page_instead_of_json_is_retried_like_an_unavailable_node(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, proxy: FaultyRpcProxy, database_url: str
) -> None:
    flaky_w3 = connect(proxy.url, timeout=CLIENT_TIMEOUT)
    engine = make_engine(database_url)
    upgrade_schema(engine)
    indexer = build_indexer(settings.model_copy(update={"rpc_url": proxy.url}), flaky_w3, engine)
    proxy.forced, proxy.enabled = ["non_json"], True
    indexer.catch_up()
    assert proxy.injected["non_json"] == 1
    assert dump(engine, CHAIN_ID)["checkpoints"][0][1] == w3.eth.block_number
    engine.dispose()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("foreign_log", "returned a log of 0xdede"),
        ("log_without_block_hash", "malformed log .KeyError: 'blockHash'"),
        ("duplicate_log", "twice"),
    ],
)
def test_a_tampered_log_answer_stops_the_indexer_and_writes_nothing(
    fault: str,
    message: str,
    settings: Settings,
    ledger_contract: LedgerContract,
    proxy: FaultyRpcProxy,
    database_url: str,
) -> None:
    run_scenario(settings, connect(settings.rpc_url), ledger_contract)
    engine = make_engine(database_url)
    upgrade_schema(engine)
    indexer = build_indexer(settings.model_copy(update={"rpc_url": proxy.url}), connect(proxy.url), engine)
    proxy.tamper = fault
    with pytest.raises(MalformedRpcResponse, match=message):
        indexer.catch_up()
    assert proxy.injected[fault] == 1
    assert all(not table_rows for table_rows in dump(engine, CHAIN_ID).values())
    engine.dispose()
