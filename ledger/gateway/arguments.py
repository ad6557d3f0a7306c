"""Turning request bodies into ledger call arguments: hashes, caller-chosen references, enums and schedules.

Bodies are JSON already validated by the API's request models; these helpers only convert, the contract checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.chain.ledger_contract import process_id_of, reference

# Enum values as the contract numbers them (IProcurementLedger).
METHODS = {"open_tender": 0, "single_source": 1}
MILESTONE_KINDS = {"delivery": 0, "acceptance": 1}
COMPLAINT_OUTCOMES = {"dismissed": 2, "upheld": 3, "withdrawn": 4}


def hash32(value: Any) -> bytes:
    """A 32-byte value given as 0x-hex (a SHA-256, an on-chain id)."""
    return bytes.fromhex(str(value).removeprefix("0x"))


def optional_hash32(value: Any) -> bytes:
    """hash32, with a missing value as 32 zero bytes (the contract's "none")."""
    return hash32(value) if value else bytes(32)


def process_of(body: Mapping[str, Any]) -> bytes:
    """The on-chain process id of the body's `ocid`."""
    return process_id_of(str(body["ocid"]))


def ref(value: Any) -> bytes:
    """A caller-chosen reference (a contract or amendment number) as its on-chain id: keccak256 of the text."""
    return reference(str(value))


def schedule(milestones: Sequence[Mapping[str, Any]]) -> tuple[list[bytes], list[int]]:
    """Milestone ids (keccak256 of each reference, as the demo names them) and amounts, in the order given."""
    return [ref(each["milestone_ref"]) for each in milestones], [int(each["amount"]) for each in milestones]
