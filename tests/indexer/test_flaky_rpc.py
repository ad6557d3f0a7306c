"""A flaky node costs the indexer retries, never rows: faults injected at the RPC boundary, mirror still exact.

A JSON-RPC proxy (tests.indexer.rpc_proxy) in front of anvil fails requests at random (seeded) with HTTP 500, a
dropped connection or an answer slower than the client's timeout, and refuses eth_getLogs ranges wider than a few
blocks the way hosted providers do. Everything that passes goes to the real anvil.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import LedgerError, MalformedRpcResponse, RpcRequestError
from ledger.indexer.fetch import RETRIES
from ledger.indexer.runner import Indexer, build_indexer
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


@pytest.fixture
def quiet_proxy(w3: Web3, settings: Settings) -> Iterator[FaultyRpcProxy]:
    """A proxy in front of this test's anvil that injects only the faults a test forces."""
    faulty = FaultyRpcProxy(settings.rpc_url, seed=1, client_timeout=CLIENT_TIMEOUT)
    faulty.start()
    yield faulty
    faulty.stop()


def _indexer_behind(proxy: FaultyRpcProxy, settings: Settings, engine: Engine) -> Indexer:
    """An indexer reaching the node through `proxy`, with web3's own retries off so every fault reaches it."""
    flaky_w3 = connect(proxy.url, timeout=CLIENT_TIMEOUT)
    flaky_w3.provider.exception_retry_configuration = None  # type: ignore[attr-defined]
    upgrade_schema(engine)
    return build_indexer(settings.model_copy(update={"rpc_url": proxy.url}), flaky_w3, engine)


@pytest.mark.parametrize("fault", ["http_429", "limit_exceeded", "internal_error"])
def test_follow_waits_out_a_busy_node_and_then_catches_up(
    fault: str,
    settings: Settings,
    ledger_contract: LedgerContract,
    w3: Web3,
    quiet_proxy: FaultyRpcProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = make_engine(settings.database_url)
    indexer = _indexer_behind(quiet_proxy, settings, engine)
    # More faults in a row than one call's retries: follow itself must wait and go on.
    quiet_proxy.forced, quiet_proxy.enabled = [fault] * (RETRIES + 2), True
    stop, failures = threading.Event(), list[LedgerError]()

    def follow() -> None:
        try:
            indexer.follow(stop, settings.poll_interval)
        except LedgerError as error:
            failures.append(error)

    caplog.set_level(logging.WARNING, logger="ledger.indexer")
    follower = threading.Thread(target=follow)
    follower.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and follower.is_alive():
        checkpoints = dump(engine, CHAIN_ID)["checkpoints"]
        if checkpoints and checkpoints[0][1] == w3.eth.block_number:
            break
        time.sleep(0.2)
    stop.set()
    follower.join(timeout=30)

    assert not failures
    assert quiet_proxy.injected[fault] == RETRIES + 2 and not quiet_proxy.forced
    assert dump(engine, CHAIN_ID)["checkpoints"][0][1] == w3.eth.block_number
    engine.dispose()
    assert any("retrying in" in record.message for record in caplog.records if record.name == "ledger.indexer.runner")


def test_follow_stops_at_once_when_the_node_lacks_a_method(
    settings: Settings, ledger_contract: LedgerContract, quiet_proxy: FaultyRpcProxy
) -> None:
    indexer = _indexer_behind(quiet_proxy, settings, make_engine(settings.database_url))
    quiet_proxy.forced, quiet_proxy.enabled = ["method_not_found"], True
    with pytest.raises(RpcRequestError, match=r"eth_chainId failed: .*JSON-RPC code -32601.*PROCLEDGER_RPC_URL"):
        indexer.follow(threading.Event(), settings.poll_interval)
    assert quiet_proxy.injected["method_not_found"] == 1


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
