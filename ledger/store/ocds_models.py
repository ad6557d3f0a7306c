"""Off-chain table of OCDS releases imported from other publishers: which release, kept where, anchored how.

The release itself is in the document store, byte for byte as published (`stored_sha256`); the chain holds only
the root of the batch its leaf (`leaf_sha256`, the SHA-256 of its canonical JSON, ledger.ocds.canonical) went
into. Only this operator has these rows, so no reindex or rollback touches them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.marks import off_chain
from ledger.store.models import Base
from ledger.store.types import HASH, UTCDateTime


class ImportedRelease(Base):
    """One imported OCDS release. The same release (same leaf) is imported once per publisher organisation and
    chain; another release under an (ocid, id) already taken is kept too, marked `duplicate_of` the first."""

    __tablename__ = "ocds_imported_releases"
    __table_args__ = (
        UniqueConstraint("chain_id", "publisher_org", "leaf_sha256"),
        Index(None, "ocid", "release_id"),
        off_chain(),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    publisher_org: Mapped[str] = mapped_column(HASH)  # the organisation that anchored it
    ocid: Mapped[str] = mapped_column(String(255))
    release_id: Mapped[str] = mapped_column(String(255))
    release_date: Mapped[str | None] = mapped_column(String(64))  # as published; None when it had none
    ocds_version: Mapped[str] = mapped_column(String(16))
    stored_sha256: Mapped[str] = mapped_column(HASH)  # the verbatim bytes in the document store
    upgraded_sha256: Mapped[str | None] = mapped_column(HASH)  # a 1.0 release's 1.1 form, also in the store
    leaf_sha256: Mapped[str] = mapped_column(HASH)  # SHA-256 of its canonical JSON: what is anchored
    leaf_id: Mapped[int] = mapped_column(Integer)  # its anchor_batch_leaves row
    batch_id: Mapped[int] = mapped_column(Integer)
    document_count: Mapped[int] = mapped_column(Integer)  # documents it lists, anchored beside it
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)  # file and place it was read from
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
