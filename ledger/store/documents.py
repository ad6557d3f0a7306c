"""The document store: documents kept by SHA-256, what each one is, its withdrawal, and organisation names.

Hashes are given and returned as the mirror stores them: lower-case, 0x-prefixed 32-byte hex. Nothing here
commits: the caller owns the transaction. Files are written before their row, so a row always has had its bytes.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from eth_utils.crypto import keccak
from sqlalchemy import Select, bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from ledger.errors import DocumentWithdrawnError, NotFoundError
from ledger.store.document_files import DocumentFiles, as_sha256
from ledger.store.document_models import ROW_ID, Document, DocumentStoreGeneration, OrganisationProfile
from ledger.store.models import table_of
from ledger.store.queries import AnyRow

PROFILE_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class DocumentRecord:
    """Everything the store knows about one document."""

    sha256: str
    media_type: str
    size: int
    language: str | None
    title: str | None
    description: str | None
    added_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    added_by_org: str | None = None  # the organisation that added it through the gateway; None for the operator

    @property
    def available(self) -> bool:
        """Whether the bytes can be served (they were not withdrawn)."""
        return self.withdrawn_at is None


@dataclass(frozen=True)
class DocumentSummary:
    """What a listing shows of a document: enough to label a hash and say whether its bytes can be fetched."""

    sha256: str
    title: str | None
    media_type: str
    size: int
    language: str | None
    available: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


@dataclass(frozen=True)
class OrganisationName:
    """An organisation's name, bound to its on-chain id by the profile document `doc_sha256`."""

    org_id: str
    registry_id: str
    name: str
    doc_sha256: str


class DocumentStore:
    """Documents under `files`, recorded in the session's `documents` table."""

    def __init__(self, files: DocumentFiles) -> None:
        self.files = files

    def add(
        self,
        session: Session,
        content: bytes | BinaryIO,
        media_type: str,
        title: str | None = None,
        language: str | None = None,
        description: str | None = None,
        expected_sha256: str | None = None,
        added_by: str | None = None,
    ) -> DocumentRecord:
        """Store a document; the same bytes again return the record already there (a withdrawn one stays so).

        With `expected_sha256` (e.g. the hash on chain), other bytes are refused with DocumentHashMismatchError.
        `added_by` marks the organisation that added it (the only one that may withdraw it); a document already
        there keeps its first mark.
        """
        sha256, size = self.files.put(content, expected_sha256)
        row = _row(session, sha256)
        if row is not None:
            if row.withdrawn_at is not None:  # a withdrawal (e.g. a deletion right) is not undone by a re-send
                self.files.delete(sha256)
            return _record(row)
        row = Document(
            sha256=sha256,
            media_type=media_type,
            size=size,
            language=language,
            title=title,
            description=description,
            added_at=datetime.now(UTC),
            added_by_org=as_sha256(added_by) if added_by is not None else None,
        )
        session.add(row)
        session.flush()
        store_changed(session)
        return _record(row)

    def withdraw(self, session: Session, sha256: str, reason: str) -> DocumentRecord:
        """Mark a document withdrawn, saying when and why, and delete its bytes once the session commits; a second
        withdrawal keeps the first's when and why (and deletes bytes a crash after a commit may have left).

        Deleted at commit, not now: a transaction rolled back after this call must leave the document whole, not a
        row that says available over bytes that are gone.
        """
        row = _existing_row(session, sha256)
        if row.withdrawn_at is None:
            row.withdrawn_at, row.withdrawal_reason = datetime.now(UTC), reason
            session.flush()
            store_changed(session)
        _delete_at_commit(session, self.files, row.sha256)
        return _record(row)

    def open_content(self, session: Session, sha256: str) -> tuple[DocumentRecord, BinaryIO]:
        """A document's record and its bytes, to read and close; DocumentWithdrawnError says when and why not."""
        row = _existing_row(session, sha256)
        record = _record(row)
        if row.withdrawn_at is not None:
            raise DocumentWithdrawnError(row.sha256, row.withdrawn_at, row.withdrawal_reason or "no reason recorded")
        try:
            return record, self.files.open(row.sha256)
        except FileNotFoundError:
            raise NotFoundError(
                f"the bytes of document {row.sha256} are missing from the store at {self.files.root}; the operator "
                "should restore them from a backup (their SHA-256 tells the right file)"
            ) from None

    def add_organisation_profile(self, session: Session, registry_id: str, name: str) -> OrganisationName:
        """Store the profile document {"registry_id", "name"} and bind the name to keccak256(registry id)."""
        profile = json.dumps({"registry_id": registry_id, "name": name}, ensure_ascii=False, sort_keys=True)
        record = self.add(
            session, profile.encode(), PROFILE_MEDIA_TYPE, title=f"Organisation profile: {name}", language=None
        )
        org_id = "0x" + keccak(text=registry_id).hex()
        row = session.scalars(select(OrganisationProfile).where(OrganisationProfile.org_id == org_id)).first()
        if row is None:
            row = OrganisationProfile(org_id=org_id)
            session.add(row)
        if (row.registry_id, row.name, row.name_doc_sha256) != (registry_id, name, record.sha256):
            row.registry_id, row.name, row.name_doc_sha256 = registry_id, name, record.sha256
            session.flush()
            store_changed(session)
        return OrganisationName(org_id, registry_id, name, record.sha256)


def store_changed(session: Session) -> None:
    """Raise the store's generation, in the transaction of the change, so responses kept with the old one expire."""
    table = table_of(DocumentStoreGeneration)
    raised = session.execute(update(table).where(table.c.id == ROW_ID).values(generation=table.c.generation + 1))
    if raised.rowcount == 0:  # type: ignore[attr-defined]  # its row was deleted by hand
        session.execute(insert(table).values(id=ROW_ID, generation=1))


_PENDING_DELETIONS = "procledger.withdrawn_bytes"  # session.info key: the bytes its commit deletes


def _delete_at_commit(session: Session, files: DocumentFiles, sha256: str) -> None:
    pending: set[tuple[DocumentFiles, str]] = session.info.setdefault(_PENDING_DELETIONS, set())
    pending.add((files, sha256))
    if not event.contains(session, "after_commit", _delete_pending):
        event.listen(session, "after_commit", _delete_pending)
        event.listen(session, "after_rollback", _forget_pending)


def _delete_pending(session: Session) -> None:
    for files, sha256 in session.info.pop(_PENDING_DELETIONS, set()):
        files.delete(sha256)


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_DELETIONS, None)


def find_document(session: Session, sha256: str) -> DocumentRecord | None:
    """The store's record of a document, or None."""
    row = _row(session, as_sha256(sha256))
    return None if row is None else _record(row)


_documents, _profiles = table_of(Document), table_of(OrganisationProfile)
# Built once: every timeline and listing names its documents and organisations through these (see queries.py).
_SUMMARIES = select(
    _documents.c.sha256, _documents.c.title, _documents.c.media_type, _documents.c.size, _documents.c.language,
    _documents.c.withdrawn_at, _documents.c.withdrawal_reason,
).where(_documents.c.sha256.in_(bindparam("wanted", expanding=True)))  # fmt: skip
_NAMES = select(_profiles.c.org_id, _profiles.c.registry_id, _profiles.c.name, _profiles.c.name_doc_sha256).where(
    _profiles.c.org_id.in_(bindparam("wanted", expanding=True))
)
_IN_CHUNK = 500  # values per IN (...), well under every backend's parameter limit


def document_summaries(session: Session, hashes: Collection[str]) -> dict[str, DocumentSummary]:
    """Summaries of the stored documents among `hashes` (0x-hex as the mirror stores them), by hash."""
    return {
        row.sha256: DocumentSummary(
            row.sha256,
            row.title,
            row.media_type,
            row.size,
            row.language,
            row.withdrawn_at is None,
            row.withdrawn_at,
            row.withdrawal_reason,
        )
        for row in _rows_among(session, _SUMMARIES, hashes)
    }


def organisation_names(session: Session, org_ids: Collection[str]) -> dict[str, OrganisationName]:
    """The names bound to the organisations among `org_ids` (0x-hex on-chain ids), by id."""
    return {
        row.org_id: OrganisationName(row.org_id, row.registry_id, row.name, row.name_doc_sha256)
        for row in _rows_among(session, _NAMES, org_ids)
    }


def _rows_among(session: Session, statement: Select[Any], values: Collection[str]) -> list[AnyRow]:
    wanted = sorted(set(values))
    rows: list[AnyRow] = []
    for start in range(0, len(wanted), _IN_CHUNK):
        rows.extend(session.execute(statement, {"wanted": wanted[start : start + _IN_CHUNK]}))
    return rows


def _row(session: Session, sha256: str) -> Document | None:
    return session.scalars(select(Document).where(Document.sha256 == sha256)).first()


def _existing_row(session: Session, sha256: str) -> Document:
    row = _row(session, as_sha256(sha256))
    if row is None:
        raise NotFoundError(f"no document with SHA-256 {as_sha256(sha256)} is in the store")
    return row


def _record(row: Document) -> DocumentRecord:
    return DocumentRecord(
        row.sha256,
        row.media_type,
        row.size,
        row.language,
        row.title,
        row.description,
        row.added_at,
        row.withdrawn_at,
        row.withdrawal_reason,
        row.added_by_org,
    )
