"""Follow the money: budget line, buyer or supplier → processes → contracts → milestones → payments."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import SessionDep
from api.paging import After, Bytes32, Limit, cursor_after, position_after
from api.responses import json_of
from api.schemas import ErrorOut
from api.schemas_trace import TraceOut
from ledger.read.traceability import Scope, trace

router = APIRouter(tags=["traceability"])
_ERRORS: dict[int | str, dict[str, object]] = {404: {"model": ErrorOut}}


def _trace(session: SessionDep, scope: Scope, subject_id: str, after: str | None, limit: int) -> Response:
    listing = f"trace:{scope}:{subject_id.lower()}"
    result = trace(session, scope, subject_id.lower(), position_after(listing, after), limit)
    out = TraceOut.model_validate(result)
    return json_of(out.model_copy(update={"next_cursor": cursor_after(listing, result.next_after)}))


@router.get("/budgets/{budget_id}/trace", response_model=TraceOut, responses=_ERRORS)
def budget_trace(budget_id: Bytes32, session: SessionDep, after: After = None, limit: Limit = 50) -> Response:
    """A budget line's money: approved, committed, awarded, contracted, accepted, paid and remaining, then its
    processes with contracts, milestones and payments; late payments and overdue milestones are flagged."""
    return _trace(session, "budget", budget_id, after, limit)


@router.get("/buyers/{org_id}/trace", response_model=TraceOut, responses=_ERRORS)
def buyer_trace(org_id: Bytes32, session: SessionDep, after: After = None, limit: Limit = 50) -> Response:
    """The same view over every process a purchaser organisation opened."""
    return _trace(session, "buyer", org_id, after, limit)


@router.get("/suppliers/{org_id}/trace", response_model=TraceOut, responses=_ERRORS)
def supplier_trace(org_id: Bytes32, session: SessionDep, after: After = None, limit: Limit = 50) -> Response:
    """The same view over every process awarded to a supplier organisation."""
    return _trace(session, "supplier", org_id, after, limit)
