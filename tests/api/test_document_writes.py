"""Documents through the write gateway on a real anvil: filed by upload or by hash, batched into one Merkle root
by size or by time, anchored by the submitter, provable against the chain's root once indexed; withdrawn by the
organisation that added them only, with the hash, anchor and proof kept; and every way a request is refused.

Each database (SQLite, PostgreSQL) gets its own chain with the demo. Tests file under distinct organisations or
processes, so each has batches of its own.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from api.app import create_app
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract, reference
from ledger.demo import DEMO_PROCESSES, load_demo_data
from ledger.demo_access import set_up_demo_access
from ledger.gateway.submitter import Submitter, submit_until_settled
from ledger.indexer.runner import build_indexer
from ledger.settings import Settings
from ledger.store.anchor_batch_models import DocumentUpload
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_models import Document
from ledger.store.gateway_models import OutboxWrite
from ledger.store.tokens import issue_token
from tests.conftest import fresh_database
from tests.helpers import PROJECT_DIR, deployed_chain, free_port

OCID, OTHER_OCID = DEMO_PROCESSES[0].ocid, DEMO_PROCESSES[1].ocid


@dataclass(frozen=True)
class Gateway:
    """A chain with the demo, its mirror, the demo's keystores and tokens (by label) and organisations."""

    settings: Settings
    ledger: LedgerContract
    engine: Engine
    tokens: dict[str, str]
    orgs: dict[str, str]

    def settle(self) -> None:
        """Submit until every queued write is confirmed, then index, so the read side holds the anchors."""
        keystores = Keystores.from_settings(self.settings)
        submit_until_settled(Submitter(self.engine, self.ledger, keystores, 0, 0.0), timeout=30, poll_interval=0.1)
        build_indexer(self.settings, self.ledger.contract.w3, self.engine).catch_up()

    def api(self, **changes: Any) -> TestClient:
        return TestClient(create_app(self.settings.model_copy(update=changes)))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Gateway]:
    data_dir = tmp_path_factory.mktemp("document-writes") / "data"
    with fresh_database(request.param, data_dir.parent) as url:
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port(), api_port=free_port(),
            database_url=url, keystore_passphrase=SecretStr("test passphrase"), keystore_scrypt_n=1024,
            write_rate="1000/minute", anchor_batch_size=3, anchor_interval=3600,
        )  # fmt: skip
        with deployed_chain(settings) as (w3, ledger):
            engine = make_engine(url)
            upgrade_schema(engine)
            load_demo_data(settings, ledger, engine)
            access = set_up_demo_access(settings, engine)
            build_indexer(settings, w3, engine).catch_up()
            yield Gateway(
                settings, ledger, engine, {each.label: each.token for each in access},
                {each.label: each.org_id for each in access},
            )  # fmt: skip
            engine.dispose()


def _headers(token: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}


def _upload(api: TestClient, token: str, content: bytes, key: str | None = None, **fields: str) -> Response:
    files = {"file": ("notice.txt", content, "text/plain; charset=utf-8")}
    return api.post("/documents", files=files, data=fields, headers=_headers(token, key))


def _sha256(content: bytes) -> str:
    return "0x" + hashlib.sha256(content).hexdigest()


def _verified_on_chain(gateway: Gateway, proof: dict[str, Any], sha256: str) -> bool:
    """The contract's own check of an inclusion proof against the root it anchored."""
    return bool(
        gateway.ledger.call(
            "verifyDocument", bytes.fromhex(proof["anchorer_org"][2:]), bytes.fromhex(proof["root"][2:]),
            bytes.fromhex(sha256[2:]), proof["leaf_index"], [bytes.fromhex(step[2:]) for step in proof["audit_path"]],
        )
    )  # fmt: skip


def test_uploads_fill_a_batch_that_closes_by_size_into_one_root_anchored_on_chain_with_proofs_that_verify(
    gateway: Gateway,
) -> None:
    token = gateway.tokens["purchaser"]
    contents = [f"Tender notice {n} {uuid.uuid4().hex}".encode() for n in range(3)]
    with gateway.api() as api:
        answers = [_upload(api, token, content, title=f"Notice {n}", ocid=OCID) for n, content in enumerate(contents)]
        assert [answer.status_code for answer in answers] == [202, 202, 202], answers[0].text
        places = [answer.json()["anchor"] for answer in answers]
        assert [place["leaf_index"] for place in places] == [0, 1, 2]
        assert len({place["batch_id"] for place in places}) == 1 and len({place["write_id"] for place in places}) == 1
        assert [place["state"] for place in places] == ["batching", "batching", "closed"]
        assert places[0]["root"] is None and places[2]["root"].startswith("0x") and places[2]["ocid"] == OCID
        first = answers[0].json()
        assert first["stored"] is True and first["added_by_org"] == gateway.orgs["purchaser"]
        assert first["media_type"] == "text/plain; charset=utf-8" and first["size"] == len(contents[0])

        write = api.get(f"/writes/{places[0]['write_id']}", headers=_headers(token)).json()
        assert write["action"] == "anchor" and write["state"] == "queued"
        assert write["request"] == {"batch_id": places[0]["batch_id"], "root": places[2]["root"], "count": 3,
                                    "ocid": OCID}  # fmt: skip
        gateway.settle()
        done = api.get(f"/writes/{places[0]['write_id']}", headers=_headers(token)).json()
        assert done["state"] == "confirmed" and done["tx_hash"].startswith("0x")

        for index, content in enumerate(contents):
            proofs = api.get(f"/documents/{_sha256(content)}/proof").json()["proofs"]
            assert len(proofs) == 1
            assert proofs[0]["root"] == places[2]["root"] and proofs[0]["leaf_index"] == index
            assert proofs[0]["tree_size"] == 3 and proofs[0]["ocid"] == OCID
            assert proofs[0]["chain"]["tx_hash"] == done["tx_hash"]
            assert _verified_on_chain(gateway, proofs[0], _sha256(content))
        assert api.get(f"/documents/{_sha256(contents[1])}/content").content == contents[1]
        assert api.get(f"/documents/{_sha256(contents[1])}").json()["title"] == "Notice 1"


def test_a_hash_sent_alone_is_anchored_when_its_batch_interval_passes_in_the_submitters_round(
    gateway: Gateway,
) -> None:
    token, sha256 = gateway.tokens["finance"], _sha256(uuid.uuid4().bytes)
    with gateway.api(anchor_interval=0.5) as api:
        filed = api.post("/documents", json={"sha256": sha256.upper().replace("0X", "")}, headers=_headers(token))
        assert filed.status_code == 202, filed.text
        body = filed.json()
        assert body["sha256"] == sha256 and body["stored"] is False and body["size"] is None
        assert body["anchor"]["state"] == "batching" and body["anchor"]["ocid"] is None
        write_id = body["anchor"]["write_id"]
        gateway.settle()  # the interval has not passed: the batch stays open, its write untouched
        assert api.get(f"/writes/{write_id}", headers=_headers(token)).json()["state"] == "batching"
        time.sleep(0.6)
        gateway.settle()
        done = api.get(f"/writes/{write_id}", headers=_headers(token)).json()
        assert done["state"] == "confirmed" and done["request"]["count"] == 1
        proof = api.get(f"/documents/{sha256}/proof").json()["proofs"][0]
        assert proof["root"] == done["request"]["root"] and proof["anchorer_org"] == gateway.orgs["finance"]
        assert _verified_on_chain(gateway, proof, sha256)
        assert api.get(f"/documents/{sha256}").status_code == 404  # only the hash was sent: nothing in the store


def test_uploads_racing_for_one_batch_each_get_their_own_leaf_and_no_batch_takes_more_than_its_size(
    gateway: Gateway,
) -> None:
    token, contents = gateway.tokens["purchaser"], [uuid.uuid4().bytes for _ in range(6)]
    with gateway.api() as api, ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda content: _upload(api, token, content, ocid=OTHER_OCID), contents))
        assert [answer.status_code for answer in answers] == [202] * 6, [answer.text for answer in answers]
        places = [answer.json()["anchor"] for answer in answers]
        by_batch: dict[int, list[int]] = {}
        for place in places:
            by_batch.setdefault(place["batch_id"], []).append(place["leaf_index"])
        assert sorted(sorted(leaves) for leaves in by_batch.values()) == [[0, 1, 2], [0, 1, 2]]
        gateway.settle()
        for content in contents:
            proof = api.get(f"/documents/{_sha256(content)}/proof").json()["proofs"][0]
            assert proof["tree_size"] == 3 and _verified_on_chain(gateway, proof, _sha256(content))


def test_an_anchor_sent_again_after_a_crash_counts_its_own_earlier_transaction_and_anchors_once(
    gateway: Gateway,
) -> None:
    token = gateway.tokens["supplier-b"]
    with gateway.api(anchor_batch_size=1) as api:
        place = _upload(api, token, uuid.uuid4().bytes).json()["anchor"]
        gateway.settle()
        with Session(gateway.engine) as session, session.begin():  # as if it crashed before hearing of the inclusion
            session.execute(update(OutboxWrite).where(OutboxWrite.id == place["write_id"]).values(state="queued"))
        gateway.settle()  # refused as AnchorAlreadyRecorded: its own earlier transaction is what recorded it
        done = api.get(f"/writes/{place['write_id']}", headers=_headers(token)).json()
    assert done["state"] == "confirmed" and done["error"] is None
    logs = gateway.ledger.contract.events.DocumentsAnchored.get_logs(from_block=0)
    assert sum(1 for log in logs if "0x" + log["args"]["root"].hex() == place["root"]) == 1


def test_the_same_key_and_request_give_the_same_place_and_another_request_is_a_409(gateway: Gateway) -> None:
    token, key, content = gateway.tokens["supplier-a"], uuid.uuid4().hex, uuid.uuid4().bytes
    with gateway.api() as api:
        first = _upload(api, token, content, key, title="Bid cover letter")
        again = _upload(api, token, content, key, title="Bid cover letter")
        assert (first.status_code, again.status_code) == (202, 200)
        assert again.json()["anchor"] == first.json()["anchor"]
        clash = _upload(api, token, content, key, title="Another title")
        assert clash.status_code == 409 and clash.json()["error"] == "idempotency_conflict"
        # The same document under a new key keeps its place: one leaf, never two.
        other_key = _upload(api, token, content, title="Bid cover letter")
        assert other_key.status_code == 202 and other_key.json()["anchor"] == first.json()["anchor"]


def test_an_upload_over_the_size_limit_is_a_413_and_nothing_is_kept(gateway: Gateway) -> None:
    key, content = uuid.uuid4().hex, b"x" * 70_000
    with gateway.api(max_upload_bytes=1_000) as api:
        refused = _upload(api, gateway.tokens["supplier-a"], content, key)
    assert refused.status_code == 413 and refused.json()["error"] == "upload_too_large"
    assert _kept(gateway, key, content) == (0, 0)


def test_a_file_that_does_not_have_the_sha256_sent_with_it_is_a_422_and_nothing_is_kept(gateway: Gateway) -> None:
    key, content, claimed = uuid.uuid4().hex, uuid.uuid4().bytes, _sha256(b"something else")
    with gateway.api() as api:
        refused = _upload(api, gateway.tokens["supplier-a"], content, key, sha256=claimed)
    assert refused.status_code == 422 and refused.json()["error"] == "hash_mismatch"
    assert f"expected a document with SHA-256 {claimed}, got one with {_sha256(content)}" in refused.json()["message"]
    assert _kept(gateway, key, content) == (0, 0)


def test_a_form_field_over_its_limit_is_a_422_never_cut_short(gateway: Gateway) -> None:
    key, content = uuid.uuid4().hex, uuid.uuid4().bytes
    with gateway.api() as api:
        refused = _upload(api, gateway.tokens["supplier-a"], content, key, description="说明" * 200)  # 1,200 bytes
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_request"
    assert "the form field 'description' is longer than 1024 bytes" in refused.json()["message"]
    assert _kept(gateway, key, content) == (0, 0)


def test_filing_under_a_process_the_organisation_is_no_party_of_is_refused_with_the_decoded_error(
    gateway: Gateway,
) -> None:
    key, content = uuid.uuid4().hex, uuid.uuid4().bytes
    with gateway.api() as api:
        refused = _upload(api, gateway.tokens["supplier-b"], content, key, ocid=OCID)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "contract_revert"
    assert refused.json()["revert"]["name"] == "AnchorNotProcessParty"
    assert refused.json()["revert"]["args"]["anchorerOrg"] == gateway.orgs["supplier-b"]
    assert _kept(gateway, key, content) == (0, 0)


def test_a_token_of_an_organisation_not_registered_on_chain_is_403(gateway: Gateway) -> None:
    with Session(gateway.engine) as session, session.begin():
        _, token = issue_token(session, "0x" + reference("not registered").hex())
    with gateway.api() as api:
        refused = api.post("/documents", json={"sha256": _sha256(b"x")}, headers=_headers(token))
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert refused.json()["message"].startswith("POST /documents needs an organisation registered on chain")


def test_only_the_organisation_that_added_a_document_withdraws_it_and_its_hash_anchor_and_proof_stay(
    gateway: Gateway,
) -> None:
    owner, other, content = gateway.tokens["auditor"], gateway.tokens["supplier-b"], uuid.uuid4().bytes
    sha256, reason = _sha256(content), {"reason": "personal data of a bidder's staff"}
    with gateway.api(anchor_batch_size=1) as api:
        filed = _upload(api, owner, content, title="Audit working paper")
        assert filed.json()["anchor"]["state"] == "closed"  # a batch of one closes at once
        gateway.settle()
        refused = api.request("DELETE", f"/documents/{sha256}", json=reason, headers=_headers(other))
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        assert f"organisation {gateway.orgs['auditor']} added it" in refused.json()["message"]
        assert api.get(f"/documents/{sha256}/content").content == content  # untouched by the refusal

        withdrawn = api.request("DELETE", f"/documents/{sha256}", json=reason, headers=_headers(owner))
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["available"] is False and withdrawn.json()["withdrawal_reason"] == reason["reason"]
        assert len(withdrawn.json()["anchors"]) == 1
        gone = api.get(f"/documents/{sha256}/content")
        assert gone.status_code == 410 and reason["reason"] in gone.json()["message"]
        twice = api.request("DELETE", f"/documents/{sha256}", json={"reason": "again"}, headers=_headers(owner))
        assert twice.status_code == 410 and reason["reason"] in twice.json()["message"]

        proof = api.get(f"/documents/{sha256}/proof")
        assert proof.status_code == 200 and _verified_on_chain(gateway, proof.json()["proofs"][0], sha256)
        assert not gateway.settings.documents_dir.joinpath(sha256[2:4], sha256[4:]).exists()


def test_withdrawing_an_unknown_document_is_404_and_the_operators_is_403(gateway: Gateway) -> None:
    headers, reason = _headers(gateway.tokens["purchaser"]), {"reason": "no longer needed"}
    with gateway.api() as api:
        unknown = api.request("DELETE", f"/documents/{_sha256(uuid.uuid4().bytes)}", json=reason, headers=headers)
        assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
        demo_notice = "0x" + DEMO_PROCESSES[0].doc_hash.hex()  # stored by the operator's demo, not the gateway
        operators = api.request("DELETE", f"/documents/{demo_notice}", json=reason, headers=headers)
        assert operators.status_code == 403 and "the gateway's operator added it" in operators.json()["message"]
        no_reason = api.request("DELETE", f"/documents/{demo_notice}", json={}, headers=headers)
        assert no_reason.status_code == 422 and "reason" in no_reason.json()["message"]


def _kept(gateway: Gateway, key: str, content: bytes) -> tuple[int, int]:
    """How many uploads under `key` and store rows of `content` there are."""
    with Session(gateway.engine) as session:
        uploads = session.scalar(select(func.count()).where(DocumentUpload.idempotency_key == key))
        documents = session.scalar(select(func.count()).where(Document.sha256 == _sha256(content)))
    return int(uploads or 0), int(documents or 0)
