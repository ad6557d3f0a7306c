"""The write gateway as an attacker sees it, on a real anvil, in SQLite and PostgreSQL: replays under fresh keys,
signed transactions that cannot land or are not what the endpoint relays, malformed input, and the rate limit
on every write endpoint.

The chain, the mirror and the tokens are those of tests/api/test_supplier_writes.py (the demo, its keystores and
the gateway's relayer); each test opens a tender of its own where it needs one.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.auth import get_caller
from ledger.chain.bids import sign_bid_commitment
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import process_id_of, reference
from ledger.demo import SUPPLIER_A
from ledger.store.gateway_models import OutboxWrite
from ledger.store.tokens import issue_token, revoke_token
from tests.api import test_supplier_writes as supplier_writes
from tests.api.lifecycle import advance
from tests.api.test_supplier_writes import (
    DAY,
    SINGLE_SOURCE,
    Gateway,
    _bid,
    _complaint,
    _headers,
    _signed_commitment,
    _tender,
)

gateway, api = supplier_writes.gateway, supplier_writes.api  # the same fixtures: a chain with the demo, and the API

GWEI = 10**9


def _outbox_count(gateway: Gateway, action: str) -> int:
    with Session(gateway.engine) as session:
        return int(session.scalar(select(func.count()).where(OutboxWrite.action == action)) or 0)


def _outbox_count_keyed(gateway: Gateway, key: str) -> int:
    with Session(gateway.engine) as session:
        return session.query(OutboxWrite).filter_by(idempotency_key=key).count()


def _relayer_reverts(gateway: Gateway) -> int:
    """Transactions of the gateway's relayer that were mined and reverted: gas it paid for nothing."""
    relayer = Keystores.from_settings(gateway.settings).find("relayer").address
    w3, reverted = gateway.w3, 0
    for number in range(w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] == relayer and w3.eth.get_transaction_receipt(tx["hash"])["status"] == 0:  # type: ignore[index]
                reverted += 1
    return reverted


def _signed(gateway: Gateway, account: LocalAccount, data: str, **fields: Any) -> str:
    """A transaction calling the ledger with `data`, signed by `account`, with `fields` changed (None drops one)."""
    w3 = gateway.w3
    tx: dict[str, Any] = {
        "type": 2, "chainId": w3.eth.chain_id, "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "to": gateway.ledger.address, "data": data, "gas": 300_000, "maxFeePerGas": 10 * GWEI,
        "maxPriorityFeePerGas": GWEI, "value": 0,
    }  # fmt: skip
    tx.update(fields)
    tx = {name: value for name, value in tx.items() if value is not None}
    return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()


def _complaint_data(gateway: Gateway, ocid: str, ref: str) -> str:
    letter = hashlib.sha256(f"complaint {ref}".encode()).digest()
    return str(gateway.ledger.contract.encode_abi("fileComplaint", [process_id_of(ocid), reference(ref), letter]))


# --- replays under a fresh Idempotency-Key -----------------------------------------------------------------------


def test_one_signed_bid_commitment_under_two_keys_is_queued_once_and_the_relayer_pays_no_revert(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    body = _signed_commitment(gateway, _bid(ocid))
    before = _relayer_reverts(gateway)
    first = api.post("/bids/commitments", json=body, headers=_headers(token))
    again = api.post("/bids/commitments", json=body, headers=_headers(token))  # the same signature, a new key
    gateway.settle()
    assert _relayer_reverts(gateway) == before  # the relayer paid for no second, reverted, commit
    assert first.status_code == 202, first.text
    assert again.status_code == 409 and again.json()["error"] == "duplicate_write", again.text
    assert f"write {first.json()['id']}" in again.json()["message"]


def test_two_bids_signed_at_the_same_nonce_cannot_both_be_queued_for_the_relayer(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    before = _relayer_reverts(gateway)
    first = api.post("/bids/commitments", json=_signed_commitment(gateway, _bid(ocid, 100)), headers=_headers(token))
    other = api.post("/bids/commitments", json=_signed_commitment(gateway, _bid(ocid, 200)), headers=_headers(token))
    assert first.status_code == 202, first.text
    assert other.status_code == 409 and other.json()["error"] == "duplicate_write", other.text
    assert "nonce 0" in other.json()["message"]
    gateway.settle()
    assert _relayer_reverts(gateway) == before


def test_one_signed_transaction_under_two_keys_is_one_write(gateway: Gateway, api: TestClient) -> None:
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    signed = {"signed_transaction": _complaint(gateway, ocid, "Q-TWICE")}
    first = api.post("/complaints", json=signed, headers=_headers(token))
    again = api.post("/complaints", json=signed, headers=_headers(token))
    assert first.status_code == 202, first.text
    assert again.status_code == 409 and again.json()["error"] == "duplicate_write", again.text
    gateway.settle()


def test_a_failed_commitment_can_be_sent_again_under_a_new_key(gateway: Gateway, api: TestClient) -> None:
    """The duplicate check counts only writes still on their way: a failed one does not block its retry."""
    ocid, token = _tender(gateway), gateway.tokens["supplier-a"]
    body = _signed_commitment(gateway, _bid(ocid))
    first = api.post("/bids/commitments", json=body, headers=_headers(token)).json()
    with Session(gateway.engine) as session, session.begin():
        row = session.get(OutboxWrite, first["id"])
        assert row is not None
        row.state = "failed"
    assert api.post("/bids/commitments", json=body, headers=_headers(token)).status_code == 202
    gateway.settle()


def test_a_relayed_bid_whose_signature_expires_within_seconds_is_refused_before_the_relayer_pays(
    gateway: Gateway, api: TestClient
) -> None:
    """On a chain with a block time, a commitment pre-flighted a second before its deadline is mined after it and
    reverts (BidSignatureExpired) at the relayer's cost; anvil mines at once, so the test pins the refusal."""
    ocid, key = _tender(gateway), uuid.uuid4().hex
    now = int(gateway.w3.eth.get_block("latest")["timestamp"])
    bid = _bid(ocid)
    body = _signed_commitment(gateway, bid)
    signer = gateway.account(SUPPLIER_A)
    signature = sign_bid_commitment(
        signer.key, chain_id=gateway.w3.eth.chain_id, ledger_address=gateway.ledger.address,
        process_id=process_id_of(ocid), bidder_org=SUPPLIER_A.org_id, commitment=bid.commitment,
        nonce=body["nonce"], deadline=now + 5,
    )  # fmt: skip
    body = {**body, "deadline": now + 5, "signature": "0x" + signature.hex()}
    refused = api.post("/bids/commitments", json=body, headers=_headers(gateway.tokens["supplier-a"], key))
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_request", refused.text
    assert refused.json()["message"].startswith("the signature's deadline is")
    assert _outbox_count_keyed(gateway, key) == 0


def test_a_relayed_bid_in_the_tenders_last_seconds_is_refused_pointing_to_commit_bid(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, key = _tender(gateway), uuid.uuid4().hex
    advance(gateway.w3, 10 - 10 / DAY)  # ten seconds before the bid deadline
    body = _signed_commitment(gateway, _bid(ocid))
    refused = api.post("/bids/commitments", json=body, headers=_headers(gateway.tokens["supplier-a"], key))
    assert refused.status_code == 422 and refused.json()["message"].startswith("the bid deadline is"), refused.text
    assert "commitBid" in refused.json()["message"] and _outbox_count_keyed(gateway, key) == 0


# --- signed transactions that are not what the endpoint relays, or cannot land -----------------------------------


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"chainId": 1}, "signed for chain 1"),
        ({"to": None}, "is sent to None"),
        ({"to": "0x000000000000000000000000000000000000dEaD"}, "is sent to 0x000000000000000000000000000000000000dEaD"),
        ({"value": 1}, "sends 1 wei"),
        ({"gas": 10**9}, "above the block gas limit"),
        ({"maxPriorityFeePerGas": 20 * GWEI}, "above its maxFeePerGas"),
        ({"nonce": 10**6}, "leaves a gap"),
    ],
    ids=["chain", "creation", "other-contract", "value", "gas", "priority-fee", "nonce-gap"],
)
def test_a_signed_transaction_that_cannot_land_as_relayed_is_422_and_not_queued(
    gateway: Gateway, api: TestClient, fields: dict[str, Any], says: str
) -> None:
    ocid, key = _tender(gateway), uuid.uuid4().hex
    signed = _signed(gateway, gateway.account(SUPPLIER_A), _complaint_data(gateway, ocid, "Q-" + key), **fields)
    refused = api.post(
        "/complaints", json={"signed_transaction": signed}, headers=_headers(gateway.tokens["supplier-a"], key)
    )
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_request", refused.text
    assert says in refused.json()["message"]
    with Session(gateway.engine) as session:
        assert session.query(OutboxWrite).filter_by(idempotency_key=key).count() == 0


def test_a_multicall_wrapping_a_relayable_call_is_refused_naming_the_selector(
    gateway: Gateway, api: TestClient
) -> None:
    ocid = _tender(gateway)
    inner = bytes.fromhex(_complaint_data(gateway, ocid, "Q-MULTI").removeprefix("0x"))
    data = str(gateway.ledger.contract.encode_abi("multicall", [[inner]]))
    signed = _signed(gateway, gateway.account(SUPPLIER_A), data)
    refused = api.post(
        "/complaints", json={"signed_transaction": signed}, headers=_headers(gateway.tokens["supplier-a"])
    )
    assert refused.status_code == 422 and refused.json()["message"].startswith("this endpoint relays calls of")


@pytest.mark.parametrize("kind", [{"type": 1, "gasPrice": 10 * GWEI, "accessList": []}, {"gasPrice": 10 * GWEI}])
def test_access_list_and_legacy_transactions_are_refused(
    gateway: Gateway, api: TestClient, kind: dict[str, Any]
) -> None:
    ocid = _tender(gateway)
    fields = {"type": None, "maxFeePerGas": None, "maxPriorityFeePerGas": None, **kind}
    signed = _signed(gateway, gateway.account(SUPPLIER_A), _complaint_data(gateway, ocid, "Q-OLD"), **fields)
    refused = api.post(
        "/complaints", json={"signed_transaction": signed}, headers=_headers(gateway.tokens["supplier-a"])
    )
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_request", refused.text


def test_a_delivery_of_an_unknown_milestone_kind_is_4xx_in_words_not_hex_or_500(
    gateway: Gateway, api: TestClient
) -> None:
    data = gateway.ledger.contract.encode_abi(
        "recordMilestone", [process_id_of(SINGLE_SOURCE), reference("Q4"), 0, b"\x01" * 32]
    )
    data = data[: 2 + 8 + 64 * 2] + f"{7:064x}" + data[2 + 8 + 64 * 3 :]  # kind 7: no such MilestoneKind
    signed = _signed(gateway, gateway.account(SUPPLIER_A), data)
    refused = api.post(
        "/deliveries", json={"signed_transaction": signed}, headers=_headers(gateway.tokens["supplier-a"])
    )
    assert 400 <= refused.status_code < 500, refused.text
    assert set(refused.json()) >= {"error", "message"} and "0x" not in refused.json()["message"]


# --- tokens, organisations, input ---------------------------------------------------------------------------------


def test_a_token_revoked_after_its_first_write_cannot_read_or_write_again(gateway: Gateway, api: TestClient) -> None:
    with Session(gateway.engine) as session, session.begin():
        info, token = issue_token(session, "0x" + SUPPLIER_A.org_id.hex(), "attack")
    ocid = _tender(gateway)
    first = api.post(
        "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-R")}, headers=_headers(token)
    )
    assert first.status_code == 202, first.text
    with Session(gateway.engine) as session, session.begin():
        revoke_token(session, info.id)
    assert api.get(f"/writes/{first.json()['id']}", headers=_headers(token)).status_code == 401
    again = api.post(
        "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-S")}, headers=_headers(token)
    )
    assert again.status_code == 401
    gateway.settle()


def test_one_idempotency_key_used_by_two_organisations_gives_two_writes_each_seeing_only_its_own(
    gateway: Gateway, api: TestClient
) -> None:
    ocid, key = _tender(gateway), uuid.uuid4().hex
    mine = api.post(
        "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-K")},
        headers=_headers(gateway.tokens["supplier-a"], key),
    )  # fmt: skip
    theirs = api.post(
        "/complaints", json={"signed_transaction": _complaint(gateway, ocid, "Q-K")},
        headers=_headers(gateway.tokens["supplier-b"], key),
    )  # fmt: skip
    assert mine.status_code == 202, mine.text
    assert theirs.status_code == 403  # A's account does not sign for B: B cannot take A's write by its key
    read = api.get(f"/writes/{mine.json()['id']}", headers=_headers(gateway.tokens["supplier-b"]))
    assert read.status_code == 404 and read.json()["error"] == "not_found"
    gateway.settle()


@pytest.mark.parametrize(
    "path",
    ["/documents/..%2F..%2Fetc%2Fpasswd", "/documents/" + "0" * 63 + "%00", "/documents/" + "a" * 10_000],
)
def test_a_document_path_that_is_not_a_sha256_is_4xx_shaped(gateway: Gateway, api: TestClient, path: str) -> None:
    refused = api.request("DELETE", path, json={"reason": "x"}, headers=_headers(gateway.tokens["supplier-a"]))
    assert 400 <= refused.status_code < 500 and set(refused.json()) >= {"error", "message"}, refused.text


@pytest.mark.parametrize(
    "raw",
    [
        b'{"ocid": "x", "payment_ref": "\xe6\x94\xaf-1", "milestone_id": "0x'
        + b"0" * 64
        + b'", "amount": 1'
        + b"0" * 400
        + b', "payee": "0x'
        + b"0" * 40
        + b'", "voucher_sha256": "0x'
        + b"0" * 64
        + b'"}',
        b'{"amount": -1}',
        b"[" * 5_000,
        b'{"ocid": "\xff\xfe"}',
    ],
    ids=["huge-number", "negative", "deep-nesting", "not-utf8"],
)
def test_malformed_json_bodies_are_422_shaped(gateway: Gateway, api: TestClient, raw: bytes) -> None:
    headers = {**_headers(gateway.tokens["finance"]), "Content-Type": "application/json"}
    refused = api.post("/payments", content=raw, headers=headers)
    assert refused.status_code in (400, 422) and set(refused.json()) == {"error", "message"}, refused.text


@pytest.mark.parametrize("content_type", ["application/json", None], ids=["json", "no-content-type"])
def test_a_json_write_body_past_the_limit_is_413_before_it_is_parsed(
    gateway: Gateway, api: TestClient, content_type: str | None
) -> None:
    # FastAPI parses a body without a Content-Type as JSON too, so leaving the header out must not escape the cap.
    body = b'{"ocid": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    headers = _headers(gateway.tokens["finance"]) | ({"Content-Type": content_type} if content_type else {})
    refused = api.post("/payments", content=body, headers=headers)
    assert refused.status_code == 413 and refused.json()["error"] == "upload_too_large", refused.text[:300]


# --- the rate limit -----------------------------------------------------------------------------------------------


def _depends_on(dependant: Any, call: Any) -> bool:
    return any(each.call is call or _depends_on(each, call) for each in dependant.dependencies)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside the routers FastAPI includes lazily."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


def test_every_write_endpoint_counts_against_the_tokens_rate_limit(gateway: Gateway) -> None:
    app = create_app(gateway.settings)
    writes = [route for route in _api_routes(app.routes) if route.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    public = {"/bids/verify", "/documents/verify"}  # anyone checks a receipt or a document: nothing is written
    assert len(writes) > 20 and public <= {route.path for route in writes}
    unlimited = [route.path for route in writes if not _depends_on(route.dependant, get_caller)]
    assert sorted(unlimited) == sorted(public)


def test_over_the_rate_every_kind_of_write_endpoint_answers_429_with_retry_after(gateway: Gateway) -> None:
    limited = gateway.settings.model_copy(update={"write_rate": "1/minute"})
    token = gateway.tokens["supplier-a"]
    with TestClient(create_app(limited)) as client:
        client.get("/writes/1", headers=_headers(token))  # the one request this minute
        for method, path in (
            ("POST", "/bids/commitments"), ("POST", "/complaints"), ("POST", "/documents"),
            ("DELETE", "/documents/" + "ab" * 32), ("POST", "/payments"),
        ):  # fmt: skip
            answer = client.request(method, path, json={}, headers=_headers(token))
            assert answer.status_code == 429, (path, answer.text)
            assert int(answer.headers["Retry-After"]) >= 1 and answer.json()["error"] == "rate_limited"


def test_an_upload_with_two_file_parts_is_refused_in_words_and_stores_nothing(
    gateway: Gateway, api: TestClient
) -> None:
    first, second = b"the letter the store would keep", b"the document whose hash is claimed"
    boundary = "attackboundary"
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n{content.decode()}\r\n"
            for name, content in (("a.txt", first), ("b.txt", second))
        )
        + f"--{boundary}--\r\n"
    )
    headers = {**_headers(gateway.tokens["supplier-a"]), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    refused = api.post("/documents", content=body.encode(), headers=headers)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_request", refused.text
    assert "one `file` part" in refused.json()["message"]
    for content in (first, second, first + second):
        assert api.get(f"/documents/{hashlib.sha256(content).hexdigest()}").status_code == 404
