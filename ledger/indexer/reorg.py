"""Reorg stage: find where the mirror and the chain part ways, and roll the mirror back to their common ancestor.

Rolling back deletes the raw logs and blocks above the ancestor, then, for every entity (process, budget,
organisation, anchor) those logs touched, deletes its projection rows and replays its remaining raw logs. No RPC
is needed for the replay: the raw logs are the evidence the projections are derived from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select
from web3 import Web3

from ledger.errors import ReorgTooDeepError
from ledger.fold.project import entity_of
from ledger.indexer.apply import apply_events, save_checkpoint
from ledger.indexer.decode import DecodedEvent, EventDecoder, raw_log_from_row
from ledger.indexer.fetch import BlockHeader, RawLog, fetch_head, fetch_header
from ledger.store.models import Block, table_of
from ledger.store.models import RawLog as RawLogRow
from ledger.store.ownership import entity_tables
from ledger.store.queries import raw_logs_with_topic1

log = logging.getLogger(__name__)

_MAX_STORED_BLOCKS_WALKED = 10_000


@dataclass(frozen=True)
class Rollback:
    """What a rollback did."""

    ancestor: int
    removed_logs: int
    replayed_entities: int


def find_common_ancestor(
    w3: Web3, connection: Connection, chain_id: int, checkpoint: int, max_depth: int, floor: int
) -> BlockHeader:
    """The newest stored block the chain still has; refuses when an orphaned one lies deeper than `max_depth`.

    Only blocks holding logs (and range ends) are stored, so the walk may pass quiet stretches: nothing of ours
    lies between two stored blocks, and how deep the reorg went is judged by the lowest orphaned stored block.
    """
    head = fetch_head(w3)
    table = table_of(Block)
    stored = connection.execute(
        select(table.c.number, table.c.hash)
        .where(table.c.chain_id == chain_id, table.c.number <= checkpoint)
        .order_by(table.c.number.desc())
        .limit(_MAX_STORED_BLOCKS_WALKED)
    ).all()
    lowest_orphan = checkpoint
    ancestor: BlockHeader | None = None
    for number, block_hash in stored:
        header = fetch_header(w3, number) if number <= head else None
        if header is not None and header.hash == block_hash:
            ancestor = header
            break
        lowest_orphan = number
    if checkpoint - lowest_orphan >= max_depth:
        raise ReorgTooDeepError(
            f"the chain no longer has block {lowest_orphan} the mirror holds (the mirror reaches block {checkpoint}): "
            f"a reorganisation deeper than the allowed {max_depth} blocks (PROCLEDGER_MAX_REORG_DEPTH). The mirror "
            "was left untouched. Check the node is on the right network; if the chain really changed that deep, "
            "rebuild with `procledger reindex`"
        )
    return ancestor if ancestor is not None else fetch_header(w3, floor)


def roll_back(connection: Connection, chain_id: int, ancestor: BlockHeader, decoder: EventDecoder) -> Rollback:
    """Remove everything above `ancestor` and rebuild the affected entities from the raw logs below it."""
    raw = table_of(RawLogRow)
    removed = [raw_log_from_row(row) for row in connection.execute(
        select(raw).where(raw.c.chain_id == chain_id, raw.c.block_number > ancestor.number)
    ).mappings()]  # fmt: skip
    entities = {entity for entity in (_entity(decoder, item) for item in removed) if entity is not None}
    connection.execute(delete(raw).where(raw.c.chain_id == chain_id, raw.c.block_number > ancestor.number))
    blocks = table_of(Block)
    connection.execute(delete(blocks).where(blocks.c.chain_id == chain_id, blocks.c.number > ancestor.number))
    ids_by_kind: dict[str, list[str]] = {}
    for kind, entity_id in entities:
        ids_by_kind.setdefault(kind, []).append(entity_id)
    for entity in entity_tables():  # off-chain tables are never among them: rollback leaves them alone
        ids = ids_by_kind.get(entity.kind, [])
        if ids:
            table = entity.table
            connection.execute(delete(table).where(table.c.chain_id == chain_id, table.c[entity.column].in_(ids)))
    replay = _remaining_events(connection, chain_id, decoder, entities)
    block_times = _block_times(connection, chain_id, {event.log.block_number for event in replay})
    apply_events(connection, chain_id, replay, block_times)
    head = connection.execute(
        select(raw.c.block_number).where(raw.c.chain_id == chain_id).order_by(raw.c.block_number.desc()).limit(1)
    ).scalar()
    save_checkpoint(connection, chain_id, ancestor, max(ancestor.number, head or 0))
    log.warning(
        "reorg: rolled back to block %d, removing %d log(s) and replaying %d entit(ies)",
        ancestor.number, len(removed), len(entities),
    )  # fmt: skip
    return Rollback(ancestor.number, len(removed), len(entities))


def _remaining_events(
    connection: Connection, chain_id: int, decoder: EventDecoder, entities: set[tuple[str, str]]
) -> list[DecodedEvent]:
    if not entities:
        return []
    ids = sorted({entity_id for _kind, entity_id in entities})
    events: list[DecodedEvent] = []
    for start in range(0, len(ids), 500):
        for row in connection.execute(raw_logs_with_topic1(chain_id, ids[start : start + 500])).mappings():
            event = decoder.decode(raw_log_from_row(row))
            if event is not None and entity_of(event) in entities:
                events.append(event)
    events.sort(key=lambda event: event.log.order_key)
    return events


def _block_times(connection: Connection, chain_id: int, numbers: set[int]) -> dict[int, int]:
    if not numbers:
        return {}
    table = table_of(Block)
    rows = connection.execute(
        select(table.c.number, table.c.timestamp).where(table.c.chain_id == chain_id, table.c.number.in_(numbers))
    )
    return {int(number): int(stamp) for number, stamp in rows}


def _entity(decoder: EventDecoder, item: RawLog) -> tuple[str, str] | None:
    event = decoder.decode(item)
    return None if event is None else entity_of(event)
