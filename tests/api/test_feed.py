"""GET /feed: every change in chain order, followed by cursor, never missed nor repeated."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_timeline import TENDER_KINDS


def follow(api: TestClient, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    changes: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = api.get("/feed", params={"limit": limit, **({"after": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["changes"]:
            return changes, cursor
        changes.extend(page["changes"])
        cursor = page["next_cursor"]


def test_following_the_cursor_yields_each_change_once_in_chain_order(api: TestClient) -> None:
    small, _ = follow(api, limit=7)
    whole, _ = follow(api, limit=2000)
    positions = [(change["chain"]["block_number"], change["chain"]["log_index"]) for change in small]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert small == whole


def test_the_feed_holds_every_event_of_a_process(api: TestClient) -> None:
    changes, _ = follow(api, limit=500)
    timeline = api.get("/processes/ocds-pl0001-2026-0001/timeline").json()
    subject = timeline["process_id"]
    anchoring = [kind for kind in TENDER_KINDS if kind != "DocumentsAnchored"]  # keyed by root, not by process
    assert [change["kind"] for change in changes if change["subject"] == subject] == anchoring


def test_the_last_cursor_stays_valid_for_polling(api: TestClient) -> None:
    _, cursor = follow(api, limit=500)
    again = api.get("/feed", params={"after": cursor}).json()
    assert again["changes"] == [] and again["next_cursor"] == cursor and again["watermark"] > 0


def test_a_cursor_of_another_listing_or_a_bad_limit_is_422(api: TestClient) -> None:
    timeline_cursor = api.get("/processes/ocds-pl0001-2026-0001/timeline", params={"limit": 1}).json()["next_cursor"]
    assert api.get("/feed", params={"after": timeline_cursor}).status_code == 422
    assert api.get("/feed", params={"limit": 0}).status_code == 422
    assert api.get("/feed", params={"limit": 2001}).status_code == 422
