"""Replaying the demo's processes from the chain alone: every invariant holds and the state is the lifecycle's."""

from __future__ import annotations

import pytest

from ledger.chain.ledger_contract import process_id_of
from ledger.demo import DEMO_PROCESSES
from ledger.errors import NotFoundError
from ledger.verify import ChainSource, replay_chain, verify_invariants, verify_process
from tests.api.lifecycle import BIDS, MILESTONE_AMOUNTS, TENDER


@pytest.mark.parametrize("process", DEMO_PROCESSES, ids=lambda process: process.ocid)
def test_each_demo_process_replays_with_every_invariant_holding(source: ChainSource, process: object) -> None:
    ocid = process.ocid  # type: ignore[attr-defined]
    state = verify_process(source, ocid)
    (row,) = [row for row in state.rows("processes") if row["ocid"] == ocid]
    assert row["process_id"] == "0x" + process_id_of(ocid).hex()
    assert state.rows("budgets"), "the budget line's events are replayed with the process"


def test_the_tender_replays_to_its_lifecycle_with_evidence_for_each_field(source: ChainSource) -> None:
    state = verify_process(source, TENDER.ocid)
    pid = "0x" + process_id_of(TENDER.ocid).hex()
    assert [stage for stage, _ in state.stages[pid]] == [
        "planning", "tender", "evaluation", "awarded", "contracted", "implementation",
    ]  # fmt: skip
    (contract,) = state.rows("contracts")
    assert contract["value"] == min(BIDS.values())
    assert contract["paid"] == MILESTONE_AMOUNTS[0]
    assert {row["revealed"] for row in state.rows("bids")} == {True}
    assert len(state.salts) == len(BIDS), "each reveal's salt is read from its transaction"
    evidence = state.evidence("contracts", (pid,), "paid")
    assert evidence is not None and evidence.tx_hash == state.rows("payments")[0]["tx_hash"]


def test_the_whole_chain_replays_in_one_pass_with_every_invariant_holding(source: ChainSource) -> None:
    state = replay_chain(source)
    verify_invariants(state)
    assert {row["ocid"] for row in state.rows("processes")} == {process.ocid for process in DEMO_PROCESSES}


def test_an_ocid_the_chain_never_created_is_reported_as_not_found(source: ChainSource) -> None:
    with pytest.raises(NotFoundError, match=r"expected a ProcessCreated event .* got none"):
        verify_process(source, "ocds-pl0001-2026-9999")
