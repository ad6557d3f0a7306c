"""Finding processes: by buyer, supplier, stage, method, budget line, award amount, date and words of the title.

Titles live in the document store (the notice whose SHA-256 the process was opened with), so a text search looks
there and keeps the processes whose notice matches. The order is stable everywhere: newest first by chain
position, and a cursor resumes right after the last process a page showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import Session

from ledger.errors import InvalidRequestError
from ledger.read.facts import DocumentRef, Evidence, NameResolver, Names, Party, block_time, evidence_of
from ledger.store.projections import Budget, Process
from ledger.store.queries import AnyRow
from ledger.store.search import ProcessText, documents_matching

MIN_QUERY_CHARACTERS = 2


@dataclass(frozen=True)
class ProcessFilters:
    """What a search asks for; every field is optional and they combine with AND."""

    buyer: str | None = None
    supplier: str | None = None
    stage: str | None = None
    method: str | None = None
    budget: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None


@dataclass(frozen=True)
class ProcessSummary:
    """A process as a list shows it: ocid, title, stage, parties, award and the event that opened it."""

    ocid: str
    process_id: str
    title: DocumentRef
    stage: str
    method: str
    budget_id: str
    currency: str
    buyer: Party
    supplier: Party | None
    award_amount: int | None
    bid_deadline: datetime | None
    created_at: datetime
    chain: Evidence


# The columns a summary shows, read as rows: loading whole ORM objects cost more than the query itself.
_SUMMARY_COLUMNS = (
    Process.ocid, Process.process_id, Process.doc_hash, Process.stage, Process.method, Process.budget_id,
    Process.purchaser_org, Process.supplier_org, Process.award_amount, Process.bid_deadline, Process.chain_id,
    Process.contract_address, Process.block_number, Process.block_hash, Process.tx_hash, Process.log_index,
    Process.block_time, Budget.currency,
)  # fmt: skip


def search_processes(
    session: Session, filters: ProcessFilters, after: tuple[int, int] | None, limit: int
) -> tuple[list[ProcessSummary], tuple[int, int] | None]:
    """A page of processes matching `filters`, newest first, after position `after` (block, log index)."""
    words = _words(filters.q)
    dialect = session.get_bind().dialect.name
    query: Select[*tuple[Any, ...]]
    if words is not None and ProcessText.serves(session, words):
        # The text index walks the matches newest first; the other filters are checked on the way.
        text = ProcessText()
        query = select(*_SUMMARY_COLUMNS).select_from(text.table).join(Process, text.of_process())
        query = _filtered(query, replace(filters, q=None), dialect).where(text.matches(words))
        if after is not None:
            query = query.where(text.position < text.position_of(*after))
        query = query.order_by(text.position.desc())
    else:
        query = _filtered(select(*_SUMMARY_COLUMNS), filters, dialect)
        if after is not None:
            query = query.where(tuple_(Process.block_number, Process.log_index) < tuple_(*after))
        query = query.order_by(Process.block_number.desc(), Process.log_index.desc())
    rows = session.execute(query.limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    return summarise(session, rows), (rows[-1].block_number, rows[-1].log_index) if more and rows else None


def find_summary(session: Session, ocid: str) -> ProcessSummary | None:
    """The summary of process `ocid`, or None."""
    query = _filtered(select(*_SUMMARY_COLUMNS), ProcessFilters(), session.get_bind().dialect.name)
    rows = session.execute(query.where(Process.ocid == ocid).order_by(Process.id).limit(1)).all()
    return summarise(session, rows)[0] if rows else None


def summarise(session: Session, rows: Sequence[AnyRow]) -> list[ProcessSummary]:
    """Process rows (of the summary's columns) as summaries, names and titles resolved at once."""
    resolver = NameResolver()
    for row in rows:
        resolver.want_orgs(org for org in (row.purchaser_org, row.supplier_org) if org)
        resolver.want_documents([row.doc_hash])
    names = resolver.resolve(session)
    return [_summary(row, names) for row in rows]


def _summary(row: AnyRow, names: Names) -> ProcessSummary:
    return ProcessSummary(
        ocid=row.ocid,
        process_id=row.process_id,
        title=names.document("notice", row.doc_hash),
        stage=row.stage,
        method=row.method,
        budget_id=row.budget_id,
        currency=row.currency or "",
        buyer=names.party("buyer", row.purchaser_org),
        supplier=names.party("supplier", row.supplier_org) if row.supplier_org else None,
        award_amount=row.award_amount,
        bid_deadline=block_time(row.bid_deadline) if row.bid_deadline is not None else None,
        created_at=block_time(row.block_time),
        chain=evidence_of(row, row.chain_id, row.contract_address),
    )


def _filtered(query: Select[*tuple[Any, ...]], filters: ProcessFilters, dialect: str) -> Select[*tuple[Any, ...]]:
    query = query.outerjoin(Budget, (Budget.chain_id == Process.chain_id) & (Budget.budget_id == Process.budget_id))
    conditions: list[ColumnElement[bool]] = []
    equal = {
        Process.purchaser_org: filters.buyer,
        Process.supplier_org: filters.supplier,
        Process.stage: filters.stage,
        Process.method: filters.method,
        Process.budget_id: filters.budget,
    }
    conditions.extend(column == value for column, value in equal.items() if value is not None)
    if filters.min_amount is not None:
        conditions.append(Process.award_amount >= filters.min_amount)
    if filters.max_amount is not None:
        conditions.append(Process.award_amount <= filters.max_amount)
    if filters.created_from is not None:
        conditions.append(Process.block_time >= int(filters.created_from.timestamp()))
    if filters.created_to is not None:
        conditions.append(Process.block_time <= int(filters.created_to.timestamp()))
    words = _words(filters.q)
    if words is not None:
        conditions.append(Process.doc_hash.in_(documents_matching(words, dialect)))
    return query.where(*conditions)


def _words(q: str | None) -> str | None:
    """The words searched for, or None; InvalidRequestError if too short to search."""
    if q is None:
        return None
    words = q.strip()
    if len(words) < MIN_QUERY_CHARACTERS:
        raise InvalidRequestError(f"q: search for at least {MIN_QUERY_CHARACTERS} characters")
    return words
