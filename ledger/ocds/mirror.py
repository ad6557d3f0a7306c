"""The releases of the mirror's processes, read a chunk of processes at a time.

A chunk costs a fixed number of queries whatever its size (its processes with their budget lines, their events,
their anchorings with the documents each anchored, and the names and titles of all of them), and only one chunk
is in memory at once: an export of 100,000 processes holds `chunk` processes' events, never the whole mirror.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ledger.indexer.decode import EventDecoder, raw_log_from_row
from ledger.indexer.fetch import RawLog
from ledger.ocds.ocids import chain_ocid_candidates, published_ocid
from ledger.ocds.releases import BudgetLine, ChainEvent, ChainRelease, ProcessFacts, Publication, process_releases
from ledger.read.facts import NameResolver
from ledger.read.labels import DOCUMENT_FIELDS, PARTY_FIELDS
from ledger.store.models import Block, table_of
from ledger.store.models import RawLog as RawLogRow
from ledger.store.projections import Anchor, AnchoredDocument, Budget, Process
from ledger.store.queries import AnyRow, raw_logs_with_topic1

DEFAULT_CHUNK = 500
_IN_CHUNK = 500  # values per IN (...) list: well under every backend's bound-parameter limit

_processes, _budgets, _blocks = table_of(Process), table_of(Budget), table_of(Block)
_anchors, _leaves = table_of(Anchor), table_of(AnchoredDocument)
_FACTS = select(
    _processes.c.id,
    _processes.c.chain_id,
    _processes.c.contract_address,
    _processes.c.process_id,
    _processes.c.ocid,
    _processes.c.purchaser_org,
    _processes.c.block_number,
    _processes.c.log_index,
    _budgets.c.budget_id,
    _budgets.c.finance_org,
    _budgets.c.budget_ref,
    _budgets.c.fiscal_year,
    _budgets.c.amount.label("budget_amount"),
    _budgets.c.currency,
    _budgets.c.doc_hash.label("budget_doc_hash"),
).outerjoin(_budgets, (_budgets.c.chain_id == _processes.c.chain_id) & (_budgets.c.budget_id == _processes.c.budget_id))


def process_chunks(session: Session, chunk: int = DEFAULT_CHUNK) -> Iterator[list[AnyRow]]:
    """Every mirrored process with its budget line, `chunk` at a time, in the order the chain opened them."""
    order = (_processes.c.block_number, _processes.c.log_index, _processes.c.id)
    after: tuple[int, int, int] | None = None
    while True:
        query = _FACTS.order_by(*order).limit(chunk)
        if after is not None:
            query = query.where(tuple_(*order) > tuple_(*after))
        rows = list(session.execute(query))
        if not rows:
            return
        yield rows
        last = rows[-1]
        after = (last.block_number, last.log_index, last.id)


def processes_named(session: Session, ocid: str, ocid_prefix: str = "") -> list[AnyRow]:
    """The process published as (or recorded on chain as) `ocid`, with its budget line; empty if none."""
    for candidate in chain_ocid_candidates(ocid, ocid_prefix):
        rows = list(session.execute(_FACTS.where(_processes.c.ocid == candidate).order_by(_processes.c.id).limit(1)))
        if rows:
            return rows
    return []


def processes_with_ids(session: Session, chain_id: int, process_ids: Collection[str]) -> list[AnyRow]:
    """The processes among `process_ids` on `chain_id`, with their budget lines."""
    wanted = sorted(set(process_ids))
    rows: list[AnyRow] = []
    for start in range(0, len(wanted), _IN_CHUNK):
        part = wanted[start : start + _IN_CHUNK]
        query = _FACTS.where(_processes.c.chain_id == chain_id, _processes.c.process_id.in_(part))
        rows.extend(session.execute(query))
    return rows


def releases_of(
    session: Session, decoder: EventDecoder, rows: Sequence[AnyRow], publication: Publication
) -> Iterator[tuple[str, list[ChainRelease]]]:
    """Each process of `rows` (as the queries above give them), as its published ocid and its releases."""
    by_chain: dict[int, list[AnyRow]] = defaultdict(list)
    for row in rows:
        by_chain[int(row.chain_id)].append(row)
    for chain_id, chain_rows in by_chain.items():
        events = _events(session, decoder, chain_id, [row.process_id for row in chain_rows])
        resolver = NameResolver()
        for row in chain_rows:
            resolver.want_orgs([row.purchaser_org] + ([row.finance_org] if row.finance_org else []))
        for process_events in events.values():
            for event in process_events:
                resolver.want_orgs(event.args[name] for name in PARTY_FIELDS if name in event.args)
                resolver.want_documents(event.args[name] for name in DOCUMENT_FIELDS if name in event.args)
                resolver.want_documents(event.leaves)
        names = resolver.resolve(session)
        for row in chain_rows:
            facts = _facts(row, publication.ocid_prefix)
            releases = process_releases(facts, events.get(row.process_id, []), names, publication.documents_url)
            yield facts.ocid, list(releases)


def _facts(row: AnyRow, ocid_prefix: str) -> ProcessFacts:
    budget = None
    if row.budget_id is not None:
        budget = BudgetLine(
            row.budget_id, row.finance_org, row.budget_ref, int(row.fiscal_year), int(row.budget_amount),
            row.budget_doc_hash,
        )  # fmt: skip
    return ProcessFacts(
        chain_id=int(row.chain_id),
        ocid=published_ocid(row.ocid, ocid_prefix),
        process_id=row.process_id,
        purchaser_org=row.purchaser_org,
        currency=row.currency or "XXX",  # ISO 4217's "no currency", if the budget line is not mirrored
        budget=budget,
    )


def _events(
    session: Session, decoder: EventDecoder, chain_id: int, process_ids: Sequence[str]
) -> dict[str, list[ChainEvent]]:
    """Every event of these processes, decoded, in chain order, by process id; anchorings from their rows."""
    raw = table_of(RawLogRow)
    events: dict[str, list[ChainEvent]] = defaultdict(list)
    for start in range(0, len(process_ids), _IN_CHUNK):
        part = process_ids[start : start + _IN_CHUNK]
        query = (
            raw_logs_with_topic1(chain_id, part)
            .add_columns(_blocks.c.timestamp.label("block_time"))
            .join(_blocks, (_blocks.c.chain_id == raw.c.chain_id) & (_blocks.c.number == raw.c.block_number))
        )
        for row in session.execute(query):
            values = row._mapping
            decoded = decoder.decode(raw_log_from_row(values))
            if decoded is not None:
                events[values["topic1"]].append(
                    ChainEvent(decoded.name, decoded.args, decoded.log, int(values["block_time"]))
                )
        for event in _anchorings(session, chain_id, part):
            events[event.args["processId"]].append(event)
    for process_events in events.values():
        process_events.sort(key=lambda event: event.log.order_key)
    return events


def _anchorings(session: Session, chain_id: int, process_ids: Sequence[str]) -> list[ChainEvent]:
    """The document batches anchored under these processes (DocumentsAnchored is keyed by root, so its log is
    not among a process's; its projection row is), each with the documents its leaf list names."""
    rows = list(
        session.execute(
            select(_anchors, _processes.c.contract_address)
            .join(
                _processes,
                (_processes.c.chain_id == _anchors.c.chain_id) & (_processes.c.process_id == _anchors.c.process_id),
            )
            .where(_anchors.c.chain_id == chain_id, _anchors.c.process_id.in_(process_ids))
        )
    )
    leaves: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    roots = sorted({row.root for row in rows})
    for start in range(0, len(roots), _IN_CHUNK):
        query = select(_leaves.c.anchorer_org, _leaves.c.root, _leaves.c.leaf_index, _leaves.c.doc_hash).where(
            _leaves.c.chain_id == chain_id, _leaves.c.root.in_(roots[start : start + _IN_CHUNK])
        )
        for leaf in session.execute(query):
            leaves[(leaf.anchorer_org, leaf.root)].append((leaf.leaf_index, leaf.doc_hash))
    return [_anchoring(row, [sha for _, sha in sorted(leaves[(row.anchorer_org, row.root)])]) for row in rows]


def _anchoring(row: AnyRow, leaves: list[str]) -> ChainEvent:
    log = RawLog(row.block_number, row.block_hash, row.tx_hash, -1, row.log_index, row.contract_address, (), "")
    args: dict[str, Any] = {
        "root": row.root,
        "count": row.count,
        "anchorerOrg": row.anchorer_org,
        "processId": row.process_id,
    }
    return ChainEvent("DocumentsAnchored", args, log, int(row.block_time), tuple(leaves))
