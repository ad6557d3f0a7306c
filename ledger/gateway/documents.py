"""Documents through the write gateway: an organisation files a document (its bytes, or only its hash), the
gateway keeps it in the document store marked as that organisation's and puts its hash into an anchor batch; the
organisation alone may later withdraw its content, while the hash, anchor and proof stay.

Filing is idempotent like every write: the same Idempotency-Key with the same request gives the same place back,
with another request it is a conflict. Before anything is kept, the contract is asked (eth_call) whether the
organisation may anchor, under that process if one is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.errors import (
    ContractRevertError,
    DocumentWithdrawnError,
    IdempotencyConflictError,
    NotDocumentOwnerError,
    NotFoundError,
)
from ledger.gateway.accept import WriteGateway
from ledger.gateway.anchor_action import ANCHOR, preflight_body
from ledger.gateway.anchor_batches import AnchorPlace, BatchRules, anchor_place, place_in_batch
from ledger.gateway.outbox import body_digest
from ledger.store.anchor_batch_models import DocumentUpload
from ledger.store.document_files import as_sha256
from ledger.store.documents import DocumentRecord, DocumentStore, find_document

_ATTEMPTS = 3  # a unique key raced by a concurrent request: the next attempt finds what that one made


@dataclass(frozen=True)
class DocumentIn:
    """A document to file: its SHA-256, and its bytes (None when only the hash is sent) with what they are."""

    sha256: str
    content: BinaryIO | None
    media_type: str = "application/octet-stream"
    title: str | None = None
    language: str | None = None
    description: str | None = None
    ocid: str | None = None

    def request_digest(self) -> str:
        """What makes two requests the same, for idempotency: everything but the bytes, which the hash stands for."""
        return body_digest({
            "sha256": as_sha256(self.sha256), "with_content": self.content is not None, "ocid": self.ocid,
            "media_type": self.media_type if self.content is not None else None, "title": self.title,
            "language": self.language, "description": self.description,
        })  # fmt: skip


@dataclass(frozen=True)
class FiledDocument:
    """A filed document: its hash, its store record (None if only the hash was sent) and its future anchor."""

    sha256: str
    record: DocumentRecord | None
    place: AnchorPlace
    created: bool


class DocumentGateway:
    """The write gateway, the document store, and when batches close."""

    def __init__(self, gateway: WriteGateway, store: DocumentStore, rules: BatchRules) -> None:
        self.gateway = gateway
        self.store = store
        self.rules = rules
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        """The chain the ledger is on (asked once)."""
        if self._chain_id is None:
            self._chain_id = int(self.gateway.ledger.contract.w3.eth.chain_id)
        return self._chain_id

    def file(self, session: Session, org_id: str, document: DocumentIn, key: str) -> FiledDocument:
        """Check, store and batch a document under `key` (committed before this returns); a replay returns the
        first answer, brought up to date."""
        sha256 = as_sha256(document.sha256)
        replay = self._replay(session, org_id, key, document)
        if replay is not None:
            return replay
        signer = self.gateway.signer_of(org_id)
        try:
            self.gateway.preflight(ANCHOR, preflight_body(document.ocid), signer)
        except ContractRevertError as error:
            if error.error_name != "AnchorAlreadyRecorded":  # only the stand-in root is refused: it may anchor
                raise
        for attempt in range(_ATTEMPTS):
            try:
                if document.content is not None:
                    document.content.seek(0)
                    self.store.add(
                        session, document.content, document.media_type, document.title, document.language,
                        document.description, expected_sha256=sha256, added_by=org_id,
                    )  # fmt: skip
                    session.commit()  # kept even if batching fails below: the retry finds it there
                leaf_id = place_in_batch(session, self.chain_id, org_id, signer, document.ocid, sha256, self.rules)
                upload = DocumentUpload(
                    org_id=org_id, idempotency_key=key, request_sha256=document.request_digest(), leaf_id=leaf_id,
                    created_at=datetime.now(UTC),
                )  # fmt: skip
                session.add(upload)
                session.commit()
                break
            except IntegrityError:
                session.rollback()
                replay = self._replay(session, org_id, key, document)
                if replay is not None:
                    return replay
                if attempt == _ATTEMPTS - 1:
                    raise
        return FiledDocument(sha256, find_document(session, sha256), anchor_place(session, leaf_id), True)

    def _replay(self, session: Session, org_id: str, key: str, document: DocumentIn) -> FiledDocument | None:
        upload = session.scalars(
            select(DocumentUpload).where(DocumentUpload.org_id == org_id, DocumentUpload.idempotency_key == key)
        ).one_or_none()
        if upload is None:
            return None
        if upload.request_sha256 != document.request_digest():
            raise IdempotencyConflictError(
                f"Idempotency-Key {key!r} was used for another document or other details; send that same request "
                "to get its answer back, or use a new key for a new document"
            )
        sha256 = as_sha256(document.sha256)
        return FiledDocument(sha256, find_document(session, sha256), anchor_place(session, upload.leaf_id), False)


REASON_LENGTH = (3, 1000)  # a withdrawal's public reason: a few words at least, never a whole document


def withdraw_document(session: Session, store: DocumentStore, org_id: str, sha256: str, reason: str) -> DocumentRecord:
    """Withdraw the content of a document `org_id` added (committed); its hash, anchor and proof stay. Another's is
    NotDocumentOwnerError, an unknown one NotFoundError, a withdrawn one DocumentWithdrawnError (with the first
    withdrawal's when and why)."""
    record = find_document(session, sha256)
    if record is None:
        raise NotFoundError(f"no document with SHA-256 {as_sha256(sha256)} is in the store")
    if record.added_by_org != org_id:
        by = f"organisation {record.added_by_org}" if record.added_by_org else "the gateway's operator"
        raise NotDocumentOwnerError(
            f"only the organisation that added document {record.sha256} may withdraw it, and {by} added it; ask them to"
        )
    if record.withdrawn_at is not None:
        raise DocumentWithdrawnError(record.sha256, record.withdrawn_at, record.withdrawal_reason or "no reason given")
    withdrawn = store.withdraw(session, record.sha256, reason)
    session.commit()
    return withdrawn
