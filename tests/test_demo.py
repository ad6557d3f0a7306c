"""The demo keeps every document it hashes on chain in the store, anchors them as one root, and runs twice alike."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web3 import Web3

from api.app import create_app
from ledger.chain.ledger_contract import LedgerContract
from ledger.demo import (
    DEMO_PROCESSES,
    ORGANISATIONS,
    PURCHASER,
    WITHDRAWAL_REASON,
    WITHDRAWN_BID,
    anchored_documents,
    load_demo_data,
)
from ledger.settings import Settings
from ledger.store.document_models import Document
from ledger.store.documents import document_summaries, organisation_names
from ledger.store.projections import AnchoredDocument
from tests.indexer.mirror import open_mirror


def _counts(settings: Settings, session: Session) -> tuple[int, int, list[Path]]:
    documents = session.scalar(select(func.count()).select_from(Document)) or 0
    leaves = session.scalar(select(func.count()).select_from(AnchoredDocument)) or 0
    return documents, leaves, sorted(settings.documents_dir.rglob("*"))


def test_the_demo_stores_and_anchors_its_documents_and_a_second_run_adds_nothing(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})
    indexer, engine = open_mirror(settings, w3, database_url)

    assert load_demo_data(settings, ledger_contract, engine) == len(DEMO_PROCESSES)
    block = w3.eth.block_number
    with Session(engine) as session:
        first = _counts(settings, session)
    assert load_demo_data(settings, ledger_contract, engine) == 0
    assert w3.eth.block_number == block  # nothing sent
    with Session(engine) as session:
        assert _counts(settings, session) == first
        documents = anchored_documents()
        hashes = ["0x" + document.digest.hex() for document in documents]
        summaries = document_summaries(session, hashes)
        names = organisation_names(session, ["0x" + org.org_id.hex() for org in ORGANISATIONS])
    assert first[:2] == (len(documents) + len(ORGANISATIONS), len(documents))  # documents + profiles; leaves
    assert set(summaries) == set(hashes)
    assert all(summary.title and summary.language for summary in summaries.values())
    assert any("履约验收" in (summary.title or "") for summary in summaries.values())
    assert {name.name for name in names.values()} == {org.name for org in ORGANISATIONS}

    indexer.catch_up()
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        notice = DEMO_PROCESSES[2]
        metadata = client.get(f"/documents/{notice.doc_hash.hex()}").json()
        assert (metadata["title"], metadata["description"]) == (notice.title, notice.notice)
        (anchor,) = metadata["anchors"]
        assert anchor["anchorer_name"] == PURCHASER.name and anchor["tree_size"] == len(documents)
        (proof,) = client.get(f"/documents/{notice.doc_hash.hex()}/proof").json()["proofs"]
        path = [bytes.fromhex(step[2:]) for step in proof["audit_path"]]
        root = bytes.fromhex(anchor["root"][2:])
        assert ledger_contract.call("verifyDocument", PURCHASER.org_id, root, notice.doc_hash, 3, path) is True

        withdrawn = client.get(f"/documents/{WITHDRAWN_BID.digest.hex()}/content")
        assert withdrawn.status_code == 410 and WITHDRAWAL_REASON in withdrawn.json()["message"]
        assert client.get(f"/documents/{WITHDRAWN_BID.digest.hex()}/proof").status_code == 200
