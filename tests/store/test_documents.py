"""The document store keeps bytes by SHA-256, checks them as they come in, and withdraws them keeping the record."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils.crypto import keccak
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ledger.errors import DocumentHashMismatchError, DocumentWithdrawnError, NotFoundError, VerificationError
from ledger.proofs.merkle import merkle_root
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import CHUNK_BYTES, DocumentFiles
from ledger.store.document_models import Document
from ledger.store.documents import (
    DocumentStore,
    DocumentSummary,
    OrganisationName,
    document_summaries,
    organisation_names,
)
from ledger.store.projections import AnchoredDocument

NOTICE = "市政府办公楼物业管理服务 公开招标。".encode()
TEXT = "text/plain; charset=utf-8"


def sha(content: bytes) -> str:
    return "0x" + hashlib.sha256(content).hexdigest()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(DocumentFiles(tmp_path / "documents"))


def _files(store: DocumentStore) -> list[Path]:
    return sorted(path for path in store.files.root.rglob("*") if path.is_file())


def test_a_document_is_kept_under_its_sharded_sha256_and_adding_it_again_returns_the_same_record(
    engine: Engine, store: DocumentStore
) -> None:
    digest = sha(NOTICE)
    with Session(engine) as session, session.begin():
        first = store.add(session, NOTICE, TEXT, "物业管理服务", "zh", description="公开招标")
    with Session(engine) as session, session.begin():
        again = store.add(session, NOTICE, "application/octet-stream", "another title")
        rows = session.scalar(select(func.count()).select_from(Document))

    assert first == again and rows == 1
    assert (first.sha256, first.size, first.title, first.language, first.media_type) == (
        digest, len(NOTICE), "物业管理服务", "zh", TEXT,
    )  # fmt: skip
    assert first.available and first.added_at.tzinfo is not None
    assert _files(store) == [store.files.root / digest[2:4] / digest[4:]]
    assert _files(store)[0].read_bytes() == NOTICE


def test_a_stream_is_hashed_chunk_by_chunk_and_a_wrong_expected_hash_stores_nothing(
    engine: Engine, store: DocumentStore
) -> None:
    big = bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 7)  # more than two chunks
    with Session(engine) as session, session.begin():
        with pytest.raises(DocumentHashMismatchError, match=f"expected a document with SHA-256 {sha(NOTICE)}"):
            store.add(session, io.BytesIO(big), TEXT, expected_sha256=sha(NOTICE))
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert _files(store) == []  # not even the temporary file

    with Session(engine) as session, session.begin():
        record = store.add(session, io.BytesIO(big), "application/pdf", expected_sha256=sha(big)[2:].upper())
    assert (record.sha256, record.size) == (sha(big), len(big))


def test_a_withdrawn_document_loses_its_bytes_keeps_its_row_and_says_when_and_why(
    engine: Engine, store: DocumentStore
) -> None:
    with Session(engine) as session, session.begin():
        store.add(session, NOTICE, TEXT, "notice")
        _, stream = store.open_content(session, sha(NOTICE))
        with stream:
            assert stream.read() == NOTICE
        withdrawn = store.withdraw(session, sha(NOTICE), "personal data: deletion requested")
    assert _files(store) == []
    assert not withdrawn.available and withdrawn.withdrawal_reason == "personal data: deletion requested"

    with Session(engine) as session, session.begin():
        with pytest.raises(
            DocumentWithdrawnError, match=r"withdrawn on .*: personal data: deletion requested"
        ) as error:
            store.open_content(session, sha(NOTICE))
        assert error.value.withdrawn_at == withdrawn.withdrawn_at
        store.add(session, NOTICE, TEXT, "sent again")  # a re-send does not undo the withdrawal
        assert store.withdraw(session, sha(NOTICE), "a second reason") == withdrawn
        with pytest.raises(NotFoundError, match="no document with SHA-256"):
            store.open_content(session, sha(b"never stored"))
        with pytest.raises(NotFoundError):
            store.withdraw(session, sha(b"never stored"), "why")
    assert _files(store) == []


def test_a_withdrawal_rolled_back_keeps_the_bytes_and_a_committed_one_deletes_them(
    engine: Engine, store: DocumentStore
) -> None:
    with Session(engine) as session, session.begin():
        store.add(session, NOTICE, TEXT, "notice")
    with Session(engine) as session:
        with session.begin():
            store.withdraw(session, sha(NOTICE), "entered by mistake")
            assert len(_files(store)) == 1  # nothing deleted before the commit
            session.rollback()
        assert len(_files(store)) == 1
        with session.begin():  # a later commit of the same session deletes nothing the rollback undid
            record, stream = store.open_content(session, sha(NOTICE))
            with stream:
                assert stream.read() == NOTICE and record.withdrawn_at is None
        assert len(_files(store)) == 1
        with session.begin():
            store.withdraw(session, sha(NOTICE), "personal data: deletion requested")
        assert _files(store) == []


def test_summaries_and_organisation_names_answer_for_the_known_hashes_only(
    engine: Engine, store: DocumentStore
) -> None:
    with Session(engine) as session, session.begin():
        store.add(session, NOTICE, TEXT, "notice", "zh")
        store.add(session, b"withdrawn", TEXT, "gone")
        store.withdraw(session, sha(b"withdrawn"), "trade secret")
        bound = store.add_organisation_profile(session, "91330100DEMO0003SA", "港湾路桥有限公司 Harbour Roadworks")
    with Session(engine) as session:
        summaries = document_summaries(session, [sha(NOTICE), sha(b"withdrawn"), sha(b"unknown")])
        org_id = "0x" + keccak(text="91330100DEMO0003SA").hex()
        names = organisation_names(session, [org_id, "0x" + "00" * 32])
        _, profile = store.open_content(session, bound.doc_sha256)
        with profile:
            profile_json = json.loads(profile.read())

    assert set(summaries) == {sha(NOTICE), sha(b"withdrawn")}
    assert summaries[sha(NOTICE)] == DocumentSummary(sha(NOTICE), "notice", TEXT, len(NOTICE), "zh", True, None, None)
    assert not summaries[sha(b"withdrawn")].available
    assert summaries[sha(b"withdrawn")].withdrawal_reason == "trade secret"
    assert names == {
        org_id: OrganisationName(org_id, "91330100DEMO0003SA", "港湾路桥有限公司 Harbour Roadworks", bound.doc_sha256)
    }
    assert profile_json == {"registry_id": "91330100DEMO0003SA", "name": "港湾路桥有限公司 Harbour Roadworks"}


def test_a_leaf_list_is_recorded_once_and_only_if_it_gives_its_root(engine: Engine) -> None:
    leaves = [hashlib.sha256(f"doc {index}".encode()).digest() for index in range(5)]
    root, org = merkle_root(leaves), keccak(text="org")
    with Session(engine) as session, session.begin():
        with pytest.raises(VerificationError, match="expected leaves with root"):
            record_anchored_leaves(session, 1, org, root, leaves[:4])
        assert record_anchored_leaves(session, 1, org, root, leaves) == 5
        assert record_anchored_leaves(session, 1, org, root, leaves) == 0
    with Session(engine) as session:
        rows = session.execute(
            select(AnchoredDocument.leaf_index, AnchoredDocument.doc_hash).order_by(AnchoredDocument.leaf_index)
        ).all()
    assert [tuple(row) for row in rows] == [(index, "0x" + leaf.hex()) for index, leaf in enumerate(leaves)]
