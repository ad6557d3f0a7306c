"""The verification benchmark runs end to end on three processes and writes the figures it promises.

Correctness only, no timing is asserted: the JSON has its keys and positive times, every process verified against
the node and from its bundle, and the three ways saw the events the plan implies.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench.scripts import load_bench_script, run_bench_script

PROCESSES = 3
MEASURES = ("verify", "bundle_verify", "naive", "export")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results" / "verify.json"
    return run_bench_script("verify", out, "--processes", str(PROCESSES))


def test_the_promised_keys_hold_positive_milliseconds(result: dict[str, Any]) -> None:
    assert result["processes"] == PROCESSES
    for name in ("verify", "bundle_verify", "naive"):
        assert result[f"{name}_ms_per_process"] == result["ms"][name]["mean"] > 0
    for name in MEASURES:
        figures = result["ms"][name]
        assert 0 < figures["min"] <= figures["p50"] <= figures["p99"] <= figures["max"], (name, figures)
    assert result["ratio_naive_over_verify"] == pytest.approx(
        result["naive_ms_per_process"] / result["verify_ms_per_process"], rel=0.01
    )
    assert result["ratio_naive_over_bundle_verify"] == pytest.approx(
        result["naive_ms_per_process"] / result["bundle_verify_ms_per_process"], rel=0.01
    )
    assert set(result["how"]) >= set(MEASURES)
    assert result["load_average_1min"]["before"] >= 0
    assert {"cpus", "cpu_model", "platform", "versions", "git"} <= set(result["environment"])


def test_every_process_verified_with_the_events_of_a_full_lifecycle(result: dict[str, Any]) -> None:
    assert result["checks"] and all(result["checks"].values()), result["checks"]
    events = result["events_per_process"]
    assert 18 <= events["min"] <= events["max"] <= 23  # a full lifecycle, its budget commitment included
    assert result["verify_replayed_events_per_process"]["min"] >= events["min"]  # with its line's and parties'
    assert result["bundle_bytes_per_process"]["min"] > result["bundle_receipt_proof_bytes_per_process"]["max"] > 0
    assert 1 <= result["bundle_receipts_per_process"]["min"] <= events["min"]  # a receipt per transaction
    assert result["chain"]["processes_seeded"] == PROCESSES and result["chain"]["events"] > PROCESSES * 18


def test_targets_state_limit_measurement_and_verdict(result: dict[str, Any]) -> None:
    targets = result["targets"]
    assert set(targets) == {"verify_ms_per_process", "bundle_verify_ms_per_process", "verify_speedup"} | {
        "bundle_verify_speedup"
    }
    for key, target in targets.items():
        at_most = key.endswith("_ms_per_process")
        assert target["pass"] is (
            target["measured"] <= target["limit"] if at_most else target["measured"] >= target["limit"]
        )
        assert target["status"] == ("pass" if target["pass"] else "fail")


def test_bad_arguments_are_refused() -> None:
    script = load_bench_script("verify")
    assert script.parse_args(["--processes", "7"]).processes == 7
    for argv in (["--processes", "0"], ["--processes", "-3"], ["--processes", "many"], ["--processes", "5001"]):
        with pytest.raises(SystemExit):
            script.parse_args(argv)
