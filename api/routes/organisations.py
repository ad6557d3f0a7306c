"""Organisations: who may act, through which accounts, and who is suspended."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import DecoderDep, SessionDep
from api.paging import After, Bytes32, Limit, cursor_after, position_after
from api.schemas import ErrorOut
from api.schemas_organisations import OrganisationListOut, OrganisationOut, OrganisationSummaryOut
from ledger.read.organisations import list_organisations, organisation_view

router = APIRouter(prefix="/organisations", tags=["organisations"])
Role = Literal["finance", "purchaser", "supplier", "auditor", "publisher"]


@router.get("", response_model=OrganisationListOut)
def organisations(
    session: SessionDep,
    role: Annotated[Role | None, Query(description="only organisations of this role")] = None,
    after: After = None,
    limit: Limit = 50,
) -> OrganisationListOut:
    """Registered organisations with their names and whether they are suspended."""
    listing = f"organisations:{role or ''}"
    items, last = list_organisations(session, role, position_after(listing, after), limit)
    return OrganisationListOut(
        items=[OrganisationSummaryOut.model_validate(item) for item in items], next_cursor=cursor_after(listing, last)
    )


@router.get("/{org_id}", response_model=OrganisationOut, responses={404: {"model": ErrorOut}})
def organisation(org_id: Bytes32, session: SessionDep, decoder: DecoderDep) -> OrganisationOut:
    """One organisation: role, accounts with their membership history, and its suspensions and reinstatements."""
    return OrganisationOut.model_validate(organisation_view(session, decoder, org_id.lower()))
