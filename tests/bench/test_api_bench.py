"""The API benchmark runs end to end on a tiny city and writes the figures it promises.

Correctness only, no timing is asserted: every endpoint has its figures, every request answered 200 with the
expected shape, the mirror holds the planned city, and full lifecycles have 15 events or more.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.bench.scripts import load_bench_script, run_bench_script

PROCESSES = 50
ENDPOINTS = {"timeline", "search", "traceability", "trivial", "timeline_uncached"}


def _load_script() -> ModuleType:
    return load_bench_script("api")


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the runs keep their mirror: the second measures the first's again."""
    return tmp_path_factory.mktemp("kept")


def _run(out: Path, kept: Path, workers: int) -> dict[str, Any]:
    argv = ["--processes", str(PROCESSES), "--duration", "1", "--warmup", "0.5", "--timeline-warmup", "0.5"]
    argv += ["--concurrency", "2"]
    return run_bench_script("api", out, *argv, "--keep", str(kept), "--workers", str(workers))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory, kept: Path) -> dict[str, Any]:
    return _run(tmp_path_factory.mktemp("bench") / "results" / "api.json", kept, workers=1)


@pytest.fixture(scope="module")
def again(tmp_path_factory: pytest.TempPathFactory, kept: Path, result: dict[str, Any]) -> dict[str, Any]:
    return _run(tmp_path_factory.mktemp("again") / "api.json", kept, workers=2)


def test_every_endpoint_has_latency_and_throughput(result: dict[str, Any]) -> None:
    assert {r["endpoint"] for r in result["results"]} == ENDPOINTS
    for r in result["results"]:
        assert r["processes"] == PROCESSES
        assert 0 < r["p50_ms"] <= r["p99_ms"], r
        assert r["rps"] > 0 and r["requests"] > 0, r
        assert r["load_average_1min"] >= 0 and r["server_cpu_ms_per_request"] >= 0
        assert len(r["server_cpu_seconds_by_worker"]) >= 1 and min(r["server_cpu_seconds_by_worker"]) >= 0


def test_every_request_succeeded_with_the_expected_shape(result: dict[str, Any]) -> None:
    assert [(r["endpoint"], r["errors"], r["error_samples"]) for r in result["results"] if r["errors"]] == []
    assert all(result["checks"].values()), result["checks"]


def test_the_mirror_holds_the_planned_city(result: dict[str, Any]) -> None:
    (run,) = result["runs"]
    assert run["mirror"]["processes"] == PROCESSES and run["mirror"]["stages"] == run["expected_stages"]
    assert run["full_share"] >= 0.2 and run["preflight"]["min_entries"] >= 15
    assert run["events"] == run["mirror"]["raw_logs"] > PROCESSES
    assert 1 < run["transactions"] < run["events"]  # batched multicalls
    assert run["documents"] > PROCESSES  # notices and organisation profiles
    assert all(seconds > 0 for seconds in run["seconds"].values()), run["seconds"]


def test_targets_state_limit_measurement_and_verdict(result: dict[str, Any]) -> None:
    targets = result["targets"]
    assert {"timeline_p99_ms", "timeline_rps", f"timeline_over_trivial_rps_{PROCESSES}"} == set(targets)
    for target in targets.values():
        assert target["status"] == ("pass" if target["pass"] else "fail")
        assert target["at_target_size"] is False  # 50 processes: reported for information


def test_a_kept_mirror_is_measured_again_without_seeding(result: dict[str, Any], again: dict[str, Any]) -> None:
    (first,), (second,) = result["runs"], again["runs"]
    assert (first["reused_mirror"], second["reused_mirror"]) == (False, True)
    assert second["mirror"] == first["mirror"] and second["events"] == first["events"]
    assert second["seconds"]["seeding"] == first["seconds"]["seeding"]  # what building it took, recorded once
    assert all(result["checks"].values()) and all(again["checks"].values()), again["checks"]
    assert again["server"].startswith("procledger serve --workers 2")
    assert all(r["server_cpu_ms_per_request"] > 0 for r in again["results"])  # summed over the workers


def test_bad_arguments_are_refused() -> None:
    script = _load_script()
    assert script.parse_args(["--processes", "1000", "100000"]).processes == [1000, 100_000]
    for argv in (["--processes", "5"], ["--duration", "0"], ["--concurrency", "0"], ["--workers", "0"]):
        with pytest.raises(SystemExit):
            script.parse_args(argv)


def test_the_load_generator_checks_each_body_that_differs_from_the_last_one_checked_for_its_path() -> None:
    loadgen = load_bench_script("loadgen")
    tally = loadgen.Tally(loadgen.CHECKS["trivial"])
    assert tally.valid("/livez", b'{"status": "ok"}')
    assert tally.valid("/livez", b'{"status": "ok"}')  # the same bytes: the same answer
    assert not tally.valid("/livez", b'{"status": "down"}')  # other bytes are parsed and checked again
    assert not tally.valid("/livez?again", b'{"status": "down"}')
    timeline = loadgen.Tally(loadgen.CHECKS["timeline"])
    assert not timeline.valid("/processes/x/timeline", b'{"ocid": "x", "entries": []}')  # fewer than 15 entries
