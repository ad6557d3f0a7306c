"""Procurement processes, each with the chain reference that proves it, and their timelines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BeforeValidator
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, decoder_of, engine_of, timeline_cache, version_watch_of
from api.paging import After, Limit, cursor_after, position_after
from api.response_cache import IF_NONE_MATCH_MAX_LENGTH, KeptResponse, request_key
from api.responses import json_of
from api.schemas import ErrorOut
from api.schemas_processes import ProcessListOut, ProcessSummaryOut
from api.schemas_timeline import TimelineOut
from ledger.errors import InvalidRequestError, NotFoundError
from ledger.read.processes import ProcessFilters, find_summary, search_processes
from ledger.read.timeline import process_timeline
from ledger.store.versions import mirror_version

router = APIRouter(prefix="/processes", tags=["processes"])

Ocid = Annotated[str, Path(min_length=1, max_length=128, description="the process's OCDS ocid")]
ORG_ID = r"^0x[0-9a-fA-F]{64}$"
MAX_AMOUNT = 2**96 - 1
Stage = Literal[
    "planning",
    "tender",
    "evaluation",
    "awarded",
    "contracted",
    "implementation",
    "completed",
    "cancelled",
    "terminated",
]
Method = Literal["open_tender", "single_source"]


def _not_a_number(value: object) -> object:
    """Refuse a bare number: pydantic would read it as Unix seconds, which the document does not offer."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError(f"expected an ISO 8601 date-time such as 2026-03-01T00:00:00Z, got the number {value}")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_not_a_number)]


@router.get("", response_model=ProcessListOut)
def processes(
    session: SessionDep,
    buyer: Annotated[str | None, Query(pattern=ORG_ID, description="purchaser organisation id")] = None,
    supplier: Annotated[str | None, Query(pattern=ORG_ID, description="awarded supplier organisation id")] = None,
    stage: Annotated[Stage | None, Query()] = None,
    method: Annotated[Method | None, Query()] = None,
    budget: Annotated[str | None, Query(pattern=ORG_ID, description="budget line id")] = None,
    min_amount: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="award amount, minor units")] = None,
    max_amount: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="award amount, minor units")] = None,
    created_from: Annotated[IsoDateTime | None, Query(description="opened at or after (ISO 8601)")] = None,
    created_to: Annotated[IsoDateTime | None, Query(description="opened at or before (ISO 8601)")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="words of the title or description, any language")
    ] = None,
    after: After = None,
    limit: Limit = 50,
) -> Response:
    """Processes, newest first, filtered by buyer, supplier, stage, method, budget line, award amount, opening date
    and free text in the title (Chinese included). An unknown parameter is refused, never ignored."""
    filters = ProcessFilters(
        buyer=buyer.lower() if buyer else None,
        supplier=supplier.lower() if supplier else None,
        stage=stage,
        method=method,
        budget=budget.lower() if budget else None,
        min_amount=min_amount,
        max_amount=max_amount,
        created_from=_aware(created_from),
        created_to=_aware(created_to),
        q=q,
    )
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        raise InvalidRequestError("min_amount is above max_amount; no process can match")
    listing = "processes:" + repr(sorted((k, str(v)) for k, v in vars(filters).items() if v is not None))
    items, last = search_processes(session, filters, position_after(listing, after), limit)
    return json_of(
        ProcessListOut(
            items=[ProcessSummaryOut.model_validate(item) for item in items], next_cursor=cursor_after(listing, last)
        )
    )


def _aware(moment: datetime | None) -> datetime | None:
    """A date without a zone is taken as UTC, the zone of block times."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@router.get("/{ocid}", response_model=ProcessSummaryOut, responses={404: {"model": ErrorOut}})
def process(ocid: Ocid, session: SessionDep) -> ProcessSummaryOut:
    """One process by its ocid: title, stage, parties, award, and the transaction, block and log that opened it."""
    summary = find_summary(session, ocid)
    if summary is None:
        raise NotFoundError(
            f"no procurement process with ocid {ocid!r} is recorded; check the ocid, or wait for the indexer "
            "if it was created moments ago (see /health for its lag)"
        )
    return ProcessSummaryOut.model_validate(summary)


@router.get(
    "/{ocid}/timeline",
    response_model=TimelineOut,
    responses={
        304: {"description": "unchanged: the client holds this version (its ETag was sent in If-None-Match)"},
        404: {"model": ErrorOut},
    },
)
async def timeline(
    request: Request,
    ocid: Ocid,
    after: After = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    if_none_match: Annotated[
        str | None, Header(max_length=IF_NONE_MATCH_MAX_LENGTH, description="an ETag of this page")
    ] = None,
) -> Response:
    """Every event of the process in chain order: label (en, zh), actor with its name, amounts with currency,
    documents with title and availability, durations, and the chain evidence (tx, block, log index).

    Kept while the mirror is unchanged, and served with a strong ETag: send it in If-None-Match for a 304."""
    # A kept GET is mostly answered before routing (api.kept_responses); what reaches here renders, or is a HEAD, or
    # runs on PostgreSQL, where reading the version is a round trip that must not stall the event loop.
    engine, cache, watch = engine_of(request), timeline_cache(request), version_watch_of(request)

    def answer() -> KeptResponse:
        with Session(engine) as session:
            version = watch or (lambda: mirror_version(session.connection()))  # no second connection held
            return cache.answer(request_key(request.scope), version, lambda: render(session), request.scope["route"])

    def render(session: Session) -> bytes:
        listing = "timeline:" + ocid
        result = process_timeline(session, decoder_of(request), ocid, position_after(listing, after), limit)
        next_cursor = cursor_after(listing, result.next_after)
        page = TimelineOut.model_validate(result).model_copy(update={"next_cursor": next_cursor})
        return page.model_dump_json().encode()

    return (await run_in_threadpool(answer)).response(if_none_match)
