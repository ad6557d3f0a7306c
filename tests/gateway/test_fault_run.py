"""Nothing a user was told is "accepted" is ever lost, nor recorded twice: a seeded, randomised run of 2,000 writes
(payments and milestone acceptances on 16 processes, in random order) through a gateway whose every JSON-RPC call
goes through a proxy injecting faults: calls the node never gets (HTTP 500, a dropped connection), calls the node
processed whose answer is lost (dropped after forwarding, an error after forwarding, an answer slower than the
client waits). The submitter is restarted (a new one, nothing remembered) twice during the run, and the chain is
reorganised a few times under it. In the end every accepted write is confirmed and its act is on chain exactly once,
counted from the chain's events, read straight from anvil.

The seed is printed; `PROCLEDGER_FAULT_SEED=N` repeats a run.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from ledger.chain.client import connect, rpc_call
from ledger.gateway.actions import PAYMENT
from ledger.gateway.contract_actions import ACCEPTANCE as ACCEPTANCE_ACTION
from ledger.gateway.outbox import CONFIRMED, WriteView
from ledger.gateway.submitter import Submitter
from tests.conftest import fresh_database
from tests.gateway.workload import (
    GatewayChain,
    accept,
    acceptance_body,
    assert_each_accepted_write_is_on_chain_once,
    gateway_chain,
    outbox_rows,
    payment_body,
    running_submitter,
    seed_contracts,
    settings_for,
    wait_until,
)
from tests.indexer.rpc_proxy import FaultyRpcProxy, _reply

SEED = int(os.environ.get("PROCLEDGER_FAULT_SEED", "20261128"))
PROCESSES, MILESTONES, PAYABLE = 16, 60, 10  # per process: 10 milestones accepted when seeded, 50 left to accept
PAYMENTS, ACCEPTANCES = 1_200, 800
FAULT_RATE, CLIENT_TIMEOUT = 0.04, 1.0
BEFORE_NODE = ("http_500", "connection_dropped")  # the node never hears of the call
AFTER_NODE = ("answer_lost", "error_after", "too_slow")  # the node did it; its caller cannot know
FAULTS, WEIGHTS = (*BEFORE_NODE, *AFTER_NODE), (0.3, 0.3, 0.17, 0.17, 0.06)  # a slow answer costs a whole timeout


class FaultsAroundTheNode(FaultyRpcProxy):
    """Fails a seeded share of calls, before the node gets them or after it has processed them."""

    def __init__(self, upstream: str, seed: int) -> None:
        super().__init__(upstream, seed, client_timeout=CLIENT_TIMEOUT)
        self._draw = random.Random(seed)
        self._draw_lock = threading.Lock()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        with self._draw_lock:
            fault = (
                self._draw.choices(FAULTS, WEIGHTS)[0] if self.enabled and self._draw.random() < FAULT_RATE else None
            )
        if fault is None:
            self._forward(handler, body)
            return
        self.injected[fault] += 1
        if fault == "http_500":
            _reply(handler, 500, b"upstream exploded")
            return
        if fault == "connection_dropped":
            _drop(handler)
            return
        if fault == "too_slow":
            time.sleep(CLIENT_TIMEOUT + 0.3)  # the client has given up; the node still gets the call
        answer = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        if fault == "answer_lost":
            _drop(handler)
        elif fault == "error_after":
            _reply(handler, 502, b"bad gateway")
        else:
            _reply(handler, answer.status_code, answer.content)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        answer = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        _reply(handler, answer.status_code, answer.content)


def _drop(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def chain(tmp_path: Path, built: None) -> Iterator[GatewayChain]:
    with fresh_database("postgresql", tmp_path) as url, gateway_chain(settings_for(tmp_path, url)) as chain:
        seed_contracts(chain, processes=PROCESSES, milestones=MILESTONES, accepted=PAYABLE)
        yield chain


def planned_writes(chain: GatewayChain, rng: random.Random) -> list[tuple[Any, dict[str, Any], str]]:
    """(action, body, idempotency key) of every write, in random order."""
    writes: list[tuple[Any, dict[str, Any], str]] = []
    for index in range(PAYMENTS):
        ocid, milestone = rng.choice(chain.processes), rng.randrange(PAYABLE)
        writes.append((PAYMENT, payment_body(chain, ocid, milestone, f"TV-{SEED}-{index}"), f"pay-{index}"))
    for index in range(ACCEPTANCES):
        ocid, milestone = chain.processes[index % PROCESSES], PAYABLE + index // PROCESSES
        writes.append((ACCEPTANCE_ACTION, acceptance_body(ocid, milestone), f"accept-{index}"))
    rng.shuffle(writes)
    return writes


class Miner(threading.Thread):
    """The chain goes on making blocks, as a real one does; now and then it reorganises its last few."""

    def __init__(self, chain: GatewayChain, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.stop, self.reorgs = threading.Event(), 0
        self._w3, self._rng = connect(chain.anvil.rpc_url), rng

    def run(self) -> None:
        rpc_call(self._w3, "anvil_mine", [hex(4)])  # the seeding lies deeper than any reorganisation here
        while not self.stop.wait(0.2):
            if self.reorgs < 3 and self._rng.random() < 0.03:
                rpc_call(self._w3, "anvil_reorg", [self._rng.randint(1, 3), []])  # test-only RPC
                self.reorgs += 1
            else:
                rpc_call(self._w3, "anvil_mine", [hex(1)])


def accept_with_retries(chain: GatewayChain, gateway: Any, write: tuple[Any, dict[str, Any], str]) -> WriteView:
    """A client sends a write until it hears back, with the same Idempotency-Key each time."""
    action, body, key = write
    for _ in range(20):
        try:
            return accept(chain, action, body, key, gateway)
        except (OSError, ValueError) as error:  # the node's answer was lost on the way: ask again
            last = error
    raise AssertionError(f"write {key} was never accepted: {last!r}")


def test_every_accepted_write_is_recorded_once_through_2000_writes_with_faults_at_the_rpc_boundary(
    chain: GatewayChain, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(SEED)
    with capsys.disabled():
        print(f"\nfault run seed: {SEED} (PROCLEDGER_FAULT_SEED={SEED} repeats it)")
    writes = planned_writes(chain, rng)
    proxy = FaultsAroundTheNode(chain.anvil.rpc_url, SEED)
    proxy.start()
    miner = Miner(chain, random.Random(SEED + 1))
    miner.start()
    started = time.monotonic()
    accepted: dict[int, WriteView] = {}
    try:
        w3 = connect(proxy.url, timeout=CLIENT_TIMEOUT)
        gateway = chain.gateway(w3)
        ledger = gateway.ledger
        proxy.enabled = True
        thirds = [
            writes[: len(writes) // 3],
            writes[len(writes) // 3 : 2 * len(writes) // 3],
            writes[2 * len(writes) // 3 :],
        ]
        for part in thirds:  # a new submitter for each third: a restart, nothing kept in memory
            with running_submitter(chain, confirmations=2, ledger=ledger, resend_after=2.0) as submitter:
                for write in part:
                    view = accept_with_retries(chain, gateway, write)
                    accepted[view.id] = view
                if part is thirds[-1]:
                    wait_until("every accepted write is confirmed", lambda: all_confirmed(submitter), timeout=240)
    finally:
        miner.stop.set()
        miner.join(timeout=10)
        proxy.stop()
    resent = sum(len(json.loads(row.sent_tx_hashes)) > 1 for row in outbox_rows(chain.engine))
    with capsys.disabled():
        print(f"fault run: {len(accepted)} writes confirmed in {time.monotonic() - started:.0f}s, {resent} sent "
              f"more than once; faults injected {dict(proxy.injected)}; reorgs {miner.reorgs}")  # fmt: skip
    assert len(accepted) == PAYMENTS + ACCEPTANCES
    assert set(proxy.injected) == set(FAULTS), "every kind of fault was injected"
    assert_each_accepted_write_is_on_chain_once(chain, list(accepted.values()))


def all_confirmed(submitter: Submitter) -> bool:
    counts = submitter.counts()
    return set(counts) == {CONFIRMED}
