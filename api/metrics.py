"""Prometheus metrics: request latency by route, and the mirror's state read at scrape time.

Each app has its own registry (no process-wide globals), so several apps in one process (tests, replicas) do not
collide. The mirror's figures come from the database when scraped, so every API replica reports the same truth
and an indexer running elsewhere is still seen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.response_cache import ResponseCache
from ledger.store.queries import events_indexed, index_status
from ledger.store.reorgs import reorg_summary

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class MirrorCollector(Collector):
    """Indexer lag, indexed block, events indexed and reorgs, read from the mirror on each scrape."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        lag = GaugeMetricFamily(
            "procledger_indexer_lag_blocks", "Blocks the mirror trails the chain head", labels=["chain_id"]
        )
        indexed = GaugeMetricFamily("procledger_indexed_block", "Last block mirrored", labels=["chain_id"])
        with Session(self._engine) as session:
            for status in index_status(session):
                lag.add_metric([str(status.chain_id)], status.lag_blocks)
                indexed.add_metric([str(status.chain_id)], status.indexed_block)
            events = events_indexed(session)
            reorgs = reorg_summary(session)
        yield lag
        yield indexed
        yield CounterMetricFamily("procledger_events_indexed", "Events held in the mirror", value=events)
        yield CounterMetricFamily("procledger_reorgs", "Chain reorganisations rolled back", value=reorgs.count)
        yield GaugeMetricFamily(
            "procledger_reorg_depth_max", "Deepest reorganisation rolled back", value=reorgs.deepest
        )


class CacheCollector(Collector):
    """The kept timelines of this API process: hits, misses, evictions and bytes kept."""

    def __init__(self, cache: ResponseCache) -> None:
        self._cache = cache

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        served = CounterMetricFamily(
            "procledger_timeline_cache_requests", "Timeline requests, answered from the kept ones or not",
            labels=["result"],
        )  # fmt: skip
        counts = self._cache.counts
        served.add_metric(["hit"], counts.hits)
        served.add_metric(["miss"], counts.misses)
        yield served
        yield CounterMetricFamily(
            "procledger_timeline_cache_evictions", "Kept timelines dropped for room", value=counts.evictions
        )
        yield GaugeMetricFamily(
            "procledger_timeline_cache_bytes", "Bytes of timelines kept by this process", value=self._cache.kept_bytes
        )


def build_registry(engine: Engine, timeline_cache: ResponseCache) -> tuple[CollectorRegistry, Histogram]:
    """A registry with the mirror's and the timeline cache's collectors and the request latency histogram."""
    registry = CollectorRegistry(auto_describe=False)  # describing would query the mirror when the app is built
    registry.register(MirrorCollector(engine))
    registry.register(CacheCollector(timeline_cache))
    latency = Histogram(
        "procledger_http_request_duration_seconds", "Time to answer a request, by route template",
        ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=registry,
    )  # fmt: skip
    return registry, latency


class LatencyMiddleware:
    """Times each HTTP request and records it under its route template (not its path, which would not bound the
    number of series); requests that match no route are recorded as "unmatched"."""

    def __init__(self, app: ASGIApp, latency: Histogram) -> None:
        self._app = app
        self._latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self._latency.labels(scope["method"], template, str(status)).observe(time.perf_counter() - started)
