"""Batches' gas limits learned per kind of write: the sum of the learned costs with a margin, or None (estimate)."""

from __future__ import annotations

from ledger.gateway.gas import MARGIN, OVERHEAD, GasBook


def test_a_batch_of_an_unlearned_kind_is_estimated() -> None:
    book = GasBook(30_000_000)
    book.learn(["pay"], 100_000)
    assert book.limit(["pay", "accept"]) is None and book.limit(["pay"]) is not None


def test_the_limit_is_the_learned_costs_with_a_margin_and_the_highest_cost_seen_wins() -> None:
    book = GasBook(30_000_000)
    book.learn(["pay"] * 10, 10 * 40_000 + OVERHEAD // 2)
    book.learn(["pay"] * 10, 10 * 30_000 + OVERHEAD // 2)  # cheaper: the costlier one stays
    assert book.limit(["pay"] * 5) == int(5 * 40_000 * MARGIN) + OVERHEAD


def test_a_mixed_batch_teaches_nothing_and_a_limit_near_the_blocks_gas_is_estimated() -> None:
    book = GasBook(1_000_000)
    book.learn(["pay", "accept"], 200_000)
    assert book.limit(["pay"]) is None
    book.learn(["pay"], 100_000)
    assert book.limit(["pay"] * 3) is not None and book.limit(["pay"] * 10) is None


def test_forgotten_kinds_are_estimated_again() -> None:
    book = GasBook(30_000_000)
    book.learn(["pay"], 100_000)
    book.forget(["pay", "never seen"])
    assert book.limit(["pay"]) is None
