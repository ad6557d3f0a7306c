"""The FastAPI application, built from settings by a factory: nothing connects at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import documents, health, processes
from ledger.settings import Settings
from ledger.store.database import make_engine


def create_app(settings: Settings) -> FastAPI:
    """The API over the mirror at `settings.database_url`."""
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="procurement-ledger",
        summary="Public procurement milestones, each provable against the chain.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(processes.router)
    app.include_router(documents.router)
    return app
