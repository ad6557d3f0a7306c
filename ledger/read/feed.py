"""The change feed: every event in chain order, up to a finality watermark, for crawlers that follow a cursor.

A change is served only once it is `finality_depth` blocks below the indexed head, so on a network with
finality a crawler that follows the cursor never misses a change nor sees one twice. On a dev chain (depth 0) a
reorganisation can still replace served changes; every rollback is recorded (ledger.store reorgs) and shown in
/health and /stats, so a crawler can tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ledger.indexer.decode import EventDecoder, raw_log_from_row
from ledger.read.facts import Evidence, evidence_of_log
from ledger.read.labels import LABELS
from ledger.store.models import Block, Checkpoint, RawLog, table_of


@dataclass(frozen=True)
class Change:
    """One event, decoded, with its evidence."""

    kind: str
    label_en: str
    label_zh: str
    subject: str | None
    """The event's first topic: the process, budget line, organisation or root it is about."""
    args: dict[str, Any]
    chain: Evidence


@dataclass(frozen=True)
class FeedPage:
    """A page of changes, and how far the feed reaches now."""

    changes: list[Change]
    watermark: int | None
    """The highest block whose changes are served: the indexed head less the finality depth."""
    next_after: tuple[int, int] | None


def changes_after(
    session: Session, decoder: EventDecoder, finality_depth: int, after: tuple[int, int] | None, limit: int
) -> FeedPage:
    """Up to `limit` changes after position `after` (block, log index), up to the finality watermark."""
    checkpoint = session.scalars(select(Checkpoint).order_by(Checkpoint.chain_id).limit(1)).first()
    if checkpoint is None:
        return FeedPage([], None, after)
    watermark = checkpoint.block_number - finality_depth
    raw, blocks = table_of(RawLog), table_of(Block)
    query = (
        select(raw, blocks.c.timestamp.label("block_time"))
        .join(blocks, (blocks.c.chain_id == raw.c.chain_id) & (blocks.c.number == raw.c.block_number))
        .where(raw.c.chain_id == checkpoint.chain_id, raw.c.block_number <= watermark)
        .order_by(raw.c.block_number, raw.c.log_index)
    )
    if after is not None:
        query = query.where(tuple_(raw.c.block_number, raw.c.log_index) > tuple_(*after))
    rows = [row._mapping for row in session.execute(query.limit(limit))]
    changes = []
    for row in rows:
        timestamp = int(row["block_time"])
        event = decoder.decode(raw_log_from_row(row))
        if event is None:
            continue
        label_en, label_zh = LABELS.get(event.name, (event.name, event.name))
        log = event.log
        changes.append(
            Change(
                kind=event.name,
                label_en=label_en,
                label_zh=label_zh,
                subject=log.topics[1] if len(log.topics) > 1 else None,
                args={name: _json_ready(value) for name, value in event.args.items()},
                chain=evidence_of_log(log, checkpoint.chain_id, timestamp),
            )
        )
    # The cursor moves past every row read, decodable or not, so a crawler never reads the same rows again.
    last = (int(rows[-1]["block_number"]), int(rows[-1]["log_index"])) if rows else after
    return FeedPage(changes, watermark, last)


def _json_ready(value: Any) -> Any:
    """Integers beyond 2**53 as decimal strings (JSON readers lose them otherwise); lists item by item."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > 2**53 else value
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value
