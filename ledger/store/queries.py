"""Read queries over the mirror, shared by the API, the CLI and the verifier. Handlers never write SQL."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ledger.store.models import Checkpoint, RawLog, prefix_of, table_of, topic1_prefix
from ledger.store.projections import Process


@dataclass(frozen=True)
class IndexStatus:
    """How far the mirror has got on one chain."""

    chain_id: int
    indexed_block: int
    head_block: int
    checked_at: datetime

    @property
    def lag_blocks(self) -> int:
        """Blocks the mirror trails the head it last saw."""
        return max(self.head_block - self.indexed_block, 0)


def find_process(session: Session, ocid: str) -> Process | None:
    """The process with this ocid, or None."""
    return session.scalars(select(Process).where(Process.ocid == ocid).order_by(Process.id).limit(1)).first()


def index_status(session: Session) -> list[IndexStatus]:
    """The indexer's position on every chain it mirrors."""
    rows = session.scalars(select(Checkpoint).order_by(Checkpoint.chain_id))
    return [IndexStatus(row.chain_id, row.block_number, row.head_block, row.updated_at) for row in rows]


def list_processes(session: Session, limit: int, offset: int) -> list[Process]:
    """A page of processes, newest first."""
    query = select(Process).order_by(Process.block_number.desc(), Process.log_index.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def raw_logs_with_topic1(chain_id: int, topics: Collection[str]) -> Select[tuple[object, ...]]:
    """The raw logs whose first topic (an entity id: process, budget, organisation) is one of `topics`."""
    raw = table_of(RawLog)
    return select(raw).where(
        raw.c.chain_id == chain_id,
        topic1_prefix(raw.c.topic1).in_(sorted({prefix_of(topic) for topic in topics})),  # what the index holds
        raw.c.topic1.in_(sorted(topics)),
    )
