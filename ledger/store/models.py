"""Chain tables of the mirror: raw logs as the node gave them, the blocks they came from, and the checkpoint.

Raw logs are the evidence; the projections (ledger.store.projections) are derived from them and rebuildable.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ledger.store.marks import derived
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
        derived(),
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


TOPIC1_PREFIX_DIGITS = 16


def topic1_prefix(topic: ColumnElement[str | None]) -> ColumnElement[str]:
    """The first 8 bytes of a topic column, as raw_logs' topic1 index holds them.

    Every process, budget and organisation event carries its entity id as topic 1, so that index serves a
    timeline and a rollback's replay. Indexing 16 hex digits instead of the whole hash makes the index a third
    of the size and a backfill measurably faster (scripts/bench/indexer.py). A query names both, the prefix for
    the index and the whole topic for the answer: `topic1_prefix(c.topic1) == prefix_of(id), c.topic1 == id`.
    """
    # Literal arguments, not bound parameters: SQLite matches an expression index only to the same literal text.
    return func.substr(topic, literal_column("3"), literal_column(str(TOPIC1_PREFIX_DIGITS)))


def prefix_of(topic: str) -> str:
    """topic1_prefix of a 0x-hex value, computed here (SQL's substr counts from 1, after the "0x")."""
    return topic[2 : 2 + TOPIC1_PREFIX_DIGITS]


Index("ix_raw_logs_topic1_prefix", RawLog.__table__.c.chain_id, topic1_prefix(RawLog.__table__.c.topic1))


class Block(Base):
    """A block the mirror holds data from (or ends a range at): its hash and parent, to detect reorgs."""

    __tablename__ = "blocks"
    __table_args__ = derived()

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    parent_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # unix seconds


class Checkpoint(Base):
    """How far the indexer has mirrored one chain, committed with the rows of each block range."""

    __tablename__ = "checkpoints"
    __table_args__ = derived()

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    head_block: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def table_of(model: type[Base]) -> Table:
    """The Core table behind a mapped class, typed as a Table for bulk statements."""
    return cast(Table, model.__table__)
