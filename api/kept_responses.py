"""Kept responses served before routing: a GET whose path and query string match a kept response at the mirror's
current version is answered from it, with no parameter solved and no route matched.

A kept timeline answered by its route costs about twice what /livez does, nearly all of it FastAPI's routing and
parameter validation (scripts/bench/api.py). Those steps only repeat what they did when the response was kept: it
was kept under the exact path and query string that were validated then, so its answer is the same. Only where
reading the version stays in this process (SQLite: `ledger.store.versions.SqliteVersionWatch`): a PostgreSQL round
trip must not stall the event loop. HEAD, a request with a body (which the body limit may refuse), and a request
whose version read fails go on to their route as before. Middleware that shapes or refuses a response must sit
inside this one (added before it), or kept responses skip it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.response_cache import IF_NONE_MATCH_MAX_LENGTH, ResponseCache, request_key
from ledger.errors import DatabaseUnavailableError
from ledger.store.versions import SqliteVersionWatch


class KeptResponses:
    """ASGI middleware answering a GET from `cache` when it holds the request at the `watch`ed version."""

    def __init__(self, app: ASGIApp, cache: ResponseCache, watch: SqliteVersionWatch) -> None:
        self.app, self.cache, self.watch = app, cache, watch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self.cache.max_bytes and not _has_body(scope):
            if_none_match = _header(scope, b"if-none-match")
            if if_none_match is None or len(if_none_match) <= IF_NONE_MATCH_MAX_LENGTH:
                try:
                    kept = self.cache.kept(request_key(scope), self.watch)
                except DatabaseUnavailableError:  # the route reads it again, and answers the error in the API's shape
                    kept = None
                if kept is not None:
                    scope["route"] = kept.route  # for the latency metric's label, as if routed
                    await kept.response(if_none_match)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case), as the route's Header parameter reads it."""
    for key, value in scope["headers"]:
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _has_body(scope: Scope) -> bool:
    return any(
        key == b"transfer-encoding" or (key == b"content-length" and value.strip() != b"0")
        for key, value in scope["headers"]
    )
