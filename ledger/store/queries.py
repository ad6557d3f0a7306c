"""Read queries over the mirror, shared by the API, the CLI and the verifier. Handlers never write SQL.

The statements a timeline runs are built once, at import, with bound parameters: SQLAlchemy compiles each once and
caches it, and rows come back as tuples. Built per request as ORM queries, they spent ~3 ms of a ~3.5 ms timeline
in statement construction and ORM loading, not in the database (scripts/bench/api.py).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from ledger.store.models import Block, Checkpoint, RawLog, prefix_of, table_of, topic1_prefix
from ledger.store.projections import Anchor, Budget, Process


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
        # `|| ''`: with one topic, SQLite would propagate `topic1 = ?` into substr(topic1, ...), which then no longer
        # matches the index expression, and walk every log of the chain (a timeline took 29 ms at 10,000 processes).
        raw.c.topic1.concat("").in_(sorted(topics)),
    )


def events_indexed(session: Session) -> int:
    """How many raw logs the mirror holds, over every chain."""
    return int(session.execute(select(func.count(RawLog.id))).scalar_one())


AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A result row read by column name (`row.chain_id`), of whichever columns its statement selects."""

_processes, _budgets, _anchors = table_of(Process), table_of(Budget), table_of(Anchor)
_raw, _blocks = table_of(RawLog), table_of(Block)

_HEADING = (
    select(
        _processes.c.chain_id,
        _processes.c.contract_address,
        _processes.c.process_id,
        _processes.c.ocid,
        _processes.c.stage,
        _processes.c.doc_hash,
        _processes.c.purchaser_org,
        _processes.c.budget_id,
        _budgets.c.currency,
        _budgets.c.finance_org,
    )
    .outerjoin(
        _budgets, (_budgets.c.chain_id == _processes.c.chain_id) & (_budgets.c.budget_id == _processes.c.budget_id)
    )
    .where(_processes.c.ocid == bindparam("ocid"))
    .order_by(_processes.c.id)
    .limit(1)
)

# `|| ''`: SQLite would otherwise propagate `topic1 = ?` into substr(topic1, ...), which then no longer matches the
# index expression, and walk every log of the chain (a timeline took 29 ms at 10,000 processes).
_ENTITY_LOGS = (
    select(
        _raw.c.block_number,
        _raw.c.block_hash,
        _raw.c.tx_hash,
        _raw.c.tx_index,
        _raw.c.log_index,
        _raw.c.address,
        _raw.c.topic0,
        _raw.c.topic1,
        _raw.c.topic2,
        _raw.c.topic3,
        _raw.c.data,
        _blocks.c.timestamp.label("block_time"),
    )
    .join(_blocks, (_blocks.c.chain_id == _raw.c.chain_id) & (_blocks.c.number == _raw.c.block_number))
    .where(
        _raw.c.chain_id == bindparam("chain_id"),
        topic1_prefix(_raw.c.topic1) == bindparam("prefix"),
        _raw.c.topic1.concat("") == bindparam("topic"),
    )
)

_PROCESS_ANCHORS = (
    select(
        _anchors.c.block_number,
        _anchors.c.block_hash,
        _anchors.c.tx_hash,
        _anchors.c.log_index,
        _anchors.c.root,
        _anchors.c.count,
        _anchors.c.anchorer_org,
        _anchors.c.block_time,
    )
    .where(_anchors.c.chain_id == bindparam("chain_id"), _anchors.c.process_id == bindparam("process_id"))
    .order_by(_anchors.c.block_number, _anchors.c.log_index)
)


def process_heading(session: Session, ocid: str) -> AnyRow | None:
    """The process `ocid` (chain id, contract, ids, stage, notice hash, purchaser, budget line) with its budget
    line's currency and finance bureau (None when the line is unknown)."""
    return session.execute(_HEADING, {"ocid": ocid}).first()


def entity_log_rows(session: Session, chain_id: int, entity_id: str) -> list[AnyRow]:
    """Every raw log whose first topic is `entity_id` (a process, budget or organisation), in chain order, each
    with its block's timestamp as `block_time`."""
    rows = session.execute(_ENTITY_LOGS, {"chain_id": chain_id, "prefix": prefix_of(entity_id), "topic": entity_id})
    # Sorted here, not by ORDER BY: given one, SQLite may walk the (chain, block, log) index through every log of
    # the chain instead of looking the entity's few up in the topic1 index.
    return sorted(rows, key=lambda row: (row.block_number, row.log_index))


def anchors_of_process(session: Session, chain_id: int, process_id: str) -> list[AnyRow]:
    """The document batches anchored under `process_id`, in chain order: block, tx, log index, root, count,
    anchorer and block time."""
    return list(session.execute(_PROCESS_ANCHORS, {"chain_id": chain_id, "process_id": process_id}))
