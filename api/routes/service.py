"""Service endpoints: figures about the mirror, and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import SessionDep
from api.schemas_service import StatsOut
from ledger.read.stats import mirror_stats

router = APIRouter(tags=["service"])


@router.get("/stats", response_model=StatsOut)
def stats(session: SessionDep) -> StatsOut:
    """Processes by stage, organisations by role, money contracted and paid, events indexed, the indexer's
    position and the reorganisations it rolled back."""
    return StatsOut.model_validate(mirror_stats(session))


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    """Prometheus metrics: indexer lag, events indexed, reorgs, and request latency by route."""
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
