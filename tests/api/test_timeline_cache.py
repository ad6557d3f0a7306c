"""Kept timelines: served again while the mirror is unchanged, never once it changed (a document withdrawn, an
event indexed, a block rolled back), and answered 304 to a client holding the same ETag. Real chain, both
databases."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.routing import Router

from api.app import create_app
from api.body_limit import JSON_BODY_LIMIT
from api.kept_responses import KeptResponses
from api.response_cache import IF_NONE_MATCH_MAX_LENGTH, MAX_KEPT_QUERY_BYTES
from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.ledger_contract import process_id_of
from ledger.demo import PURCHASER, SUPPLIER_A
from ledger.indexer.runner import build_indexer
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore, store_changed
from tests.api.conftest import DemoChain, mirror_demo_chain
from tests.api.lifecycle import TENDER
from tests.conftest import fresh_database

PATH = f"/processes/{TENDER.ocid}/timeline"


@dataclass(frozen=True)
class Mirror:
    settings: Settings
    engine: Engine
    api: TestClient


@pytest.fixture(params=["sqlite", "postgresql"])
def mirror(request: pytest.FixtureRequest, demo_chain: DemoChain) -> Iterator[Mirror]:
    """A fresh mirror of the demo chain, in each database, and an API client over it."""
    with fresh_database(request.param, demo_chain.settings.data_dir) as url:
        settings = demo_chain.settings.model_copy(update={"database_url": url})
        engine = mirror_demo_chain(settings)
        with TestClient(create_app(settings)) as api:
            yield Mirror(settings, engine, api)
        engine.dispose()


def _cache_requests(api: TestClient) -> dict[str, float]:
    prefix = "procledger_timeline_cache_requests_total{result="
    lines = [line for line in api.get("/metrics").text.splitlines() if line.startswith(prefix)]
    return {line[len(prefix) + 1 : line.index('"}')]: float(line.rsplit(" ", 1)[1]) for line in lines}


def _entries(api: TestClient) -> list[dict[str, Any]]:
    response = api.get(PATH)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def test_a_timeline_read_again_is_the_kept_rendering_with_the_same_strong_etag(mirror: Mirror) -> None:
    first, second = mirror.api.get(PATH), mirror.api.get(PATH)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.headers == second.headers
    assert first.headers["etag"].startswith('"') and first.headers["cache-control"] == "no-cache"
    assert _cache_requests(mirror.api) == {"hit": 1.0, "miss": 1.0}
    other_page = mirror.api.get(PATH, params={"limit": 3})
    assert len(other_page.json()["entries"]) == 3 and other_page.headers["etag"] != first.headers["etag"]
    assert _cache_requests(mirror.api) == {"hit": 1.0, "miss": 2.0}


def test_a_kept_timeline_is_answered_before_routing_only_where_its_version_is_read_in_process(mirror: Mirror) -> None:
    routed = mirror.api.get(PATH)
    state = mirror.api.app.state  # type: ignore[attr-defined]
    if mirror.engine.dialect.name == "postgresql":  # a round trip must not stall the event loop: no watch, no front
        assert state.version_watch is None
        return
    front = KeptResponses(Router(), state.timeline_cache, state.version_watch)  # no route behind it
    with TestClient(front) as bare:
        answered = bare.get(PATH)
        assert answered.status_code == 200 and answered.content == routed.content
        assert answered.headers == routed.headers
        etag = routed.headers["etag"]
        unchanged = bare.get(PATH, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
        assert bare.head(PATH).status_code == 404  # HEAD goes on to the route
        assert bare.request("GET", PATH, content=b"{}").status_code == 404  # so does a GET with a body
        assert bare.get(PATH, params={"limit": 3}).status_code == 404  # kept by path and query string as sent
        with Session(mirror.engine) as session, session.begin():
            store_changed(session)
        assert bare.get(PATH).status_code == 404  # the mirror moved: no longer kept


def test_a_kept_timeline_is_timed_under_its_route_and_refuses_what_its_route_refuses(mirror: Mirror) -> None:
    for _ in range(3):
        assert mirror.api.get(PATH).status_code == 200
    sample = 'procledger_http_request_duration_seconds_count{method="GET",route="/processes/{ocid}/timeline",'
    timed = [line for line in mirror.api.get("/metrics").text.splitlines() if line.startswith(sample)]
    assert timed == [sample + 'status="200"} 3.0']
    too_long = mirror.api.get(PATH, headers={"If-None-Match": '"' + "a" * IF_NONE_MATCH_MAX_LENGTH + '"'})
    assert too_long.status_code == 422 and too_long.json()["error"] == "invalid_request", too_long.text
    oversized = b'{"padding": "' + b"a" * JSON_BODY_LIMIT + b'"}'
    refused = mirror.api.request("GET", PATH, content=oversized, headers={"Content-Type": "application/json"})
    assert refused.status_code == 413 and refused.json()["error"] == "upload_too_large", refused.text


def test_padding_in_the_query_string_is_answered_but_never_kept(mirror: Mirror) -> None:
    kept = mirror.api.app.state.timeline_cache  # type: ignore[attr-defined]
    padded = PATH + "?limit=3" + "&" * MAX_KEPT_QUERY_BYTES
    first, second = mirror.api.get(padded), mirror.api.get(padded)
    assert first.status_code == second.status_code == 200 and len(first.json()["entries"]) == 3
    assert kept.kept_bytes == 0 and _cache_requests(mirror.api) == {"hit": 0.0, "miss": 2.0}


def test_a_client_holding_the_etag_gets_304_and_no_body(mirror: Mirror) -> None:
    etag = mirror.api.get(PATH).headers["etag"]
    unchanged = mirror.api.get(PATH, headers={"If-None-Match": f'"elsewhere", W/{etag}'})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
    changed = mirror.api.get(PATH, headers={"If-None-Match": '"a-version-long-gone"'})
    assert changed.status_code == 200 and changed.headers["etag"] == etag and changed.json()["entries"]


def test_a_document_withdrawn_after_a_read_shows_withdrawn_on_the_next(mirror: Mirror) -> None:
    def bid_document(entries: list[dict[str, Any]]) -> dict[str, Any]:
        reveal = next(e for e in entries if e["kind"] == "BidRevealed" and e["actor"]["name"] == SUPPLIER_A.name)
        document: dict[str, Any] = reveal["documents"][0]
        return document

    before = bid_document(_entries(mirror.api))
    assert before["available"] is True
    store = DocumentStore(DocumentFiles(mirror.settings.documents_dir))
    with Session(mirror.engine) as session, session.begin():
        store.withdraw(session, before["sha256"], "the supplier's deletion request")
    after = bid_document(_entries(mirror.api))
    assert (after["available"], after["withdrawal_reason"]) == (False, "the supplier's deletion request")
    assert _cache_requests(mirror.api)["hit"] == 0.0


def test_an_event_indexed_after_a_read_appears_and_a_rollback_takes_it_away(
    mirror: Mirror, demo_chain: DemoChain
) -> None:
    w3 = connect(mirror.settings.rpc_url)
    indexer = build_indexer(mirror.settings, w3, mirror.engine)
    before = mirror.api.get(PATH)
    root = merkle_root([hashlib.sha256(f"site photo {mirror.settings.database_url}".encode()).digest()])
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # test-only RPC: rewrites history
    try:
        purchaser = demo_chain.ledger.sender(derive_account(mirror.settings, PURCHASER.account_index))
        demo_chain.ledger.send(purchaser, "anchorDocuments", root, 1, process_id_of(TENDER.ocid))
        indexer.catch_up()
        grown = _entries(mirror.api)
        assert len(grown) == len(before.json()["entries"]) + 1
        assert grown[-1]["kind"] == "DocumentsAnchored" and grown[-1]["details"]["root"] == "0x" + root.hex()
    finally:
        w3.provider.make_request("evm_revert", [snapshot])
    w3.provider.make_request("anvil_mine", [hex(3)])
    indexer.catch_up()  # rolls the anchoring back
    after = mirror.api.get(PATH)
    assert after.content == before.content and after.headers["etag"] == before.headers["etag"]
    assert _cache_requests(mirror.api)["hit"] == 0.0


def test_with_no_room_kept_every_read_is_rendered_and_still_has_its_etag(demo_chain: DemoChain) -> None:
    with fresh_database("sqlite", demo_chain.settings.data_dir) as url:
        settings = demo_chain.settings.model_copy(update={"database_url": url, "api_cache_bytes": 0})
        mirror_demo_chain(settings).dispose()
        with TestClient(create_app(settings)) as api:
            first, second = api.get(PATH), api.get(PATH)
            assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
            assert api.get(PATH, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
            assert _cache_requests(api) == {"hit": 0.0, "miss": 0.0}
