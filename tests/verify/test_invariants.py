"""Each rule the contracts promise, checked on a replayed state edited to break it: the check names the rule, what
it expected, what it got, and the event that shows it. The unedited replay passes every check."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from ledger.errors import (
    AmendmentCapError,
    AwardError,
    BidRevealError,
    InvariantViolationError,
    PaymentBoundError,
    StageOrderError,
)
from ledger.verify import ChainSource, Evidence, ReplayedState, replay_process, verify_invariants
from tests.api.lifecycle import TENDER


@pytest.fixture(scope="module")
def tender(source: ChainSource) -> ReplayedState:
    """The demo tender replayed through award, contract, delivery, acceptance and a payment."""
    return replay_process(source, TENDER.ocid)


@pytest.fixture
def state(tender: ReplayedState) -> ReplayedState:
    """A copy of the replay for one test to break."""
    return copy.deepcopy(tender)


def _only(state: ReplayedState, table: str) -> dict[str, object]:
    (row,) = state.rows(table)
    return row


def test_the_unedited_replay_keeps_every_rule(state: ReplayedState) -> None:
    verify_invariants(state)


def test_a_stage_moving_backwards_is_refused(state: ReplayedState) -> None:
    pid = _only(state, "processes")["process_id"]
    history = state.stages[str(pid)]
    history.append(("tender", Evidence("0x" + "ee" * 32, 7, 99)))
    _only(state, "processes")["stage"] = "tender"
    with pytest.raises(
        StageOrderError,
        match=r"expected a stage after implementation .*, got implementation → tender \(evidence: tx 0xeeee.*, log 7",
    ):
        verify_invariants(state)


def test_a_process_row_at_another_stage_than_its_events_set_is_refused(state: ReplayedState) -> None:
    _only(state, "processes")["stage"] = "completed"
    with pytest.raises(
        StageOrderError,
        match=r"expected process .* to end at the last stage its events set, implementation, got stage completed",
    ):
        verify_invariants(state)


def test_paying_more_than_was_accepted_is_refused(state: ReplayedState) -> None:
    contract = _only(state, "contracts")
    contract["paid"] = contract["accepted_total"] + 1  # type: ignore[operator]
    with pytest.raises(
        PaymentBoundError,
        match=rf"expected paid <= accepted \({contract['accepted_total']}\) .*, "
        rf"got paid {contract['paid']} \(evidence: tx 0x",
    ):
        verify_invariants(state)


def test_accepting_more_than_the_contract_is_worth_is_refused(state: ReplayedState) -> None:
    contract = _only(state, "contracts")
    contract["accepted_total"] = contract["value"] + 1  # type: ignore[operator]
    contract["paid"] = 0
    with pytest.raises(
        PaymentBoundError,
        match=rf"expected accepted <= value \({contract['value']}\) .*, got accepted {contract['accepted_total']}",
    ):
        verify_invariants(state)


def test_a_payment_amount_that_does_not_sum_to_the_contracts_paid_is_refused(state: ReplayedState) -> None:
    _only(state, "payments")["amount"] = 1
    with pytest.raises(PaymentBoundError, match=r"paid to be the sum of its payments, 1, got paid"):
        verify_invariants(state)


def test_amendments_beyond_ten_percent_of_the_original_value_are_refused(state: ReplayedState) -> None:
    contract = _only(state, "contracts")
    original = int(contract["original_value"])  # type: ignore[call-overload]
    contract["amended_total"] = original // 10 + 1
    contract["value"] = original + original // 10 + 1
    with pytest.raises(
        AmendmentCapError,
        match=rf"expected amendments .* totalling at most {original // 10} \(10% of {original}\), "
        rf"got {original // 10 + 1}",
    ):
        verify_invariants(state)


def test_a_revealed_amount_that_does_not_open_the_commitment_is_refused(state: ReplayedState) -> None:
    for bid in state.rows("bids"):
        bid["amount"] += 1
    award = _only(state, "awards")
    award["amount"] += 1  # type: ignore[operator]
    with pytest.raises(
        BidRevealError,
        match=r"expected commitment 0x[0-9a-f]{64} of 0x[0-9a-f]{64}'s bid, "
        r"got 0x[0-9a-f]{64} recomputed from its reveal",
    ):
        verify_invariants(state)


def test_a_reveal_whose_salt_is_unknown_is_refused(state: ReplayedState) -> None:
    state.salts.clear()
    with pytest.raises(BidRevealError, match="to call revealBid with its salt, got no revealBid call"):
        verify_invariants(state)


def test_an_award_to_a_bid_never_revealed_is_refused(state: ReplayedState) -> None:
    supplier = _only(state, "awards")["supplier_org"]
    state.tables["bids"][(str(_only(state, "processes")["process_id"]), str(supplier))]["revealed"] = False
    with pytest.raises(
        AwardError, match=r"expected the award to go to a revealed bid of .*, got a bid that was never revealed"
    ):
        verify_invariants(state)


def test_an_award_at_another_amount_than_the_revealed_bid_is_refused(state: ReplayedState) -> None:
    award = _only(state, "awards")
    award["amount"] += 5  # type: ignore[operator]
    with pytest.raises(AwardError, match=rf"expected the award at the revealed amount \d+, got {award['amount']}"):
        verify_invariants(state)


@pytest.mark.parametrize("error", [StageOrderError, PaymentBoundError, AmendmentCapError, BidRevealError, AwardError])
def test_every_rule_error_is_a_verification_error_with_expected_and_got(
    error: Callable[..., InvariantViolationError],
) -> None:
    raised = error("X", "Y", "tx 0x1, log 2")
    assert str(raised).endswith(": expected X, got Y (evidence: tx 0x1, log 2)")
