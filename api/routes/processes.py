"""Procurement processes, each with the chain reference that proves it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Offset, SessionDep
from api.schemas import ChainReference, ErrorOut, ProcessList, ProcessOut
from ledger.errors import NotFoundError
from ledger.store.projections import Process
from ledger.store.queries import find_process, list_processes

router = APIRouter(prefix="/processes", tags=["processes"])

Ocid = Annotated[str, Path(min_length=1, max_length=128, description="the process's OCDS ocid")]


def to_schema(row: Process) -> ProcessOut:
    """The response shape of a mirrored process."""
    return ProcessOut(
        ocid=row.ocid,
        process_id=row.process_id,
        purchaser=row.purchaser,
        document_sha256=row.doc_hash,
        stage=row.stage,
        method=row.method,
        budget_id=row.budget_id,
        created_at=datetime.fromtimestamp(row.block_time, UTC),
        chain=ChainReference(
            chain_id=row.chain_id,
            contract=row.contract_address,
            tx_hash=row.tx_hash,
            block_number=row.block_number,
            block_hash=row.block_hash,
            log_index=row.log_index,
        ),
    )


@router.get("", response_model=ProcessList)
def processes(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ProcessList:
    """Processes, newest first."""
    rows = list_processes(session, limit=limit, offset=offset)
    return ProcessList(items=[to_schema(row) for row in rows], limit=limit, offset=offset)


@router.get("/{ocid}", response_model=ProcessOut, responses={404: {"model": ErrorOut}})
def process(ocid: Ocid, session: SessionDep) -> ProcessOut:
    """One process by its ocid, with the transaction, block and log that recorded it."""
    row = find_process(session, ocid)
    if row is None:
        raise NotFoundError(
            f"no procurement process with ocid {ocid!r} is recorded; check the ocid, or wait for the indexer "
            "if it was created moments ago (see /health for its lag)"
        )
    return to_schema(row)
