"""The gas benchmark runs end to end (with small batches) and writes the figures it promises.

Correctness only: no timing is asserted, and gas is checked for shape and for the one comparison the design rests
on (a Merkle root of 16 documents costs less per document than 16 one-hash transactions).
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from tests.bench.scripts import load_bench_script

EVERY_WRITE = (
    "registerOrganisation",
    "addOrganisationAccount",
    "removeOrganisationAccount",
    "registerOcidPrefix",
    "suspendOrganisation",
    "reinstateOrganisation",
    "beginDefaultAdminTransfer",
    "cancelDefaultAdminTransfer",
    "acceptDefaultAdminTransfer",
    "changeDefaultAdminDelay",
    "rollbackDefaultAdminDelay",
    "renounceRole",
    "approveBudget",
    "createProcess",
    "openTender",
    "amendTender",
    "commitBid",
    "commitBid_replace",
    "commitBidFor",
    "cancelBidSignatures",
    "revealBid",
    "recordEvaluation",
    "awardProcess",
    "signContract",
    "amendContract",
    "recordMilestone",
    "recordMilestone_acceptance",
    "recordPayment",
    "recordPayment_second",
    "completeProcess",
    "cancelProcess",
    "terminateContract",
    "fileComplaint",
    "resolveComplaint",
    "recordAuditNote",
    "anchorDocuments",
    "multicall",
    "multicall_per_call",
)


def _load_script() -> ModuleType:
    return load_bench_script("gas")


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results" / "gas.json"
    code = _load_script().main(["--out", str(out), "--batches", "1,16", "--naive-txs", "4"])
    assert code == 0
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def test_every_write_has_a_positive_gas_figure(result: dict[str, Any]) -> None:
    actions = result["actions"]
    missing = [name for name in EVERY_WRITE if name not in actions]
    assert not missing
    assert all(_is_positive_int(gas) for gas in actions.values()), actions
    assert all(gas >= 21_000 for name, gas in actions.items() if name != "multicall_per_call")
    assert result["unmeasured_writes"] == []  # a new write in the contract needs a line in the benchmark


def test_anchoring_is_reported_per_batch_and_beats_the_naive_way(result: dict[str, Any]) -> None:
    per_document = result["anchor_per_document"]
    assert set(per_document) == {"1", "16"}
    assert all(_is_positive_int(gas) for gas in per_document.values())
    assert _is_positive_int(result["naive_anchor_per_document"])
    assert result["naive_anchor_per_document"] > per_document["16"]
    assert result["naive_over_ledger"]["16"] > 1
    assert result["anchor"]["16"]["documents"] == 16


def test_targets_state_limit_measurement_and_verdict(result: dict[str, Any]) -> None:
    targets = result["targets"]
    assert set(targets) == {"anchor_per_document_1024", "recordMilestone", "recordPayment", "commitBid"}
    assert targets["anchor_per_document_1024"]["status"] == "not measured"  # batch 1024 was not run
    for key in ("recordMilestone", "recordPayment", "commitBid"):
        target = targets[key]
        assert _is_positive_int(target["measured"])
        assert target["pass"] is (target["measured"] <= target["limit"])
        assert target["status"] == ("pass" if target["pass"] else "fail")
    assert result["environment"]["solc"].startswith("0.8.28")


def test_batch_sizes_are_parsed_and_checked() -> None:
    script = _load_script()
    assert script.parse_args(["--batches", "16,1,16"]).batches == (1, 16)
    with pytest.raises(SystemExit):
        script.parse_args(["--batches", "0"])
