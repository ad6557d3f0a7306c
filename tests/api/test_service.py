"""GET /stats, /metrics and /livez over the lifecycle mirror."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from ledger.demo import ORGANISATIONS, QUARTER_AMOUNT, SUPPLIER_A
from ledger.settings import Settings
from tests.api.lifecycle import BIDS, MILESTONE_AMOUNTS


def test_stats_count_what_the_mirror_holds(api: TestClient) -> None:
    stats = api.get("/stats").json()
    assert stats["processes_by_stage"] == {"implementation": 2, "tender": 1}
    assert sum(stats["organisations_by_role"].values()) == len(ORGANISATIONS)
    assert (stats["bids"], stats["contracts"], stats["payments"]) == (3, 2, 2)
    assert stats["money"] == [
        {
            "currency": "CNY",
            "contracted": str(BIDS[SUPPLIER_A] + 4 * QUARTER_AMOUNT),
            "paid": str(MILESTONE_AMOUNTS[0] + QUARTER_AMOUNT),
        }
    ]
    [chain] = stats["chains"]
    assert chain["lag_blocks"] == 0 and stats["events_indexed"] > 30 and stats["reorgs"] == 0


def test_metrics_expose_lag_events_and_latency_by_route_template(api: TestClient) -> None:
    api.get("/processes/ocds-pl0001-2026-0001/timeline")
    api.get("/no-such-page")
    text = api.get("/metrics").text
    assert 'procledger_indexer_lag_blocks{chain_id="31337"} 0.0' in text
    events = next(line for line in text.splitlines() if line.startswith("procledger_events_indexed_total "))
    assert float(events.split()[1]) == api.get("/stats").json()["events_indexed"]
    assert 'route="/processes/{ocid}/timeline",status="200"' in text  # the template: series stay bounded
    assert 'route="unmatched",status="404"' in text
    assert api.get("/metrics").headers["content-type"].startswith("text/plain")


def test_livez_needs_nothing_but_the_process(api: TestClient) -> None:
    assert api.get("/livez").json() == {"status": "ok"}


def test_the_app_builds_without_touching_the_database(settings: Settings) -> None:
    """`procledger serve` may start before `procledger migrate`: building the app must not query the mirror."""
    app = create_app(settings.model_copy(update={"database_url": f"sqlite:///{settings.data_dir}/absent.sqlite3"}))
    with TestClient(app) as client:
        assert client.get("/livez").status_code == 200
        assert client.get("/health").status_code == 503
