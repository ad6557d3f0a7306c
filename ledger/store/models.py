"""Tables of the SQL mirror. Raw logs keep what the chain said; projections are derived and rebuildable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Hashes and addresses are stored as lower-case 0x-hex text: readable in any SQL console, same on every backend.
HASH = String(66)
ADDRESS = String(42)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names, so migrations match on every backend."""

    metadata = MetaData(naming_convention=NAMING)


class RawLog(Base):
    """One log exactly as eth_getLogs returned it; the evidence every projection row points back to."""

    __tablename__ = "raw_logs"
    __table_args__ = (
        UniqueConstraint("chain_id", "block_hash", "log_index"),
        Index(None, "chain_id", "block_number", "log_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    tx_index: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(ADDRESS)
    topic0: Mapped[str | None] = mapped_column(HASH)
    topic1: Mapped[str | None] = mapped_column(HASH)
    topic2: Mapped[str | None] = mapped_column(HASH)
    topic3: Mapped[str | None] = mapped_column(HASH)
    data: Mapped[str] = mapped_column(Text)


class Process(Base):
    """A procurement process, as opened on chain by ProcessCreated."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("chain_id", "process_id"), Index(None, "ocid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract_address: Mapped[str] = mapped_column(ADDRESS)
    process_id: Mapped[str] = mapped_column(HASH)
    ocid: Mapped[str] = mapped_column(String(128))
    purchaser: Mapped[str] = mapped_column(ADDRESS)
    doc_hash: Mapped[str] = mapped_column(HASH)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)


class Checkpoint(Base):
    """How far the indexer has mirrored one chain, committed with the rows of each block range."""

    __tablename__ = "checkpoints"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    head_block: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def table_of(model: type[Base]) -> Table:
    """The Core table behind a mapped class, typed as a Table for bulk statements."""
    return cast(Table, model.__table__)
