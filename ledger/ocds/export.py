"""The ledger published as OCDS: every release, one process's record, and a page of releases in chain order."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.indexer.decode import EventDecoder
from ledger.ocds.mirror import DEFAULT_CHUNK, process_chunks, processes_named, processes_with_ids, releases_of
from ledger.ocds.packages import Release
from ledger.ocds.releases import AS_ON_CHAIN, PROCESS_EVENTS, Publication
from ledger.read.facts import ZERO_HASH
from ledger.store.models import Block, Checkpoint, RawLog, table_of


def chain_releases(
    session: Session, decoder: EventDecoder, publication: Publication = AS_ON_CHAIN, chunk: int = DEFAULT_CHUNK
) -> Iterator[dict[str, Any]]:
    """Every release derived from the chain: process by process in the order they were opened, each process's
    releases in chain order, read `chunk` processes at a time."""
    for rows in process_chunks(session, chunk):
        for _ocid, releases in releases_of(session, decoder, rows, publication):
            for release in releases:
                yield release.release


def exported_releases(
    session: Session,
    decoder: EventDecoder,
    publication: Publication = AS_ON_CHAIN,
    extra: Iterable[Release] = (),
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[Release]:
    """What an export publishes: the chain's releases, then `extra` ones (e.g. publications kept verbatim)."""
    return itertools.chain(chain_releases(session, decoder, publication, chunk), extra)


def record_releases(
    session: Session, decoder: EventDecoder, ocid: str, publication: Publication = AS_ON_CHAIN
) -> tuple[str, list[dict[str, Any]]]:
    """The published ocid and the releases of the process `ocid` (published or on-chain form); NotFoundError if
    the mirror has no such process."""
    rows = processes_named(session, ocid, publication.ocid_prefix)
    if not rows:
        raise NotFoundError(
            f"no procurement process with ocid {ocid!r} is recorded; list the ocids with `procledger ocds export`"
            " or GET /processes, or wait for the indexer if it was created moments ago"
        )
    published, releases = next(releases_of(session, decoder, rows, publication))
    return published, [release.release for release in releases]


@dataclass(frozen=True)
class ReleasePage:
    """A page of releases in chain order, and where the next page starts."""

    releases: list[dict[str, Any]]
    next_after: tuple[int, int] | None
    watermark: int | None


def releases_after(
    session: Session,
    decoder: EventDecoder,
    *,
    after: tuple[int, int] | None,
    limit: int,
    since: int | None = None,
    until: int | None = None,
    finality_depth: int = 0,
    publication: Publication = AS_ON_CHAIN,
) -> ReleasePage:
    """Up to `limit` releases after position `after` (block, log index), in chain order, dated (block time, unix
    seconds) from `since` to `until` inclusive, up to the finality watermark (as the change feed)."""
    checkpoint = session.scalars(select(Checkpoint).order_by(Checkpoint.chain_id).limit(1)).first()
    if checkpoint is None:
        return ReleasePage([], after, None)
    watermark = checkpoint.block_number - finality_depth
    rows = _process_logs(session, decoder, checkpoint.chain_id, watermark, after, limit, since, until)
    wanted = {(int(row.block_number), int(row.log_index)): _process_of(row, decoder) for row in rows}
    by_position: dict[tuple[int, int], dict[str, Any]] = {}
    facts = processes_with_ids(session, checkpoint.chain_id, set(wanted.values()))
    for _ocid, releases in releases_of(session, decoder, facts, publication):
        by_position.update((release.position, release.release) for release in releases if release.position in wanted)
    page = [by_position[position] for position in wanted if position in by_position]
    last = (int(rows[-1].block_number), int(rows[-1].log_index)) if rows else after
    return ReleasePage(page, last, watermark)


def _process_logs(
    session: Session,
    decoder: EventDecoder,
    chain_id: int,
    watermark: int,
    after: tuple[int, int] | None,
    limit: int,
    since: int | None,
    until: int | None,
) -> list[Any]:
    raw, blocks = table_of(RawLog), table_of(Block)
    anchored = decoder.topic_of("DocumentsAnchored")
    topics = sorted(decoder.topic_of(name) for name in PROCESS_EVENTS if name in decoder.event_names)
    query = (
        select(raw.c.block_number, raw.c.log_index, raw.c.topic0, raw.c.topic1, raw.c.topic2)
        .join(blocks, (blocks.c.chain_id == raw.c.chain_id) & (blocks.c.number == raw.c.block_number))
        .where(
            raw.c.chain_id == chain_id,
            raw.c.block_number <= watermark,
            raw.c.topic0.in_(topics),
            # An anchoring is about a process only when it names one.
            or_(raw.c.topic0 != anchored, and_(raw.c.topic2.is_not(None), raw.c.topic2 != ZERO_HASH)),
        )
        .order_by(raw.c.block_number, raw.c.log_index)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(raw.c.block_number, raw.c.log_index) > tuple_(*after))
    if since is not None:
        query = query.where(blocks.c.timestamp >= since)
    if until is not None:
        query = query.where(blocks.c.timestamp <= until)
    return list(session.execute(query))


def _process_of(row: Any, decoder: EventDecoder) -> str:
    """The process a process event is about: its first topic, or an anchoring's second."""
    return str(row.topic2 if row.topic0 == decoder.topic_of("DocumentsAnchored") else row.topic1)
