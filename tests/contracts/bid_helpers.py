"""What the award and complaint tests (test_evaluation_and_award.py, test_complaints_and_audit_notes.py) share:
committing a supplier organisation's sealed bid under a fixed salt, and setting the time of the next block.
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak

from tests.contracts.conftest import commitment, doc

SALT = keccak(text="salt")


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def bid_doc(amount: int) -> bytes:
    return doc(f"bid {amount}")


def commit(ledger: Any, process_id: bytes, bidder: Any, amount: int) -> None:
    """Commit the sealed bid of `bidder`'s organisation for `amount`."""
    sealed = commitment(process_id, ledger.organisationOf(bidder), amount, bid_doc(amount), SALT)
    ledger.commitBid(process_id, sealed, sender=bidder)
