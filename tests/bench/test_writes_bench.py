"""The write benchmark runs end to end at a tiny size and writes the figures it promises.

Correctness only, no timing is asserted: every write accepted through the gateway is confirmed, the chain holds
each action exactly once (gateway and naive runs), the gateway sent fewer transactions than actions, and the
ratio is the quotient of the two rates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.scripts import load_bench_script, run_bench_script


def test_the_writes_benchmark_confirms_every_action_once_and_reports_its_figures(tmp_path: Path, built: None) -> None:
    result = run_bench_script("writes", tmp_path / "writes.json", "--actions", "60", "--naive-actions", "6",
                              "--batch-size", "20")  # fmt: skip
    assert result["actions"] == 60 and result["naive_actions"] == 6
    assert result["mix"] == {"payments": 30, "acceptances": 30}
    assert all(result["checks"].values()) and result["states"] == {"confirmed": 60}
    assert 4 <= result["transactions"] < 60  # two organisations, 30 writes each, at most 20 to a batch
    assert result["actions_per_s"] > 0 and result["naive_actions_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["actions_per_s"] / result["naive_actions_per_s"], abs=0.1)
    assert 0 < result["p50_accept_to_confirm_ms"] <= result["p99_accept_to_confirm_ms"]
    assert {target["status"] for target in result["targets"].values()} == {"not measured"}  # below 20,000 actions


def test_sizes_are_checked() -> None:
    script = load_bench_script("writes")
    assert script.parse_args(["--actions", "10"]).naive_actions == 10
    with pytest.raises(SystemExit):
        script.parse_args(["--actions", "1"])
    with pytest.raises(SystemExit):
        script.parse_args(["--batch-size", "0"])
