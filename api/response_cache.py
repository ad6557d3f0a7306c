"""Rendered responses kept while the mirror they were read from is unchanged.

A process's timeline is rebuilt from its raw logs, names and titles on each read (about 1.6 ms of CPU), yet it
changes only when the indexer or the document store commits. So its body is kept with the mirror's version
(ledger.store.versions) and served again while the version is unchanged: a kept response is never staler than the
mirror. Each is kept under its request's path and query string, so that `api.kept_responses` can serve it before
routing. Each entry has a strong ETag, so a client that sends it back in If-None-Match gets 304 and no body.
Bounded in bytes, least recently used out first; each API process keeps its own.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

CACHE_CONTROL = "no-cache"  # a client may keep it, but must ask again (with its ETag) before using it
IF_NONE_MATCH_MAX_LENGTH = 1_024  # longer is refused (422) by the route, so never answered from the kept ones
MAX_KEPT_QUERY_BYTES = 512  # a cursor and a limit fit; a longer query string (padding) is answered, never kept
ENTRY_OVERHEAD_BYTES = 512  # what an entry costs beside its body and key: ETag, tuples, its place in the dict
RequestKey = tuple[str, bytes]


def request_key(scope: Scope) -> RequestKey:
    """What a kept response is found by: the request's path and its query string as sent."""
    return scope["path"], scope["query_string"]


@dataclass(frozen=True)
class KeptResponse:
    """A rendered JSON body, the mirror version it was read at, its ETag, and the route that rendered it (which the
    latency metric names when the body is served before routing)."""

    version: Hashable
    body: bytes
    etag: str
    route: BaseRoute | None = None

    def response(self, if_none_match: str | None) -> Response:
        """The body, or 304 with no body when the client already holds it."""
        headers = {"ETag": self.etag, "Cache-Control": CACHE_CONTROL}
        if if_none_match is not None and _matches(if_none_match, self.etag):
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type="application/json", headers=headers)


@dataclass
class CacheCounts:
    """How often a kept response was served, rendered anew, or dropped for room."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0


class ResponseCache:
    """Rendered bodies by request key, each valid for one mirror version; at most `max_bytes` kept, counting each
    entry's key and overhead with its body (the query string is the client's to choose)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.counts = CacheCounts()
        self._entries: OrderedDict[RequestKey, KeptResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def answer(
        self,
        key: RequestKey,
        version: Callable[[], Hashable],
        render: Callable[[], bytes],
        route: BaseRoute | None = None,
    ) -> KeptResponse:
        """The response kept for `key` at the mirror's current `version()`, or `render()`'s, kept if the version
        did not move while it rendered (else its rows may mix two versions, and it is served but not kept)."""
        if self.max_bytes == 0:  # keeping nothing: no need to read the version either
            body = render()
            return KeptResponse(None, body, _etag(body), route)
        before = version()
        kept = self.kept(key, lambda: before)
        if kept is not None:
            return kept
        with self._lock:
            self.counts.misses += 1
        body = render()
        fresh = KeptResponse(before, body, _etag(body), route)
        if len(key[1]) <= MAX_KEPT_QUERY_BYTES and _footprint(key, fresh) <= self.max_bytes and version() == before:
            self._keep(key, fresh)
        return fresh

    def kept(self, key: RequestKey, version: Callable[[], Hashable]) -> KeptResponse | None:
        """The response kept for `key` at the mirror's current `version()`, counted as a hit, or None. The version
        is read only when something is kept for `key`."""
        with self._lock:
            kept = self._entries.get(key)
        if kept is None:
            return None
        if kept.version != version():  # read outside the lock: it may ask the database
            return None
        with self._lock:
            if key in self._entries:  # not dropped for room meanwhile
                self._entries.move_to_end(key)
            self.counts.hits += 1
        return kept

    @property
    def kept_bytes(self) -> int:
        """Bytes kept now: bodies, keys and each entry's overhead."""
        return self._bytes

    def _keep(self, key: RequestKey, fresh: KeptResponse) -> None:
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self._bytes -= _footprint(key, replaced)
            self._entries[key] = fresh
            self._bytes += _footprint(key, fresh)
            while self._bytes > self.max_bytes:
                dropped_key, dropped = self._entries.popitem(last=False)
                self._bytes -= _footprint(dropped_key, dropped)
                self.counts.evictions += 1


def _footprint(key: RequestKey, kept: KeptResponse) -> int:
    return len(kept.body) + len(key[0]) + len(key[1]) + ENTRY_OVERHEAD_BYTES


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison, which If-None-Match uses: W/ is ignored, and * matches any."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
