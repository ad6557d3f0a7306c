"""The OCDS import benchmark runs end to end at a small size and writes the figures it promises.

Correctness only, no timing is asserted: every release imported, the re-import imported and sent nothing, and the
JSON holds positive rates and memory figures.
"""

from __future__ import annotations

from pathlib import Path

from tests.bench.scripts import run_bench_script


def test_the_import_benchmark_reports_rates_memory_and_a_reimport_that_sends_nothing(tmp_path: Path) -> None:
    result = run_bench_script("ocds_import", tmp_path / "ocds_import.json", "--releases", "12", "--naive-releases", "3")
    assert result["releases"] == 12 and result["naive_releases"] == 3
    assert result["releases_per_s"] > 0 and result["naive_releases_per_s"] > 0
    assert result["peak_memory_bytes"] > result["reimport_peak_memory_bytes"] > 0
    assert result["transactions"] == 1
    assert all(result["checks"].values()), result["checks"]
    assert {"cpus", "cpu_model", "platform", "versions", "git"} <= set(result["environment"])
