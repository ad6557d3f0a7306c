"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.response_cache import ResponseCache
from ledger.chain.artifacts import load_artifact
from ledger.chain.client import connect
from ledger.chain.deployment import LEDGER
from ledger.errors import InvalidRequestError
from ledger.indexer.decode import EventDecoder
from ledger.settings import Settings
from ledger.store.versions import SqliteVersionWatch
from ledger.verify import ChainSource, chain_source

_build_lock = threading.Lock()
T = TypeVar("T")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A read session on the mirror, closed when the request ends.

    Async, though the session is used by sync handlers in the thread pool: opening one does no I/O (it connects on
    first use, in the handler's thread), and a sync generator dependency would cost two more thread hand-offs per
    request, each waiting for the GIL behind the event loop.
    """
    with Session(request.app.state.engine) as session:
        yield session


async def refuse_unknown_query_parameters(request: Request) -> None:
    """Refuse a query parameter the endpoint does not take: a misspelt filter must not be silently ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _query_parameters.get(route.unique_id)
    if known is None:
        known = _query_parameters[route.unique_id] = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) if known else "no query parameters"
        raise InvalidRequestError(f"unknown query parameter {', '.join(unknown)}: this endpoint takes {takes}")


_query_parameters: dict[str, set[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def kept(request: Request, name: str, build: Callable[[Settings], T]) -> T:
    """The app-wide object `name`, built from the settings on first use (so the API starts before a build or a
    chain is there), then kept on the app's state."""
    state = request.app.state
    value: T | None = getattr(state, name, None)
    if value is None:
        with _build_lock:
            value = getattr(state, name, None)
            if value is None:
                value = build(state.settings)
                setattr(state, name, value)
    return value


def decoder_of(request: Request) -> EventDecoder:
    """The event decoder of the ledger's ABI."""
    return kept(request, "decoder", lambda settings: EventDecoder([load_artifact(settings.artifacts_dir, LEDGER).abi]))


async def get_decoder(request: Request) -> EventDecoder:
    """The event decoder of the ledger's ABI, as a dependency."""
    return decoder_of(request)


def get_chain_source(request: Request) -> ChainSource:
    """What the verifier reads (the node and the recorded deployment)."""
    return kept(request, "chain_source", lambda settings: chain_source(settings, connect(settings.rpc_url)))


def timeline_cache(request: Request) -> ResponseCache:
    """The rendered timelines this API process keeps."""
    cache: ResponseCache = request.app.state.timeline_cache
    return cache


def version_watch_of(request: Request) -> SqliteVersionWatch | None:
    """This API process's watch on a SQLite mirror's version, or None (read in each request's transaction)."""
    watch: SqliteVersionWatch | None = request.app.state.version_watch
    return watch


def engine_of(request: Request) -> Engine:
    """The mirror's engine, for a route that opens a connection or session only when it needs one."""
    engine: Engine = request.app.state.engine
    return engine


SessionDep = Annotated[Session, Depends(get_session)]
DecoderDep = Annotated[EventDecoder, Depends(get_decoder)]
ChainSourceDep = Annotated[ChainSource, Depends(get_chain_source)]
