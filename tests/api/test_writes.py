"""The write gateway end to end: a finance bureau's payment over HTTP, pre-flighted, queued in the outbox, signed
from its keystore by the submitter, confirmed on a real anvil; and every way a request is refused.

Each database (SQLite, PostgreSQL) gets its own chain: writes change it. The demo's second quarterly milestone of
the single-source contract is delivered and accepted first, so it can be paid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session

from api.app import create_app
from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.chain.setup import open_ledger
from ledger.demo import ACCEPTANCE, DELIVERY, DEMO_PROCESSES, MILESTONES, PURCHASER, SUPPLIER_A, load_demo_data
from ledger.demo_access import set_up_demo_access
from ledger.gateway.actions import payment_id_of
from ledger.gateway.submitter import Submitter, submit_until_settled
from ledger.indexer.runner import build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.gateway_models import OutboxWrite
from ledger.store.tokens import issue_token, revoke_token
from tests.conftest import fresh_database
from tests.helpers import PROJECT_DIR, deployed_chain, free_port
from tests.indexer.rpc_proxy import FaultyRpcProxy

OCID = DEMO_PROCESSES[1].ocid  # the single-source contract, paid quarterly
Q2, Q3 = "0x" + reference(MILESTONES[1]).hex(), "0x" + reference(MILESTONES[2]).hex()
VOUCHER = "0x" + hashlib.sha256(b"voucher").hexdigest()


@dataclass(frozen=True)
class Gateway:
    """A chain with the demo, its mirror, the demo's keystores and tokens, and the API over them."""

    settings: Settings
    ledger: LedgerContract
    engine: Engine
    tokens: dict[str, str]
    payee: str

    def submitter(self, confirmations: int = 0, resend_after: float = 0.0) -> Submitter:
        return Submitter(self.engine, self.ledger, Keystores.from_settings(self.settings), confirmations, resend_after)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Gateway]:
    data_dir = tmp_path_factory.mktemp("writes") / "data"
    with fresh_database(request.param, data_dir.parent) as url:
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port(), api_port=free_port(),
            database_url=url, keystore_passphrase=SecretStr("test passphrase"), keystore_scrypt_n=1024,
            write_rate="1000/minute",
        )  # fmt: skip
        with deployed_chain(settings) as (w3, ledger):
            engine = make_engine(url)
            upgrade_schema(engine)
            load_demo_data(settings, ledger, engine)
            _accept_milestone(settings, ledger, MILESTONES[1])
            access = set_up_demo_access(settings, engine)
            build_indexer(settings, w3, engine).catch_up()
            payee = str(derive_account(settings, SUPPLIER_A.account_index).address)
            yield Gateway(settings, ledger, engine, {each.label: each.token for each in access}, payee)
            engine.dispose()


def _accept_milestone(settings: Settings, ledger: LedgerContract, milestone: str) -> None:
    process, milestone_id = process_id_of(OCID), reference(milestone)
    for org, kind in ((SUPPLIER_A, DELIVERY), (PURCHASER, ACCEPTANCE)):
        sender = ledger.sender(derive_account(settings, org.account_index))
        ledger.send(sender, "recordMilestone", process, milestone_id, kind, hashlib.sha256(milestone.encode()).digest())


@pytest.fixture
def api(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway.settings)) as client:
        yield client


def _payment(gateway: Gateway, **changes: Any) -> dict[str, Any]:
    body = {"ocid": OCID, "payment_ref": f"TV-{uuid.uuid4().hex[:12]}", "milestone_id": Q2, "amount": 100,
            "payee": gateway.payee, "voucher_sha256": VOUCHER}  # fmt: skip
    return {**body, **changes}


def _headers(token: str | None, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return {**headers, "Idempotency-Key": key or uuid.uuid4().hex}


def _payment_count(gateway: Gateway, payment_ref: str) -> int:
    """How many PaymentRecorded events the chain holds for this payment reference."""
    event = gateway.ledger.contract.events.PaymentRecorded
    logs = event.get_logs(from_block=0, argument_filters={"processId": process_id_of(OCID)})
    return sum(1 for log in logs if log["args"]["paymentId"] == payment_id_of(payment_ref))


def test_a_finance_bureau_payment_is_accepted_queued_then_confirmed_on_chain(
    gateway: Gateway, api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = _payment(gateway)
    accepted = api.post("/payments", json=body, headers=_headers(gateway.tokens["finance"]))
    assert accepted.status_code == 202, accepted.text
    write = accepted.json()
    assert write["state"] == "queued" and write["action"] == "payment" and write["request"]["amount"] == 100
    assert api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["finance"])).json()["state"] == "queued"

    caplog.set_level(logging.DEBUG)
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)
    done = api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["finance"])).json()
    assert done["state"] == "confirmed" and done["tx_hash"].startswith("0x") and done["block_number"] > 0
    assert _payment_count(gateway, body["payment_ref"]) == 1
    key = Keystores.from_settings(gateway.settings).account("finance").key.hex().removeprefix("0x")
    assert key not in caplog.text and key not in accepted.text + str(done)


def test_the_same_key_and_body_return_the_same_write_and_record_once(gateway: Gateway, api: TestClient) -> None:
    body, headers = _payment(gateway), _headers(gateway.tokens["finance"])
    first = api.post("/payments", json=body, headers=headers)
    again = api.post("/payments", json={**body, "payee": body["payee"].upper().replace("0X", "0x")}, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)
    assert api.post("/payments", json=body, headers=headers).json()["state"] == "confirmed"
    assert _payment_count(gateway, body["payment_ref"]) == 1


def test_the_same_key_with_another_body_is_a_409_conflict(gateway: Gateway, api: TestClient) -> None:
    headers = _headers(gateway.tokens["finance"])
    first = api.post("/payments", json=_payment(gateway), headers=headers)
    clash = api.post("/payments", json=_payment(gateway), headers=headers)
    assert clash.status_code == 409 and clash.json()["error"] == "idempotency_conflict"
    assert f"used for write {first.json()['id']} with another body" in clash.json()["message"]


def test_a_payment_the_contract_refuses_is_answered_with_the_decoded_error_and_never_queued(
    gateway: Gateway, api: TestClient
) -> None:
    key = uuid.uuid4().hex
    refused = api.post(
        "/payments", json=_payment(gateway, milestone_id=Q3), headers=_headers(gateway.tokens["finance"], key)
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "contract_revert" and body["revert"]["name"] == "PaymentMilestoneNotAccepted"
    assert body["revert"]["args"]["milestoneId"] == Q3 and "0x" + "00" * 4 not in body["message"]
    with Session(gateway.engine) as session:
        assert session.query(OutboxWrite).filter_by(idempotency_key=key).count() == 0


def test_without_a_token_the_gateway_answers_401_saying_what_is_needed(gateway: Gateway, api: TestClient) -> None:
    for response in (
        api.post("/payments", json=_payment(gateway), headers=_headers(None)),
        api.get("/writes/1"),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"] == "unauthenticated"
        assert "Authorization: Bearer plt_" in response.json()["message"]


def test_an_unknown_or_revoked_token_is_401(gateway: Gateway, api: TestClient) -> None:
    unknown = api.post("/payments", json=_payment(gateway), headers=_headers("plt_" + "x" * 43))
    assert unknown.status_code == 401 and "not one this gateway issued" in unknown.json()["message"]
    with Session(gateway.engine) as session, session.begin():
        info, token = issue_token(session, "0x" + reference("nobody").hex())
        revoke_token(session, info.id)
    assert api.post("/payments", json=_payment(gateway), headers=_headers(token)).status_code == 401


def test_a_token_of_an_organisation_without_the_finance_role_is_403_naming_it(
    gateway: Gateway, api: TestClient
) -> None:
    for label, role in (("supplier-a", "supplier"), ("purchaser", "purchaser")):
        refused = api.post("/payments", json=_payment(gateway), headers=_headers(gateway.tokens[label]))
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        assert refused.json()["message"].startswith("POST /payments needs the finance role; organisation 0x")
        assert refused.json()["message"].endswith(f"holds {role}")


def test_another_organisations_write_is_not_found(gateway: Gateway, api: TestClient) -> None:
    write = api.post("/payments", json=_payment(gateway), headers=_headers(gateway.tokens["finance"])).json()
    seen = api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["auditor"]))
    assert seen.status_code == 404 and "your organisation has no write" in seen.json()["message"]


def test_a_write_without_an_idempotency_key_is_refused(gateway: Gateway, api: TestClient) -> None:
    response = api.post(
        "/payments", json=_payment(gateway), headers={"Authorization": f"Bearer {gateway.tokens['finance']}"}
    )
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["message"]


def test_over_the_rate_a_token_gets_429_with_retry_after(gateway: Gateway) -> None:
    settings = gateway.settings.model_copy(update={"write_rate": "2/minute"})
    with TestClient(create_app(settings)) as api:
        headers = _headers(gateway.tokens["auditor"])
        statuses = [api.get("/writes/999999", headers=headers).status_code for _ in range(3)]
        assert statuses == [404, 404, 429]
        limited = api.get("/writes/999999", headers=headers)
        assert limited.json()["error"] == "rate_limited" and 0 < int(limited.headers["Retry-After"]) <= 60
        assert api.get("/writes/999999", headers=_headers(gateway.tokens["finance"])).status_code == 404  # per token


def test_a_resend_after_a_crash_counts_the_writes_own_earlier_transaction(gateway: Gateway, api: TestClient) -> None:
    body = _payment(gateway)
    write = api.post("/payments", json=body, headers=_headers(gateway.tokens["finance"])).json()
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)
    with Session(gateway.engine) as session, session.begin():  # as if it crashed before hearing of the inclusion
        session.execute(update(OutboxWrite).where(OutboxWrite.id == write["id"]).values(state="queued"))
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)
    done = api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["finance"])).json()
    assert done["state"] == "confirmed" and done["error"] is None
    assert _payment_count(gateway, body["payment_ref"]) == 1


def test_a_write_lost_with_the_chains_last_blocks_is_sent_again_and_recorded_once(
    gateway: Gateway, api: TestClient
) -> None:
    w3 = gateway.ledger.contract.w3
    body = _payment(gateway)
    write = api.post("/payments", json=body, headers=_headers(gateway.tokens["finance"])).json()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # test-only RPC
    submitter = gateway.submitter(confirmations=2)
    submitter.run_once()
    submitter.run_once()
    assert api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["finance"])).json()["state"] == "included"
    w3.provider.make_request("evm_revert", [snapshot])  # the chain restarts from an older state: the payment is gone
    assert _payment_count(gateway, body["payment_ref"]) == 0
    submitter.run_once()  # not on chain any more: queued again
    submitter.run_once()  # sent again
    w3.provider.make_request("anvil_mine", [hex(2)])
    submit_until_settled(submitter, timeout=30, poll_interval=0.1)
    done = api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["finance"])).json()
    assert done["state"] == "confirmed"
    assert _payment_count(gateway, body["payment_ref"]) == 1
    with Session(gateway.engine) as session:
        assert len(json.loads(session.get(OutboxWrite, write["id"]).sent_tx_hashes)) == 2  # type: ignore[union-attr]


def test_the_tokens_text_is_nowhere_in_the_database(gateway: Gateway) -> None:
    token = gateway.tokens["finance"]
    with gateway.engine.connect() as connection:
        rows = " ".join(str(row) for row in connection.execute(text("SELECT * FROM api_tokens")))
    assert token not in rows and token.removeprefix("plt_") not in rows


class _FirstSendFails(FaultyRpcProxy):
    """The node never hears of the first transaction sent through it: its sender sees an HTTP 500."""

    def _choose_fault(self, request: Any) -> str | None:
        first_send = isinstance(request, dict) and request["method"] == "eth_sendRawTransaction"
        return "http_500" if first_send and not self.injected else None


def test_a_send_the_node_never_received_is_sent_again_and_recorded_once(gateway: Gateway, api: TestClient) -> None:
    proxy = _FirstSendFails(gateway.settings.rpc_url, seed=1)
    proxy.start()
    try:
        body = _payment(gateway)
        write = api.post("/payments", json=body, headers=_headers(gateway.tokens["finance"])).json()
        ledger = open_ledger(gateway.settings, connect(proxy.url))
        submitter = Submitter(gateway.engine, ledger, Keystores.from_settings(gateway.settings), 0, resend_after=0)
        submitter.run_once()
        assert proxy.injected["http_500"] == 1
        submit_until_settled(submitter, timeout=30, poll_interval=0.1)
    finally:
        proxy.stop()
    done = api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["finance"])).json()
    assert done["state"] == "confirmed"
    assert _payment_count(gateway, body["payment_ref"]) == 1
