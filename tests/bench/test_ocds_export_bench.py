"""The OCDS export benchmark runs end to end on a tiny city and writes the figures it promises.

Correctness only, no timing is asserted: both ways wrote the same releases, and the JSON holds releases per second
and peak memory for each.
"""

from __future__ import annotations

from pathlib import Path

from tests.bench.scripts import run_bench_script

PROCESSES = 6


def test_the_benchmark_reports_releases_per_second_and_peak_memory_for_both_ways(tmp_path: Path) -> None:
    result = run_bench_script("ocds_export", tmp_path / "results" / "ocds_export.json", "--processes", str(PROCESSES))
    assert result["processes"] == PROCESSES and result["releases"] > PROCESSES
    assert all(result["checks"].values())
    for way in ("streaming", "naive"):
        assert result["releases_per_second"][way] > 0 and result["peak_traced_bytes"][way] > 0
        assert result["ways"][way]["releases"] == result["releases"]
    assert {"streaming", "naive", "memory"} <= set(result["how"])
    assert result["peak_rss_bytes_whole_run"] > 0 and {"cpus", "versions"} <= set(result["environment"])
