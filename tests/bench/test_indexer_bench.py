"""The indexer benchmark runs end to end on a small chain and writes the figures it promises.

Correctness only, no timing is asserted: the JSON has its keys and positive rates, the chain holds the generated mix,
and the project's indexer stored exactly the chain's logs and the projection rows that mix makes.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.bench.scripts import load_bench_script, run_bench_script

EVENTS = 2_000
RATES = ("indexer_events_per_s", "naive_events_per_s", "ratio", "raw_get_logs_events_per_s")


def _load_script() -> ModuleType:
    return load_bench_script("indexer")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results" / "indexer.json"
    return run_bench_script("indexer", out, "--events", str(EVENTS), "--no-postgres")


def test_the_promised_keys_hold_positive_rates(result: dict[str, Any]) -> None:
    assert isinstance(result["events"], int) and result["events"] > EVENTS
    for key in RATES:
        assert isinstance(result[key], int | float) and result[key] > 0, (key, result[key])
    assert result["ratio"] == pytest.approx(result["indexer_events_per_s"] / result["naive_events_per_s"], rel=0.01)
    assert "postgres_events_per_s" not in result and result["postgres"] == "skipped"  # --no-postgres
    assert "naive_sample_events" not in result  # 2,000 events: the naive way covered the whole range
    assert all(seconds > 0 for seconds in result["elapsed_seconds"].values()), result["elapsed_seconds"]
    assert {"cpus", "cpu_model", "platform", "versions", "git"} <= set(result["environment"])


def test_the_chain_holds_the_generated_mix(result: dict[str, Any]) -> None:
    mix, by_name = result["mix"], result["events_by_name"]
    assert by_name["ProcessCreated"] == by_name["TenderOpened"] == mix["processes"] == EVENTS // 100
    assert by_name["BidCommitted"] == mix["bids"] == EVENTS * 40 // 100
    assert by_name["AuditNoteRecorded"] == mix["audit_notes"] == EVENTS - 2 * mix["processes"] - mix["bids"]
    assert mix["bid_rows"] < mix["bids"]  # suppliers replace their bids: rows change, not only appear
    assert sum(by_name.values()) == result["events"] == EVENTS + mix["setup_events"]
    assert 1 < mix["transactions"] < EVENTS  # batched multicalls
    assert mix["max_tx_gas_limit"] < mix["block_gas_limit"]


def test_the_indexer_stored_exactly_the_chains_logs(result: dict[str, Any]) -> None:
    mix, head = result["mix"], result["block_range"][1]
    runs = result["runs"]["indexer_sqlite"]
    assert len(runs) == 2  # --repeat defaults to 2, each into a fresh database
    for run in runs:
        assert run["logs"] == run["events_applied"] == result["events"]
        assert run["checkpoint_block"] == head
        assert run["rows"] == {
            "processes": mix["processes"],
            "bids": mix["bid_rows"],
            "audit_notes": mix["audit_notes"],
        }
        assert run["seconds"] > 0 and run["load_average_1min_before"] >= 0
    assert result["checks"]["indexer_sqlite_raw_logs_equal_chain_logs"] is True
    assert result["runs"]["naive"]["logs"] == result["events"]
    assert all(result["checks"].values()), result["checks"]


def test_targets_state_limit_measurement_and_verdict(result: dict[str, Any]) -> None:
    targets = result["targets"]
    assert set(targets) == {"indexer_sqlite_events_per_s", "ratio"}
    for target in targets.values():
        assert target["pass"] is (target["measured"] >= target["limit"])
        assert target["status"] == ("pass" if target["pass"] else "fail")
        assert target["at_target_size"] is False  # 2,000 events: reported for information


def test_bad_arguments_are_refused() -> None:
    script = _load_script()
    assert script.parse_args(["--events", "500"]).events == 500
    for argv in (["--events", "10"], ["--repeat", "0"]):
        with pytest.raises(SystemExit):
            script.parse_args(argv)
