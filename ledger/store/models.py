"""Chain tables of the mirror: raw logs as the node gave them, the blocks they came from, and the checkpoint.

Raw logs are the evidence; the projections (ledger.store.projections) are derived from them and rebuildable.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, Index, Integer, MetaData, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ledger.store.types import ADDRESS, HASH, UTCDateTime

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
        Index(None, "chain_id", "topic1"),
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


class Block(Base):
    """A block the mirror holds data from (or ends a range at): its hash and parent, to detect reorgs."""

    __tablename__ = "blocks"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    parent_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # unix seconds


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
