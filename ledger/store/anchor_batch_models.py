"""Off-chain tables of document anchoring through the gateway: the batches that become one Merkle root each, their
leaves, and the uploads that put documents into them.

A batch collects the document hashes one organisation files under one process (or none) until it closes, by size
or by time; its root is then one `anchor` write in the outbox. Only this operator has these rows, so no reindex or
rollback touches them; once a batch closes, its leaf list is also in `anchored_documents`, where the read side
finds it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.marks import off_chain
from ledger.store.models import Base
from ledger.store.types import HASH, UTCDateTime

BATCHING, CLOSED = "batching", "closed"
_ONE_OPEN_BATCH = text("state = 'batching'")


class AnchorBatch(Base):
    """Documents of one organisation (and process) waiting to be anchored as one root, and the write that does it.

    `process_key` is the ocid, or "" for none: a plain column, so one open batch per key can be unique.
    """

    __tablename__ = "anchor_batches"
    __table_args__ = (
        # At most one batch collects documents per organisation and process at a time.
        Index(
            "uq_anchor_batches_open",
            "chain_id",
            "org_id",
            "process_key",
            unique=True,
            sqlite_where=_ONE_OPEN_BATCH,
            postgresql_where=_ONE_OPEN_BATCH,
        ),
        Index(None, "state", "closes_at"),
        off_chain(),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    org_id: Mapped[str] = mapped_column(HASH)
    process_key: Mapped[str] = mapped_column(String(200))  # the ocid, or "" when filed under no process
    state: Mapped[str] = mapped_column(String(16))  # batching, closed
    size: Mapped[int] = mapped_column(Integer)
    write_id: Mapped[int] = mapped_column(Integer)  # the outbox write that anchors it
    root: Mapped[str | None] = mapped_column(HASH)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())  # PROCLEDGER_ANCHOR_INTERVAL after it opened
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AnchorBatchLeaf(Base):
    """A document's place in a batch: leaf `leaf_index` of the root the batch becomes."""

    __tablename__ = "anchor_batch_leaves"
    __table_args__ = (
        UniqueConstraint("batch_id", "leaf_index"),
        UniqueConstraint("batch_id", "doc_sha256"),
        Index(None, "doc_sha256"),
        off_chain(),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(Integer)
    leaf_index: Mapped[int] = mapped_column(Integer)
    doc_sha256: Mapped[str] = mapped_column(HASH)


class DocumentUpload(Base):
    """An accepted POST /documents (or `procledger anchor`): found again by its organisation and Idempotency-Key."""

    __tablename__ = "document_uploads"
    __table_args__ = (UniqueConstraint("org_id", "idempotency_key"), off_chain())

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(HASH)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_sha256: Mapped[str] = mapped_column(String(64))
    leaf_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
