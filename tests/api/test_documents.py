"""The document endpoints: metadata, bytes, inclusion proofs that the chain itself accepts, and verification."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web3 import Web3

from api.app import create_app
from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import ZERO_HASH, LedgerContract
from ledger.demo import PURCHASER
from ledger.proofs.merkle import merkle_root, verify_inclusion
from ledger.settings import Settings
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from tests.indexer.mirror import open_mirror

CHAIN_ID = 31337
TEXT = "text/plain; charset=utf-8"
CONTENTS = [
    "招标文件 Tender documents: bill of quantities".encode(),
    b"Award decision: single source to Harbour Roadworks Ltd.",
    b"bid of Northgate Civil Engineering Co.",
]
UNANCHORED = b"a document kept in the store but never anchored"


def sha(content: bytes) -> str:
    return "0x" + hashlib.sha256(content).hexdigest()


@dataclass
class Anchored:
    client: TestClient
    root: bytes
    tx_hash: str
    ledger: LedgerContract
    settings: Settings


@pytest.fixture
def anchored(settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str) -> Iterator[Anchored]:
    """Three documents in the store, anchored by the purchaser as one root and indexed; one more not anchored."""
    settings = settings.model_copy(update={"database_url": database_url, "max_upload_bytes": 4096})
    indexer, engine = open_mirror(settings, w3, database_url)
    store = DocumentStore(DocumentFiles(settings.documents_dir))
    leaves = [hashlib.sha256(content).digest() for content in CONTENTS]
    root = merkle_root(leaves)
    with Session(engine) as session, session.begin():
        for index, content in enumerate(CONTENTS):
            store.add(session, content, TEXT, f"document {index}", "zh" if index == 0 else "en")
        store.add(session, UNANCHORED, "application/pdf", "not anchored")
        store.add_organisation_profile(session, PURCHASER.registry_id, PURCHASER.name)
        record_anchored_leaves(session, CHAIN_ID, PURCHASER.org_id, root, leaves)
    purchaser = ledger_contract.sender(derive_account(settings, PURCHASER.account_index))
    receipt = ledger_contract.send(purchaser, "anchorDocuments", root, len(leaves), ZERO_HASH)
    indexer.catch_up()
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        yield Anchored(client, root, receipt["transactionHash"].to_0x_hex(), ledger_contract, settings)


def test_metadata_content_and_proof_of_an_anchored_document_check_out_on_chain(anchored: Anchored) -> None:
    client, digest = anchored.client, sha(CONTENTS[0])

    metadata = client.get(f"/documents/{digest[2:].upper()}")  # no 0x, upper case: the same document
    assert metadata.status_code == 200, metadata.text
    body = metadata.json()
    assert (body["sha256"], body["title"], body["language"], body["size"], body["available"]) == (
        digest, "document 0", "zh", len(CONTENTS[0]), True,
    )  # fmt: skip
    (anchor,) = body["anchors"]
    assert anchor["anchorer_org"] == "0x" + PURCHASER.org_id.hex()
    assert anchor["anchorer_name"] == PURCHASER.name
    assert (anchor["root"], anchor["leaf_index"], anchor["tree_size"]) == ("0x" + anchored.root.hex(), 0, 3)
    assert anchor["chain"]["tx_hash"] == anchored.tx_hash
    assert anchor["chain"]["contract"] == anchored.ledger.address.lower()

    content = client.get(f"/documents/{digest}/content")
    assert content.status_code == 200
    assert content.content == CONTENTS[0]
    assert content.headers["content-type"] == TEXT

    paths = []
    for index, document in enumerate(CONTENTS):
        response = client.get(f"/documents/{sha(document)}/proof")
        assert response.status_code == 200, response.text
        (proof,) = response.json()["proofs"]
        path = [bytes.fromhex(step[2:]) for step in proof["audit_path"]]
        assert proof["leaf_index"] == index and proof["chain"]["block_number"] > 0
        verify_inclusion(hashlib.sha256(document).digest(), index, proof["tree_size"], path, anchored.root)
        on_chain = anchored.ledger.call(
            "verifyDocument", PURCHASER.org_id, anchored.root, hashlib.sha256(document).digest(), index, path
        )
        assert on_chain is True
        paths.append(path)
    wrong_index = anchored.ledger.call(
        "verifyDocument", PURCHASER.org_id, anchored.root, hashlib.sha256(CONTENTS[0]).digest(), 1, paths[0]
    )
    assert wrong_index is False  # the check above can fail


def test_a_withdrawn_document_is_410_with_when_and_why_and_keeps_metadata_and_proof(anchored: Anchored) -> None:
    digest = sha(CONTENTS[2])
    engine = make_engine(anchored.settings.database_url)
    with Session(engine) as session, session.begin():
        DocumentStore(DocumentFiles(anchored.settings.documents_dir)).withdraw(session, digest, "trade secret")
    engine.dispose()

    content = anchored.client.get(f"/documents/{digest}/content")
    assert content.status_code == 410
    assert content.json()["error"] == "withdrawn"
    assert f"document {digest} was withdrawn on 20" in content.json()["message"]
    assert ": trade secret." in content.json()["message"]
    metadata = anchored.client.get(f"/documents/{digest}").json()
    assert metadata["available"] is False and metadata["withdrawal_reason"] == "trade secret"
    assert metadata["withdrawn_at"] is not None and len(metadata["anchors"]) == 1
    proof = anchored.client.get(f"/documents/{digest}/proof")
    assert proof.status_code == 200 and proof.json()["proofs"][0]["leaf_index"] == 2


def test_unknown_and_unanchored_documents_are_404_with_a_clear_message(anchored: Anchored) -> None:
    client, unknown = anchored.client, sha(b"nobody stored this")
    for path in (f"/documents/{unknown}", f"/documents/{unknown}/content"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert unknown in response.json()["message"]
    response = client.get(f"/documents/{sha(UNANCHORED)}/proof")
    assert response.status_code == 404
    assert response.json()["message"].startswith(f"document {sha(UNANCHORED)} is not anchored on chain")
    assert client.get(f"/documents/{sha(UNANCHORED)}").json()["anchors"] == []


def test_verify_answers_for_an_uploaded_file_or_a_hash_and_never_stores_the_upload(anchored: Anchored) -> None:
    client = anchored.client
    stored_before = sorted(anchored.settings.documents_dir.rglob("*"))

    uploaded = client.post("/documents/verify", files={"file": ("award.txt", CONTENTS[1], "text/plain")})
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert (body["sha256"], body["size"], body["anchored"], body["in_store"]) == (
        sha(CONTENTS[1]), len(CONTENTS[1]), True, True,
    )  # fmt: skip
    (proof,) = body["proofs"]
    assert (proof["anchorer_name"], proof["leaf_index"], proof["chain"]["tx_hash"]) == (
        PURCHASER.name, 1, anchored.tx_hash,
    )  # fmt: skip

    stranger = b"a file nobody anchored"
    unknown = client.post("/documents/verify", files={"file": ("x.bin", stranger, "application/octet-stream")})
    assert unknown.json() | {"proofs": None} == {
        "sha256": sha(stranger), "size": len(stranger), "anchored": False, "in_store": False, "title": None,
        "proofs": None,
    }  # fmt: skip
    assert sorted(anchored.settings.documents_dir.rglob("*")) == stored_before

    by_json = client.post("/documents/verify", json={"sha256": sha(CONTENTS[1])[2:]})
    by_form = client.post("/documents/verify", data={"sha256": sha(CONTENTS[1])})
    by_multipart_field = client.post("/documents/verify", files={"sha256": (None, sha(CONTENTS[1]))})
    for response in (by_json, by_form, by_multipart_field):
        assert response.status_code == 200, response.text
        assert response.json() | {"size": len(CONTENTS[1])} == body
    unanchored = client.post("/documents/verify", json={"sha256": sha(UNANCHORED)}).json()
    assert (unanchored["anchored"], unanchored["in_store"], unanchored["title"]) == (False, True, "not anchored")


@pytest.fixture
def client(settings: Settings, database_url: str) -> Iterator[TestClient]:
    """The API over an empty database, with a 1 KiB upload limit."""
    settings = settings.model_copy(update={"database_url": database_url, "max_upload_bytes": 1024})
    engine = make_engine(database_url)
    upgrade_schema(engine)
    engine.dispose()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/documents/abc", "/documents/" + "g" * 64 + "/content", "/documents/0x12/proof"])
def test_a_malformed_hash_in_the_path_is_422_in_the_error_shape(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["message"].startswith("sha256: String should match pattern")


@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"json": {"sha256": "0x1234"}}, "sha256: String should match pattern"),
        ({"json": {}}, "sha256: Field required"),
        ({"json": ["not", "an", "object"]}, "expected a JSON object"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "the body is not valid JSON"),
        ({"data": {"other": "field"}}, "sha256: Field required"),
        ({"files": {"note": (None, "no file, no hash")}}, "sha256: Field required"),
        ({"content": b"raw bytes", "headers": {"content-type": "application/pdf"}}, "expected a multipart/form-data"),
    ],
)
def test_verify_without_a_file_or_a_valid_hash_is_422(
    client: TestClient, request_kwargs: dict[str, object], message: str
) -> None:
    response = client.post("/documents/verify", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert message in response.json()["message"]


def test_a_file_sent_with_an_empty_hash_field_is_422_not_checked_without_it(client: TestClient) -> None:
    # Schemathesis found a file with an empty `sha256` field answered 200: the field was ignored.
    response = client.post("/documents/verify", files={"file": ("a.png", b"\x89PNG"), "sha256": (None, "")})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert response.json()["message"].startswith("sha256: String should match pattern")


def test_a_file_sent_with_the_hash_of_another_is_422_naming_both(client: TestClient) -> None:
    claimed, content = sha(b"another file"), b"this file"
    response = client.post("/documents/verify", files={"file": ("a.txt", content), "sha256": (None, claimed)})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "hash_mismatch"
    assert response.json()["message"].startswith(
        f"expected a document with SHA-256 {claimed}, got one with {sha(content)}"
    )


def test_a_file_sent_with_its_own_hash_is_verified(client: TestClient) -> None:
    content = b"this file"
    response = client.post("/documents/verify", files={"file": ("a.txt", content), "sha256": (None, sha(content)[2:])})
    assert response.status_code == 200, response.text
    assert (response.json()["sha256"], response.json()["size"]) == (sha(content), len(content))


def test_an_upload_over_the_limit_is_413_with_a_sentence(client: TestClient, tmp_path: Path) -> None:
    within = client.post("/documents/verify", files={"file": ("ok.bin", b"x" * 1024)})
    assert within.status_code == 200 and within.json()["size"] == 1024
    over = client.post("/documents/verify", files={"file": ("big.bin", b"x" * 1025)})
    assert over.status_code == 413
    assert over.json() == {
        "error": "upload_too_large",
        "message": "the upload is larger than the limit of 1,024 bytes (PROCLEDGER_MAX_UPLOAD_BYTES); send the "
        "document's SHA-256 instead of its bytes",
    }
    declared_huge = client.post(
        "/documents/verify",
        content=b"--b\r\n",
        headers={"content-type": "multipart/form-data; boundary=b", "content-length": str(10 * 2**20)},
    )
    assert declared_huge.status_code == 413


def test_the_openapi_document_describes_both_ways_to_verify_and_shows_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    verify = spec["paths"]["/documents/verify"]["post"]
    assert set(verify["requestBody"]["content"]) == {
        "multipart/form-data", "application/json", "application/x-www-form-urlencoded",
    }  # fmt: skip
    assert verify["responses"]["413"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert "410" in spec["paths"]["/documents/{sha256}/content"]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert all(schemas[name]["examples"] for name in ("DocumentOut", "DocumentProofOut", "VerificationOut"))
