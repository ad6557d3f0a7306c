"""The log of chain reorganisations the indexer rolled back: depth, old and new hashes, and when.

It is the mirror's own history, not something the chain holds, so it is off-chain data: a reindex or a later
rollback never erases it. /health, /stats and /metrics read it, and a feed crawler uses it to learn that changes
it was served were replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Connection, Integer, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.store.marks import off_chain
from ledger.store.models import Base, table_of
from ledger.store.types import HASH, UTCDateTime


class Reorg(Base):
    """One rollback: the mirror's head that was orphaned, the common ancestor, and what was undone."""

    __tablename__ = "reorgs"
    __table_args__ = off_chain()

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    old_head: Mapped[int] = mapped_column(BigInteger)
    old_hash: Mapped[str] = mapped_column(HASH)
    new_hash: Mapped[str | None] = mapped_column(HASH)  # the chain's block at old_head now (none if shorter)
    ancestor: Mapped[int] = mapped_column(BigInteger)
    ancestor_hash: Mapped[str] = mapped_column(HASH)
    depth: Mapped[int] = mapped_column(Integer)
    removed_logs: Mapped[int] = mapped_column(Integer)
    replayed_entities: Mapped[int] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class ReorgRecord:
    """What the indexer rolled back, as it writes it."""

    chain_id: int
    old_head: int
    old_hash: str
    new_hash: str | None
    ancestor: int
    ancestor_hash: str
    removed_logs: int
    replayed_entities: int


def record_reorg(connection: Connection, record: ReorgRecord) -> None:
    """Log a rollback, in the rollback's own transaction."""
    connection.execute(
        insert(table_of(Reorg)).values(
            **vars(record), depth=record.old_head - record.ancestor, detected_at=datetime.now(UTC)
        )
    )


@dataclass(frozen=True)
class ReorgSummary:
    """How many rollbacks the mirror saw, and the latest."""

    count: int
    deepest: int
    latest: Reorg | None


def reorg_summary(session: Session) -> ReorgSummary:
    """The number of rollbacks, the deepest, and the latest one."""
    count, deepest = session.execute(select(func.count(Reorg.id), func.coalesce(func.max(Reorg.depth), 0))).one()
    latest = session.scalars(select(Reorg).order_by(Reorg.id.desc()).limit(1)).first()
    return ReorgSummary(int(count), int(deepest), latest)
