"""The FastAPI application, built from settings by a factory: nothing connects at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from api.body_limit import JsonBodyLimit
from api.deps import refuse_unknown_query_parameters
from api.errors import install_error_handlers
from api.head import HeadAsGet
from api.kept_responses import KeptResponses
from api.metrics import LatencyMiddleware, build_registry
from api.openapi import install_openapi
from api.response_cache import ResponseCache
from api.routes import (
    audit,
    bids,
    document_writes,
    documents,
    feed,
    health,
    ocds,
    organisations,
    processes,
    service,
    traceability,
    writes,
)
from api.routes.audit_writes import router as audit_writes
from api.routes.finance_writes import router as finance_writes
from api.routes.purchaser_writes import router as purchaser_writes
from api.routes.supplier_writes import router as supplier_writes
from ledger.gateway.rate import TokenRateLimit
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine
from ledger.store.versions import version_watch


def create_app_from_environment() -> FastAPI:
    """The API over the mirror the PROCLEDGER_ environment names: what `procledger serve` and `up` run."""
    return create_app(settings_from_environment())


def create_app(settings: Settings) -> FastAPI:
    """The API over the mirror at `settings.database_url`."""
    engine = make_engine(settings.database_url)
    watch = version_watch(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Handlers run in a thread pool; on the mirror they are CPU-bound Python, so a second one running at once in
        # the same process only contends for the GIL: at 2 the timeline's p99 tripled (scripts/bench/api.py).
        # Parallelism comes from `procledger serve --workers`.
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        try:
            yield
        finally:
            if watch is not None:
                watch.close()
            engine.dispose()

    app = FastAPIOffline(  # Swagger UI and ReDoc from the package, not a CDN: /docs works offline
        title="procurement-ledger",
        summary="Public procurement milestones, each provable against the chain.",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.write_rate = TokenRateLimit(settings.write_rate)
    app.state.timeline_cache = ResponseCache(settings.api_cache_bytes)
    app.state.version_watch = watch
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(JsonBodyLimit)  # before FastAPI reads a JSON body, which it does ahead of the token check
    app.include_router(health.router)
    app.include_router(processes.router)
    app.include_router(traceability.router)
    app.include_router(bids.router)
    app.include_router(organisations.router)
    app.include_router(feed.router)
    app.include_router(ocds.router)
    app.include_router(service.router)
    app.include_router(documents.router)
    app.include_router(audit.router)
    app.include_router(writes.router)
    for authority_writes in (finance_writes, purchaser_writes, audit_writes):
        app.include_router(authority_writes)
    app.include_router(document_writes.router)
    app.include_router(supplier_writes)
    app.state.metrics_registry, latency = build_registry(engine, app.state.timeline_cache)
    if watch is not None:  # after every middleware that shapes or refuses a response: kept ones are answered here
        app.add_middleware(KeptResponses, cache=app.state.timeline_cache, watch=watch)
    app.add_middleware(LatencyMiddleware, latency=latency)  # outermost: kept responses are timed too
    return app
