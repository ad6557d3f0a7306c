"""`kill -9` of the gateway's submitter (`procledger submit --follow`, a real process) at points proven by the RPC
boundary: a proxy in front of anvil holds the call that marks the point until the process is dead. After a restart,
every accepted write is confirmed, and its act is on chain exactly once (counted from the chain's events).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from ledger.chain.client import rpc_call
from ledger.gateway.actions import PAYMENT
from ledger.gateway.outbox import CONFIRMED, QUEUED, SUBMITTED, WriteView
from tests.conftest import fresh_database
from tests.gateway.workload import (
    GatewayChain,
    accept,
    act_key,
    acts_on_chain,
    all_in,
    assert_each_accepted_write_is_on_chain_once,
    gateway_chain,
    outbox_rows,
    payment_body,
    seed_contracts,
    sent_hashes_of,
    settings_for,
    wait_until,
)
from tests.helpers import PROJECT_DIR
from tests.indexer.rpc_proxy import FaultyRpcProxy
from tests.test_cli import MAIN


class HoldingProxy(FaultyRpcProxy):
    """Forwards every call, except that the call of `method` numbered `after + 1` and every later one are held,
    never forwarded: the node never hears of them, and whoever asked waits (until it is killed)."""

    def __init__(self, upstream: str, method: str, after: int = 0) -> None:
        super().__init__(upstream, seed=0)
        self.held = threading.Event()
        self._method, self._after, self._seen = method, after, 0
        self._release = threading.Event()
        self._count_lock = threading.Lock()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        request = json.loads(body)
        if isinstance(request, dict) and request["method"] == self._method:
            with self._count_lock:
                self._seen += 1
                hold = self._seen > self._after
            if hold:
                self.held.set()
                self._release.wait()
                handler.close_connection = True  # its caller is dead by now: no answer
                return
        super()._handle(handler, body)

    def stop(self) -> None:
        self._release.set()
        super().stop()


@contextmanager
def proxy_holding(chain: GatewayChain, method: str, after: int = 0) -> Iterator[HoldingProxy]:
    proxy = HoldingProxy(chain.anvil.rpc_url, method, after)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def chain(tmp_path: Path, built: None) -> Iterator[GatewayChain]:
    with fresh_database("sqlite", tmp_path) as url, gateway_chain(settings_for(tmp_path, url)) as chain:
        seed_contracts(chain, processes=1, milestones=4, accepted=2)
        yield chain


@contextmanager
def gateway_process(chain: GatewayChain, rpc_url: str, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`procledger submit --follow` as an operator runs it, through `rpc_url`; killed with SIGKILL at the end."""
    settings = chain.settings
    env = {
        **os.environ,
        "PROCLEDGER_DATA_DIR": str(settings.data_dir),
        "PROCLEDGER_CHAIN_PORT": str(settings.chain_port),
        "PROCLEDGER_RPC_URL": rpc_url,
        "PROCLEDGER_DATABASE_URL": settings.database_url,
        "PROCLEDGER_KEYSTORE_PASSPHRASE": "test passphrase",
        "PROCLEDGER_KEYSTORE_SCRYPT_N": "1024",
        "PROCLEDGER_TX_TIMEOUT": "1",  # resends what the node never saw after 3 s
        "PROCLEDGER_POLL_INTERVAL": "0.1",
        **extra,
    }
    log = (settings.data_dir / "submit.log").open("ab")
    process = subprocess.Popen([*MAIN, "submit", "--follow"], env=env, cwd=PROJECT_DIR, stdout=log, stderr=log)
    try:
        yield process
    finally:
        kill_9(process)
        log.close()


def kill_9(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no handler runs, nothing is flushed or committed on the way out."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def payments(chain: GatewayChain, count: int, tag: str) -> list[WriteView]:
    ocid = chain.processes[0]
    return [
        accept(chain, PAYMENT, payment_body(chain, ocid, index % 2, f"TV-{tag}-{index}"), f"{tag}-{index}")
        for index in range(count)
    ]


def on_chain(chain: GatewayChain, views: list[WriteView]) -> list[int]:
    counts = acts_on_chain(chain.ledger)
    return [counts[act_key(view.action, view.body)] for view in views]


def restart_until_confirmed(chain: GatewayChain, accepted: list[WriteView]) -> None:
    with gateway_process(chain, chain.anvil.rpc_url):
        wait_until("every write is confirmed after the restart", lambda: all_in(chain, CONFIRMED))
    assert_each_accepted_write_is_on_chain_once(chain, accepted)


def test_killed_between_accept_and_submit_the_writes_are_sent_after_the_restart(chain: GatewayChain) -> None:
    accepted = payments(chain, 3, "accepted")
    with proxy_holding(chain, "eth_estimateGas") as proxy, gateway_process(chain, proxy.url) as gateway:
        assert proxy.held.wait(60), "the gateway never began to sign"
        kill_9(gateway)  # while it signs the first write: nothing is sent or committed yet
    assert [row.state for row in outbox_rows(chain.engine)] == [QUEUED] * 3
    assert on_chain(chain, accepted) == [0, 0, 0]
    restart_until_confirmed(chain, accepted)


def test_killed_in_the_middle_of_a_run_of_multicall_batches_the_unsent_batches_are_sent_again_once(
    chain: GatewayChain,
) -> None:
    accepted = payments(chain, 6, "midbatch")
    with (
        proxy_holding(chain, "eth_sendRawTransaction", after=1) as proxy,
        gateway_process(chain, proxy.url, PROCLEDGER_BATCH_SIZE="2") as gateway,
    ):
        assert proxy.held.wait(60), "the gateway never sent a second batch"
        kill_9(gateway)  # the first batch sent; the second signed, its hash committed, not sent; the third queued
    rows = outbox_rows(chain.engine)
    assert [row.state for row in rows] == [SUBMITTED] * 4 + [QUEUED] * 2
    assert len({row.tx_hash for row in rows[:4]}) == 2, "two writes in each multicall"
    assert on_chain(chain, accepted) == [1, 1, 0, 0, 0, 0]
    restart_until_confirmed(chain, accepted)
    assert [len(sent_hashes_of(chain.engine, view.id)) for view in accepted] == [1, 1, 2, 2, 1, 1]


def test_killed_between_submit_and_inclusion_the_writes_are_found_once_mined(chain: GatewayChain) -> None:
    accepted = payments(chain, 3, "pending")
    w3 = chain.w3
    rpc_call(w3, "evm_setAutomine", [False])  # test-only RPC: sent transactions wait in the pool
    with gateway_process(chain, chain.anvil.rpc_url) as gateway:
        wait_until("every write is sent", lambda: all_in(chain, SUBMITTED) and pending_count(chain) == 1)  # a batch
        kill_9(gateway)
    assert on_chain(chain, accepted) == [0, 0, 0]
    rpc_call(w3, "evm_setAutomine", [True])
    rpc_call(w3, "evm_mine", [])
    assert on_chain(chain, accepted) == [1, 1, 1]
    restart_until_confirmed(chain, accepted)
    assert [len(sent_hashes_of(chain.engine, view.id)) for view in accepted] == [1, 1, 1]  # found, not resent


def pending_count(chain: GatewayChain) -> int:
    pool: dict[str, Any] = rpc_call(chain.w3, "txpool_content", [])
    return sum(len(by_nonce) for by_nonce in pool["pending"].values())
