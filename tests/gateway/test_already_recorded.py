"""'Already recorded' with the same content counts as confirmed; under the same id with another content it is a
failure. The act is found by its event on chain, so it counts even when the node no longer serves the receipt of
the transaction that recorded it (here a node at the RPC boundary that answers null for that receipt).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.setup import open_ledger
from ledger.gateway.actions import PAYMENT
from ledger.gateway.outbox import CONFIRMED, FAILED
from ledger.gateway.submitter import Submitter, submit_until_settled
from tests.conftest import fresh_database
from tests.gateway.workload import (
    GatewayChain,
    accept,
    act_key,
    acts_on_chain,
    gateway_chain,
    outbox_rows,
    payment_body,
    seed_contracts,
    sent_hashes_of,
    settings_for,
)
from tests.indexer.rpc_proxy import FaultyRpcProxy, _reply


@pytest.fixture
def chain(tmp_path: Path, built: None) -> Iterator[GatewayChain]:
    with fresh_database("sqlite", tmp_path) as url, gateway_chain(settings_for(tmp_path, url)) as chain:
        seed_contracts(chain, processes=1, milestones=2, accepted=1)
        yield chain


def submitter(chain: GatewayChain, rpc_url: str | None = None, resend_after: float = 0.0) -> Submitter:
    ledger = chain.ledger if rpc_url is None else open_ledger(chain.settings, connect(rpc_url))
    return Submitter(chain.engine, ledger, Keystores.from_settings(chain.settings), 0, resend_after)


def test_two_writes_of_the_same_act_are_both_confirmed_and_it_is_recorded_once(chain: GatewayChain) -> None:
    body = payment_body(chain, chain.processes[0], 0, "TV-twice")
    first, second = accept(chain, PAYMENT, body, "twice-1"), accept(chain, PAYMENT, body, "twice-2")
    assert first.id != second.id  # two keys: two writes of one act
    submit_until_settled(submitter(chain), timeout=30, poll_interval=0.05)
    assert [(row.state, row.error) for row in outbox_rows(chain.engine)] == [(CONFIRMED, None)] * 2
    assert acts_on_chain(chain.ledger)[act_key(PAYMENT.name, body)] == 1


def test_another_act_under_the_same_id_fails_the_write_with_the_decoded_refusal(chain: GatewayChain) -> None:
    body = payment_body(chain, chain.processes[0], 0, "TV-clash")
    accept(chain, PAYMENT, body, "clash-1")
    accept(chain, PAYMENT, {**body, "amount": 2}, "clash-2")  # pre-flight passes: the first is not on chain yet
    submit_until_settled(submitter(chain), timeout=30, poll_interval=0.05)
    first, second = outbox_rows(chain.engine)
    assert (first.state, second.state) == (CONFIRMED, FAILED)
    assert json.loads(str(second.error))["name"] == "PaymentAlreadyRecorded"
    assert acts_on_chain(chain.ledger)[act_key(PAYMENT.name, body)] == 1


FORGOTTEN = ("eth_getTransactionReceipt", "eth_getTransactionByHash")


class ForgetfulNode(FaultyRpcProxy):
    """A node that has lost its transaction index: it answers null for any transaction or receipt asked by hash,
    alone or in a JSON-RPC batch."""

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        request = json.loads(body)
        calls = request if isinstance(request, list) else [request]
        if not any(call["method"] in FORGOTTEN for call in calls):
            super()._handle(handler, body)
            return
        self.injected["forgotten"] += 1
        answers = [{"jsonrpc": "2.0", "id": call["id"], "result": None} for call in calls]
        _reply(handler, 200, json.dumps(answers if isinstance(request, list) else answers[0]).encode())


def test_an_act_whose_receipt_the_node_no_longer_serves_counts_by_its_event_and_is_not_sent_again(
    chain: GatewayChain,
) -> None:
    body = payment_body(chain, chain.processes[0], 0, "TV-forgotten")
    write = accept(chain, PAYMENT, body, "forgotten")
    proxy = ForgetfulNode(chain.anvil.rpc_url, seed=0)
    proxy.start()
    try:
        submit_until_settled(submitter(chain, proxy.url), timeout=30, poll_interval=0.05)
    finally:
        proxy.stop()
    assert proxy.injected["forgotten"] > 0
    (row,) = outbox_rows(chain.engine)
    assert row.state == CONFIRMED and row.tx_hash == sent_hashes_of(chain.engine, write.id)[0]
    assert len(sent_hashes_of(chain.engine, write.id)) == 1
    assert acts_on_chain(chain.ledger)[act_key(PAYMENT.name, body)] == 1
