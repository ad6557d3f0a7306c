"""Off-chain tables of the document store: what each stored document is, and the names bound to organisations.

The chain holds only hashes. These rows hold what a person reads (titles, names) and say where the bytes are
(ledger.store.document_files keeps them by SHA-256). Only this operator has them, so no reindex or rollback
touches them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.marks import off_chain
from ledger.store.models import Base
from ledger.store.types import HASH, UTCDateTime


class Document(Base):
    """A document in the store: its SHA-256 (as the chain names it), what it is, and whether it was withdrawn.

    Withdrawal deletes the bytes (e.g. to honour a deletion right) and keeps this row: the hash stays provable.
    """

    __tablename__ = "documents"
    __table_args__ = off_chain()

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(HASH, unique=True)
    media_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(35))  # BCP 47 tag, e.g. "zh-CN"
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # The organisation that added it through the write gateway, the only one that may withdraw it; none for
    # documents the operator added (the demo's, organisation profiles).
    added_by_org: Mapped[str | None] = mapped_column(HASH)


class OrganisationProfile(Base):
    """The name of an on-chain organisation, bound by its profile document: JSON {"registry_id", "name"} in the
    store. keccak256(registry id) is the organisation's id on chain, so anyone can check the binding."""

    __tablename__ = "organisation_profiles"
    __table_args__ = off_chain()

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(HASH, unique=True)
    registry_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    name_doc_sha256: Mapped[str] = mapped_column(HASH)


class DocumentStoreGeneration(Base):
    """One row counting the document store's changes (a document added or withdrawn, a name bound or renamed).

    Titles, names and availability are read from the store into every response; a reader that kept a response
    knows it is still current while this number and the indexer's checkpoints are unchanged (api.response_cache).
    """

    __tablename__ = "document_store_generation"
    __table_args__ = off_chain()

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always ROW_ID
    generation: Mapped[int] = mapped_column(BigInteger)


ROW_ID = 1
