"""A supplier's writes through the gateway, which holds no supplier key, on a real anvil, in SQLite and PostgreSQL.

A bid commitment signed as an EIP-712 message by supplier A's account is relayed by the gateway's relayer key;
reveals, deliveries and complaints are transactions supplier A's account signed itself, relayed unchanged. Each
test opens a tender of its own (chain time moves on in some), so they do not depend on one another.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from web3 import Web3

from api.app import create_app
from ledger.chain.accounts import deployer_account, derive_account
from ledger.chain.bids import bid_commitment, sign_bid_commitment
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.chain.signing import sign_call
from ledger.demo import (
    DELIVERY,
    DEMO_PROCESSES,
    FINANCE,
    MILESTONES,
    PURCHASER,
    SUPPLIER_A,
    SUPPLIER_B,
    load_demo_data,
)
from ledger.demo_access import set_up_demo_access
from ledger.gateway.accept import nonce_claim_of
from ledger.gateway.outbox import enqueue, mark
from ledger.gateway.signed_calls import SIGNED_TRANSACTION
from ledger.gateway.submitter import Submitter, submit_until_settled
from ledger.gateway.supplier_actions import COMPLAINT
from ledger.indexer.runner import build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.gateway_models import OutboxWrite
from tests.api.lifecycle import advance
from tests.conftest import fresh_database
from tests.helpers import PROJECT_DIR, deployed_chain, free_port, open_process

DAY = 86_400
SECOND_ACCOUNT_INDEX = 9  # a dev account added to supplier A for one test, then removed
SINGLE_SOURCE = DEMO_PROCESSES[1].ocid  # contracted with supplier A; its quarters Q2-Q4 are not delivered yet


@dataclass(frozen=True)
class Gateway:
    """A chain with the demo, its mirror, the demo's keystores (the relayer's among them) and tokens."""

    settings: Settings
    ledger: LedgerContract
    engine: Engine
    tokens: dict[str, str]

    @property
    def w3(self) -> Web3:
        return self.ledger.contract.w3

    def account(self, org: Any) -> LocalAccount:
        return derive_account(self.settings, org.account_index)

    def settle(self) -> None:
        submitter = Submitter(self.engine, self.ledger, Keystores.from_settings(self.settings), 0, 0.0)
        submit_until_settled(submitter, timeout=30, poll_interval=0.1)

    def index(self) -> None:
        build_indexer(self.settings, self.w3, self.engine).catch_up()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Gateway]:
    data_dir = tmp_path_factory.mktemp("supplier") / "data"
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
            access = set_up_demo_access(settings, engine)
            build_indexer(settings, w3, engine).catch_up()
            yield Gateway(settings, ledger, engine, {each.label: each.token for each in access})
            engine.dispose()


@pytest.fixture
def api(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway.settings)) as client:
        yield client


def _tender(gateway: Gateway) -> str:
    """A new open tender, bids due in 10 days and revealed by 11; returns its ocid."""
    ocid = f"ocds-pl0001-2026-{uuid.uuid4().hex[:8]}"
    open_process(gateway.settings, gateway.ledger, ocid)
    now = int(gateway.w3.eth.get_block("latest")["timestamp"])
    purchaser = gateway.ledger.sender(gateway.account(PURCHASER))
    notice = hashlib.sha256(f"tender {ocid}".encode()).digest()
    gateway.ledger.send(purchaser, "openTender", process_id_of(ocid), now + 10 * DAY, now + 11 * DAY, notice)
    return ocid


@dataclass(frozen=True)
class Bid:
    ocid: str
    amount: int
    doc: bytes
    salt: bytes

    @property
    def commitment(self) -> bytes:
        return bid_commitment(process_id_of(self.ocid), SUPPLIER_A.org_id, self.amount, self.doc, self.salt)


def _bid(ocid: str, amount: int = 1_500_000_00) -> Bid:
    return Bid(ocid, amount, hashlib.sha256(f"bid {amount}".encode()).digest(), secrets.token_bytes(32))


def _signed_commitment(gateway: Gateway, bid: Bid, by: LocalAccount | None = None, **changes: Any) -> dict[str, Any]:
    """The body of POST /bids/commitments: `bid` of supplier A signed by account `by` (A's account by default)."""
    signer = by or gateway.account(SUPPLIER_A)
    process_id = process_id_of(bid.ocid)
    nonce = int(gateway.ledger.call("bidNonce", process_id, SUPPLIER_A.org_id))
    deadline = int(gateway.w3.eth.get_block("latest")["timestamp"]) + DAY
    signature = sign_bid_commitment(
        signer.key, chain_id=gateway.w3.eth.chain_id, ledger_address=gateway.ledger.address, process_id=process_id,
        bidder_org=SUPPLIER_A.org_id, commitment=bid.commitment, nonce=nonce, deadline=deadline,
    )  # fmt: skip
    body = {"ocid": bid.ocid, "bidder_org": "0x" + SUPPLIER_A.org_id.hex(), "signer": signer.address,
            "commitment": "0x" + bid.commitment.hex(), "nonce": nonce, "deadline": deadline,
            "signature": "0x" + signature.hex()}  # fmt: skip
    return {**body, **changes}


def _headers(token: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}


def _commits(gateway: Gateway, ocid: str) -> list[Any]:
    event = gateway.ledger.contract.events.BidCommitted
    return list(event.get_logs(from_block=0, argument_filters={"processId": process_id_of(ocid)}))


def _queued(gateway: Gateway, key: str) -> int:
    with Session(gateway.engine) as session:
        return session.query(OutboxWrite).filter_by(idempotency_key=key).count()


def _confirmed(api: TestClient, token: str, write: dict[str, Any]) -> dict[str, Any]:
    done: dict[str, Any] = api.get(f"/writes/{write['id']}", headers=_headers(token)).json()
    assert done["state"] == "confirmed", done
    return done


def test_a_relayed_bid_commitment_is_confirmed_and_shows_sealed_in_the_timeline(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    bid = _bid(ocid)
    accepted = api.post("/bids/commitments", json=_signed_commitment(gateway, bid), headers=_headers(token))
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["action"] == "bid_commitment" and accepted.json()["state"] == "queued"
    gateway.settle()
    done = _confirmed(api, token, accepted.json())
    relayer = Keystores.from_settings(gateway.settings).find("relayer").address
    [commit] = _commits(gateway, ocid)
    assert commit["transactionHash"].to_0x_hex() == done["tx_hash"]
    assert commit["args"]["relayer"] == relayer and commit["args"]["account"] == gateway.account(SUPPLIER_A).address
    assert commit["args"]["commitment"] == bid.commitment
    gateway.index()
    entries = api.get(f"/processes/{ocid}/timeline").json()["entries"]
    assert [(entry["kind"], entry["sealed"]) for entry in entries if entry["kind"] == "BidCommitted"] == [
        ("BidCommitted", True)
    ]


def test_a_revealed_bid_after_the_deadline_is_relayed_as_the_supplier_signed_it(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    bid = _bid(ocid, 1_234_000_00)
    api.post("/bids/commitments", json=_signed_commitment(gateway, bid), headers=_headers(token))
    gateway.settle()
    advance(gateway.w3, 10.5)  # past the bid deadline, before the reveal deadline
    signed = sign_call(
        gateway.ledger, gateway.account(SUPPLIER_A), "revealBid", process_id_of(ocid), bid.amount, bid.doc, bid.salt
    )
    accepted = api.post("/bids/reveals", json={"signed_transaction": signed}, headers=_headers(token))
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["tx_hash"] is None and accepted.json()["action"] == "bid_reveal"
    gateway.settle()
    done = _confirmed(api, token, accepted.json())
    assert done["tx_hash"] == Web3.keccak(hexstr=signed).to_0x_hex()  # the supplier's own transaction, unchanged
    on_chain = gateway.ledger.call("bidOf", process_id_of(ocid), SUPPLIER_A.org_id)
    assert on_chain[1] == bid.amount and on_chain[3] is True


def test_a_forged_supplier_signature_is_refused_decoded_and_nothing_is_queued(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token, key = _tender(gateway), gateway.tokens["supplier-a"], uuid.uuid4().hex
    impostor = gateway.account(SUPPLIER_B)  # signs, claiming to be supplier A's account
    body = _signed_commitment(gateway, _bid(ocid), impostor, signer=gateway.account(SUPPLIER_A).address)
    refused = api.post("/bids/commitments", json=body, headers=_headers(token, key))
    assert refused.status_code == 409, refused.text
    assert refused.json()["revert"] == {
        "name": "BidSignatureInvalid",
        "args": {"signer": gateway.account(SUPPLIER_A).address, "bidderOrg": "0x" + SUPPLIER_A.org_id.hex()},
    }
    assert _queued(gateway, key) == 0 and _commits(gateway, ocid) == []


def test_a_signature_by_another_organisations_account_is_refused_as_unauthorised(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, key = _tender(gateway), uuid.uuid4().hex
    other = gateway.account(SUPPLIER_B)  # a real signature, but B's account does not sign for A
    refused = api.post(
        "/bids/commitments",
        json=_signed_commitment(gateway, _bid(ocid), other),
        headers=_headers(gateway.tokens["supplier-a"], key),
    )
    assert refused.status_code == 409 and refused.json()["revert"]["name"] == "AccessControlUnauthorizedAccount"
    assert refused.json()["revert"]["args"]["account"] == other.address and _queued(gateway, key) == 0


def test_a_token_of_another_supplier_cannot_relay_this_suppliers_bid(gateway: Gateway, api: TestClient) -> None:
    body = _signed_commitment(gateway, _bid(_tender(gateway)))
    refused = api.post("/bids/commitments", json=body, headers=_headers(gateway.tokens["supplier-b"]))
    assert refused.status_code == 403 and "relays bids of the token's own organisation" in refused.json()["message"]


def test_a_token_without_the_supplier_role_is_403_on_every_supplier_endpoint(gateway: Gateway, api: TestClient) -> None:
    signed = {"signed_transaction": "0x02" + "00" * 100}
    for path, body in (
        ("/bids/commitments", _signed_commitment(gateway, _bid(DEMO_PROCESSES[0].ocid))),
        ("/bids/reveals", signed),
        ("/bids/signature-cancellations", signed),
        ("/deliveries", signed),
        ("/complaints", signed),
    ):
        for label, role in (("finance", "finance"), ("purchaser", "purchaser")):
            refused = api.post(path, json=body, headers=_headers(gateway.tokens[label]))
            assert refused.status_code == 403, (path, refused.text)
            assert refused.json()["message"].startswith(f"POST {path} needs the supplier role")
            assert refused.json()["message"].endswith(f"holds {role}")


def test_the_same_key_twice_gives_one_on_chain_commit(gateway: Gateway, api: TestClient) -> None:
    ocid, headers = _tender(gateway), _headers(gateway.tokens["supplier-a"])
    body = _signed_commitment(gateway, _bid(ocid))
    first = api.post("/bids/commitments", json=body, headers=headers)
    again = api.post("/bids/commitments", json={**body, "signer": body["signer"].lower()}, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200) and first.json()["id"] == again.json()["id"]
    gateway.settle()
    assert api.post("/bids/commitments", json=body, headers=headers).json()["state"] == "confirmed"
    assert len(_commits(gateway, ocid)) == 1


def test_a_relayed_commit_resent_after_a_crash_counts_its_own_earlier_transaction(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    write = api.post("/bids/commitments", json=_signed_commitment(gateway, _bid(ocid)), headers=_headers(token))
    gateway.settle()
    with Session(gateway.engine) as session, session.begin():  # as if it crashed before hearing of the inclusion
        session.execute(update(OutboxWrite).where(OutboxWrite.id == write.json()["id"]).values(state="queued"))
    gateway.settle()  # the resend is refused as BidNonceMismatch: the signature's nonce was used, by itself
    assert _confirmed(api, token, write.json())["error"] is None and len(_commits(gateway, ocid)) == 1


def test_a_signed_transaction_resent_after_a_crash_is_the_same_transaction(gateway: Gateway, api: TestClient) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    signed = _complaint(gateway, ocid, "Q-RESENT")
    write = api.post("/complaints", json={"signed_transaction": signed}, headers=_headers(token)).json()
    gateway.settle()
    with Session(gateway.engine) as session, session.begin():
        session.execute(update(OutboxWrite).where(OutboxWrite.id == write["id"]).values(state="queued"))
    gateway.settle()
    done = _confirmed(api, token, write)
    assert done["tx_hash"] == Web3.keccak(hexstr=signed).to_0x_hex() and _complaints(gateway, ocid) == 1
    with Session(gateway.engine) as session:
        assert set(json.loads(session.get(OutboxWrite, write["id"]).sent_tx_hashes)) == {done["tx_hash"]}  # type: ignore[union-attr]


def test_a_delivery_signed_by_the_supplier_is_relayed_and_recorded(gateway: Gateway, api: TestClient) -> None:
    token, milestone = gateway.tokens["supplier-a"], reference(MILESTONES[3])
    report = hashlib.sha256(b"Delivery report Q4").digest()
    signed = sign_call(
        gateway.ledger, gateway.account(SUPPLIER_A), "recordMilestone", process_id_of(SINGLE_SOURCE), milestone,
        DELIVERY, report,
    )  # fmt: skip
    write = api.post("/deliveries", json={"signed_transaction": signed}, headers=_headers(token))
    assert write.status_code == 202, write.text
    gateway.settle()
    _confirmed(api, token, write.json())
    delivered = gateway.ledger.contract.events.MilestoneDelivered.get_logs(from_block=0)
    assert [log["args"]["docHash"] for log in delivered if log["args"]["milestoneId"] == milestone] == [report]


def test_a_complaint_signed_by_the_supplier_is_relayed_and_recorded(gateway: Gateway, api: TestClient) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    write = api.post(
        "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-1")}, headers=_headers(token)
    )
    assert write.status_code == 202, write.text
    gateway.settle()
    _confirmed(api, token, write.json())
    assert _complaints(gateway, ocid) == 1


def test_a_nonce_another_gateway_worker_claimed_is_refused_and_free_again_once_that_write_fails(
    gateway: Gateway, api: TestClient
) -> None:
    """Each gateway worker checks for writes on their way in its own process, so two could both pass the check for
    one nonce; the outbox's unique claim lets only one take it. Here the other worker's write is already past the
    check and holds the claim, in a state the check does not look at, while the chain's nonce is still unused."""
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    signed = _complaint(gateway, ocid, "Q-CLAIM")
    body = {SIGNED_TRANSACTION: signed}
    with Session(gateway.engine) as session, session.begin():
        org_id, address = "0x" + SUPPLIER_A.org_id.hex(), gateway.account(SUPPLIER_A).address
        other = enqueue(session, org_id, address, COMPLAINT.name, {**body, "worker": 2}, "another worker's key",
                        signed, nonce_claim_of(COMPLAINT, body))  # fmt: skip
        session.execute(update(OutboxWrite).where(OutboxWrite.id == other.id).values(state="confirmed"))
    refused = api.post("/complaints", json=body, headers=_headers(token))
    assert refused.status_code == 409, refused.text
    assert refused.json()["message"].startswith(f"write {other.id} (complaint, confirmed) already takes nonce ")
    assert _queued_body(gateway, signed) == 1  # only the other worker's

    with Session(gateway.engine) as session, session.begin():
        row = session.get(OutboxWrite, other.id)
        assert row is not None
        mark(row, "failed")  # it will never land: its nonce is free
    accepted = api.post("/complaints", json=body, headers=_headers(token))
    assert accepted.status_code == 202, accepted.text
    gateway.settle()
    _confirmed(api, token, accepted.json())
    assert _complaints(gateway, ocid) == 1


def _queued_body(gateway: Gateway, signed: str) -> int:
    with Session(gateway.engine) as session:
        return session.query(OutboxWrite).filter_by(signed_tx=signed).count()


def test_a_signed_transaction_of_another_organisations_account_is_403(gateway: Gateway, api: TestClient) -> None:
    ocid, key = _tender(gateway), uuid.uuid4().hex
    signed = sign_call(
        gateway.ledger, gateway.account(SUPPLIER_B), "fileComplaint", process_id_of(ocid), reference("Q-B"),
        hashlib.sha256(b"complaint").digest(),
    )  # fmt: skip
    refused = api.post(
        "/complaints", json={"signed_transaction": signed}, headers=_headers(gateway.tokens["supplier-a"], key)
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == (
        f"account {gateway.account(SUPPLIER_B).address} signs for organisation 0x{SUPPLIER_B.org_id.hex()}, not for "
        f"0x{SUPPLIER_A.org_id.hex()}, whose token this is"
    )
    assert _queued(gateway, key) == 0


def test_a_signed_transaction_of_another_function_or_a_used_nonce_is_refused_in_words(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, headers = _tender(gateway), _headers(gateway.tokens["supplier-a"])
    complaint = _complaint(gateway, ocid, "Q-2")
    wrong = api.post("/bids/reveals", json={"signed_transaction": complaint}, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["message"].startswith("this endpoint relays calls of revealBid")
    gateway.w3.eth.send_raw_transaction(_complaint(gateway, ocid, "Q-3"))  # another one took the same nonce
    used = api.post(
        "/complaints", json={"signed_transaction": complaint}, headers=_headers(gateway.tokens["supplier-a"])
    )
    assert (
        used.status_code == 422 and "is used already; sign the transaction again with nonce" in used.json()["message"]
    )


def test_a_signed_call_the_contract_refuses_is_409_decoded(gateway: Gateway, api: TestClient) -> None:
    ocid = _tender(gateway)
    bid = _bid(ocid)
    # Signed before any commitment exists and sent after the deadline: the reveal has nothing to open.
    advance(gateway.w3, 10.5)
    account = gateway.account(SUPPLIER_A)
    nonce = gateway.w3.eth.get_transaction_count(account.address, "pending")
    data = gateway.ledger.contract.encode_abi("revealBid", [process_id_of(ocid), bid.amount, bid.doc, bid.salt])
    tx = {"type": 2, "chainId": gateway.w3.eth.chain_id, "nonce": nonce, "to": gateway.ledger.address, "data": data,
          "gas": 200_000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9, "value": 0}  # fmt: skip
    signed = "0x" + account.sign_transaction(tx).raw_transaction.hex()
    refused = api.post(
        "/bids/reveals", json={"signed_transaction": signed}, headers=_headers(gateway.tokens["supplier-a"])
    )
    assert refused.status_code == 409 and refused.json()["revert"]["name"] == "BidCommitmentMissing"


def test_a_signed_transaction_whose_nonce_another_took_fails_saying_so(gateway: Gateway, api: TestClient) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    signed = _complaint(gateway, ocid, "Q-NONCE-1")
    write = api.post("/complaints", json={"signed_transaction": signed}, headers=_headers(token)).json()
    taken = _complaint(gateway, ocid, "Q-NONCE-2")  # signed at the same nonce, and sent by the supplier itself
    gateway.w3.eth.wait_for_transaction_receipt(gateway.w3.eth.send_raw_transaction(taken))
    gateway.settle()
    done = api.get(f"/writes/{write['id']}", headers=_headers(token)).json()
    nonce = int(gateway.w3.eth.get_transaction_count(gateway.account(SUPPLIER_A).address)) - 1
    assert done["state"] == "failed" and done["error"] == {
        "name": "TransactionNonceUsed",
        "args": {"account": gateway.account(SUPPLIER_A).address, "nonce": nonce},
    }
    assert _complaints(gateway, ocid) == 1


def test_a_signed_transaction_the_node_keeps_refusing_fails_saying_why(gateway: Gateway, api: TestClient) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    supplier = gateway.account(SUPPLIER_A).address
    write = api.post(
        "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-BROKE")}, headers=_headers(token)
    ).json()
    balance = gateway.w3.eth.get_balance(supplier)
    gateway.w3.provider.make_request("anvil_setBalance", [supplier, "0x0"])  # type: ignore[arg-type]
    try:
        gateway.settle()  # without a limit the same bytes would be sent again until the settle timeout
    finally:
        gateway.w3.provider.make_request("anvil_setBalance", [supplier, hex(balance)])  # type: ignore[arg-type]
    done = api.get(f"/writes/{write['id']}", headers=_headers(token)).json()
    assert done["state"] == "failed" and done["error"]["name"] == "TransactionRefusedByNode", done
    assert done["error"]["args"]["account"] == supplier and done["error"]["args"]["refusals"] == 3
    assert "fund" in done["error"]["args"]["reason"].lower() and _complaints(gateway, ocid) == 0


def test_a_signed_transaction_refused_when_mined_fails_with_the_decoded_error(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    admin = gateway.ledger.sender(deployer_account(gateway.settings))
    second = derive_account(gateway.settings, SECOND_ACCOUNT_INDEX)  # another account of supplier A
    gateway.ledger.send(admin, "addOrganisationAccount", SUPPLIER_A.org_id, second.address)
    try:
        write = api.post(
            "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-RACE")}, headers=_headers(token)
        ).json()
        # Between the pre-flight and the send, the organisation's other account files the same complaint.
        letter = hashlib.sha256(b"complaint Q-RACE").digest()
        gateway.ledger.send(
            gateway.ledger.sender(second), "fileComplaint", process_id_of(ocid), reference("Q-RACE"), letter
        )
        gateway.settle()
    finally:
        gateway.ledger.send(admin, "removeOrganisationAccount", SUPPLIER_A.org_id, second.address)
    done = api.get(f"/writes/{write['id']}", headers=_headers(token)).json()
    assert done["state"] == "failed" and done["error"]["name"] == "ComplaintAlreadyRecorded"
    assert done["tx_hash"] is not None and _complaints(gateway, ocid) == 1


def test_a_suspended_supplier_still_reveals_but_cannot_commit_a_new_bid(gateway: Gateway, api: TestClient) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-b"]
    bid = _bid(ocid)
    account = gateway.account(SUPPLIER_B)
    commitment = bid_commitment(process_id_of(ocid), SUPPLIER_B.org_id, bid.amount, bid.doc, bid.salt)
    gateway.ledger.send(gateway.ledger.sender(account), "commitBid", process_id_of(ocid), commitment)
    finance = gateway.ledger.sender(gateway.account(FINANCE))
    gateway.ledger.send(finance, "suspendOrganisation", SUPPLIER_B.org_id, hashlib.sha256(b"debarment").digest())
    try:
        gateway.index()
        body = {**_signed_commitment(gateway, bid), "bidder_org": "0x" + SUPPLIER_B.org_id.hex()}
        refused = api.post("/bids/commitments", json=body, headers=_headers(token))
        assert refused.status_code == 403 and refused.json()["message"].endswith("is suspended")
        advance(gateway.w3, 10.5)
        signed = sign_call(gateway.ledger, account, "revealBid", process_id_of(ocid), bid.amount, bid.doc, bid.salt)
        accepted = api.post("/bids/reveals", json={"signed_transaction": signed}, headers=_headers(token))
        assert accepted.status_code == 202, accepted.text
        gateway.settle()
        _confirmed(api, token, accepted.json())
    finally:
        gateway.ledger.send(finance, "reinstateOrganisation", SUPPLIER_B.org_id, hashlib.sha256(b"lifted").digest())
        gateway.index()
    assert gateway.ledger.call("bidOf", process_id_of(ocid), SUPPLIER_B.org_id)[3] is True


def _complaint(gateway: Gateway, ocid: str, ref: str) -> str:
    return sign_call(
        gateway.ledger, gateway.account(SUPPLIER_A), "fileComplaint", process_id_of(ocid), reference(ref),
        hashlib.sha256(f"complaint {ref}".encode()).digest(),
    )  # fmt: skip


def _complaints(gateway: Gateway, ocid: str) -> int:
    event = gateway.ledger.contract.events.ComplaintFiled
    return len(event.get_logs(from_block=0, argument_filters={"processId": process_id_of(ocid)}))
