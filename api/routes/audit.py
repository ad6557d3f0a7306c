"""Audit: a process's mirror rows against the chain's own replay of its events."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.chain_calls import waiting_on_chain
from api.deps import ChainSourceDep
from api.schemas import ErrorOut
from api.schemas_audit import AuditOut, DifferenceOut
from ledger.audit import audit_process

router = APIRouter(prefix="/audit", tags=["audit"])

Ocid = Annotated[str, Path(min_length=1, max_length=128, description="the process's OCDS ocid")]


@router.get(
    "/processes/{ocid}",
    response_model=AuditOut,
    responses={404: {"model": ErrorOut, "description": "the chain holds no process with this ocid"},
               503: {"model": ErrorOut, "description": "the chain node does not answer, or nothing is deployed"}},
)  # fmt: skip
async def audit_one_process(ocid: Ocid, request: Request, source: ChainSourceDep) -> AuditOut:
    """Replay the process from the chain (its events, its budget line's and organisations') and compare every
    derived row the mirror holds for it, field by field: `consistent` is false when any fact differs."""
    report = await waiting_on_chain(request, lambda: audit_process(source, request.app.state.engine, ocid))
    return AuditOut(
        ocid=ocid,
        consistent=report.consistent,
        chain_id=report.chain_id,
        replayed_to_block=report.head,
        events=report.events,
        rows=report.rows,
        differences=[DifferenceOut(**asdict(item)) for item in report.differences],
    )
