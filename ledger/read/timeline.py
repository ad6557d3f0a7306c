"""A process's timeline: every event in chain order, each with its label, actor, amounts, documents, chain
evidence and the durations a reader asks about (days from delivery to acceptance, from acceptance to payment).

Events are decoded from the raw logs the mirror keeps, not from the projections, so the timeline shows every act,
a replaced bid included. A sealed bid shows as sealed until its reveal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.indexer.decode import DecodedEvent, EventDecoder, raw_log_from_row
from ledger.indexer.fetch import RawLog
from ledger.read.facts import (
    ZERO_HASH,
    DocumentRef,
    Evidence,
    Money,
    NameResolver,
    Names,
    Party,
    block_time,
    evidence_of_log,
)
from ledger.read.labels import (
    ACTORS,
    AMOUNT_FIELDS,
    DOCUMENT_FIELDS,
    ENUM_FIELDS,
    FINANCE,
    LABELS,
    PARTY_FIELDS,
    PURCHASER,
    REPLACED_BID_LABEL,
    SINCE,
    TIME_FIELDS,
)
from ledger.store.queries import AnyRow, anchors_of_process, entity_log_rows, process_heading

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a process, as a reader needs it."""

    kind: str
    label_en: str
    label_zh: str
    actor: Party | None
    account: str | None
    parties: list[Party]
    amounts: list[Money]
    documents: list[DocumentRef]
    details: dict[str, Any]
    durations: dict[str, float]
    sealed: bool | None
    chain: Evidence


@dataclass(frozen=True)
class ProcessTimeline:
    """A process and its events in chain order."""

    ocid: str
    process_id: str
    stage: str
    currency: str
    title: DocumentRef
    buyer: Party
    finance: Party | None
    entries: list[TimelineEntry] = field(default_factory=list)
    next_after: tuple[int, int] | None = None
    """The (block, log index) to resume after, if more entries follow this page."""


@dataclass(frozen=True)
class _Event:
    """A decoded event (or an anchoring, read from its projection row) with its block time."""

    name: str
    args: Mapping[str, Any]
    log: RawLog
    time: int


def process_timeline(
    session: Session, decoder: EventDecoder, ocid: str, after: tuple[int, int] | None = None, limit: int = 1000
) -> ProcessTimeline:
    """Up to `limit` entries of process `ocid`'s timeline after position `after` (block, log index);
    NotFoundError if the mirror has no such process."""
    process = process_heading(session, ocid)
    if process is None:
        raise NotFoundError(
            f"no procurement process with ocid {ocid!r} is recorded; check the ocid, or wait for the indexer "
            "if it was created moments ago (see /health for its lag)"
        )
    finance: str | None = process.finance_org  # None when the budget line is not mirrored
    events = _events(session, decoder, process)
    resolver = NameResolver()
    resolver.want_orgs([process.purchaser_org] + ([finance] if finance else []))
    resolver.want_documents([process.doc_hash])
    for event in events:
        resolver.want_orgs(event.args[name] for name in PARTY_FIELDS if name in event.args)
        resolver.want_documents(event.args[name] for name in DOCUMENT_FIELDS if name in event.args)
    names = resolver.resolve(session)
    context = _Context(
        names=names,
        chain_id=process.chain_id,
        currency=process.currency or "",
        purchaser=process.purchaser_org,
        finance=finance,
        revealed={e.args["bidderOrg"] for e in events if e.name == "BidRevealed"},
        last_commit={e.args["bidderOrg"]: e.log.order_key for e in events if e.name == "BidCommitted"},
    )
    start = 0 if after is None else next((i for i, e in enumerate(events) if e.log.order_key > after), len(events))
    page = range(start, min(start + limit, len(events)))
    entries = [_entry(events[position], events[:position], context) for position in page]
    more = page.stop < len(events)
    return ProcessTimeline(
        ocid=process.ocid,
        process_id=process.process_id,
        stage=process.stage,
        currency=context.currency,
        title=names.document("notice", process.doc_hash),
        buyer=names.party("buyer", process.purchaser_org),
        finance=names.party("finance", finance) if finance else None,
        entries=entries,
        next_after=events[page.stop - 1].log.order_key if more and entries else None,
    )


@dataclass(frozen=True)
class _Context:
    names: Names
    chain_id: int
    currency: str
    purchaser: str
    finance: str | None
    revealed: set[str]
    last_commit: dict[str, tuple[int, int]]


def _events(session: Session, decoder: EventDecoder, process: AnyRow) -> list[_Event]:
    events: list[_Event] = []
    for row in entity_log_rows(session, process.chain_id, process.process_id):
        values = row._mapping
        decoded: DecodedEvent | None = decoder.decode(raw_log_from_row(values))
        if decoded is not None:
            events.append(_Event(decoded.name, decoded.args, decoded.log, int(values["block_time"])))
    events.extend(
        _anchoring(anchor, process) for anchor in anchors_of_process(session, process.chain_id, process.process_id)
    )
    events.sort(key=lambda event: event.log.order_key)
    return events


def _anchoring(anchor: AnyRow, process: AnyRow) -> _Event:
    """An anchoring under the process, from its projection row: DocumentsAnchored is keyed by root, not process."""
    log = RawLog(
        anchor.block_number, anchor.block_hash, anchor.tx_hash, -1, anchor.log_index, process.contract_address, (), ""
    )
    args = {
        "root": anchor.root,
        "count": anchor.count,
        "anchorerOrg": anchor.anchorer_org,
        "processId": process.process_id,
    }
    return _Event("DocumentsAnchored", args, log, anchor.block_time)


def _entry(event: _Event, earlier: list[_Event], context: _Context) -> TimelineEntry:
    names, args = context.names, event.args
    label_en, label_zh = LABELS.get(event.name, (event.name, event.name))
    if event.name == "BidCommitted" and args.get("replaced"):
        label_en, label_zh = REPLACED_BID_LABEL
    actor = _actor(event, context)
    parties = [names.party(role, args[name]) for name, role in PARTY_FIELDS.items() if name in args]
    documents = [
        names.document(role, args[name])
        for name, role in DOCUMENT_FIELDS.items()
        if args.get(name, ZERO_HASH) != ZERO_HASH
    ]
    amounts = [Money(name, int(args[name]), context.currency) for name in AMOUNT_FIELDS if name in args]
    if "milestoneAmounts" in args:
        amounts.extend(Money("milestoneAmount", int(value), context.currency) for value in args["milestoneAmounts"])
    return TimelineEntry(
        kind=event.name,
        label_en=label_en,
        label_zh=label_zh,
        actor=actor,
        account=args.get("account"),
        parties=parties,
        amounts=amounts,
        documents=documents,
        details=_details(event),
        durations=_durations(event, earlier),
        sealed=_sealed(event, context),
        chain=evidence_of_log(event.log, context.chain_id, event.time),
    )


def _actor(event: _Event, context: _Context) -> Party | None:
    """The organisation that acted: named by the event, or the process's purchaser or finance bureau."""
    field_name = ACTORS.get(event.name)
    if field_name == PURCHASER:
        return context.names.party("purchaser", context.purchaser)
    if field_name == FINANCE:
        return context.names.party("finance", context.finance) if context.finance else None
    if field_name is None or field_name not in event.args:
        return None
    return context.names.party(PARTY_FIELDS[field_name], event.args[field_name])


_SHOWN_ELSEWHERE = {"processId", "account", "milestoneAmounts", *PARTY_FIELDS, *DOCUMENT_FIELDS, *AMOUNT_FIELDS}


def _details(event: _Event) -> dict[str, Any]:
    """The event's other fields, JSON-ready: times as ISO 8601, enums by name, lists as lists."""
    details: dict[str, Any] = {}
    for name, value in event.args.items():
        if name in _SHOWN_ELSEWHERE:
            continue
        if name in ENUM_FIELDS:
            details[name] = ENUM_FIELDS[name][int(value)]
        elif name in TIME_FIELDS:
            details[name] = block_time(int(value)).isoformat()
        elif isinstance(value, list | tuple):
            details[name] = [str(item) if isinstance(item, int) and item > 2**53 else item for item in value]
        else:
            details[name] = value
    return details


def _durations(event: _Event, earlier: list[_Event]) -> dict[str, float]:
    since = SINCE.get(event.name)
    if since is None:
        return {}
    start_event, shared, name = since
    for candidate in reversed(earlier):
        if candidate.name == start_event and (not shared or candidate.args.get(shared) == event.args.get(shared)):
            return {name: round((event.time - candidate.time) / DAY_SECONDS, 2)}
    return {}


def _sealed(event: _Event, context: _Context) -> bool | None:
    """For a bid commit: True while its bid is unopened; a replaced commit stays sealed for ever (it was never
    opened: only the last commit can be revealed)."""
    if event.name != "BidCommitted":
        return None
    bidder = event.args["bidderOrg"]
    latest = context.last_commit.get(bidder) == event.log.order_key
    return not (latest and bidder in context.revealed)
