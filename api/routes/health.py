"""Liveness and indexer lag."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from api.schemas import ChainStatus, HealthOut, LiveOut
from ledger.store.queries import index_status
from ledger.store.reorgs import reorg_summary

router = APIRouter(tags=["health"])


@router.get("/livez", response_model=LiveOut)
async def livez() -> LiveOut:
    """That the API process answers; touches nothing else (a liveness probe, and the framework's ceiling).

    Async, so it takes no hop to the thread pool: it is the cheapest request the server answers."""
    return LiveOut()


@router.get("/health", response_model=HealthOut)
def health(session: SessionDep, response: Response) -> HealthOut:
    """Whether the API and its database answer, and how far the indexer trails each chain's head."""
    try:
        statuses = index_status(session)
        reorgs = reorg_summary(session)
    except SQLAlchemyError:
        response.status_code = 503
        return HealthOut(status="unavailable", database="unreachable", chains=[], reorgs=0, last_reorg_at=None)
    chains = [
        ChainStatus(
            chain_id=item.chain_id,
            indexed_block=item.indexed_block,
            head_block=item.head_block,
            lag_blocks=item.lag_blocks,
            checked_at=item.checked_at,
        )
        for item in statuses
    ]
    last = reorgs.latest.detected_at if reorgs.latest else None
    return HealthOut(status="ok", database="ok", chains=chains, reorgs=reorgs.count, last_reorg_at=last)
