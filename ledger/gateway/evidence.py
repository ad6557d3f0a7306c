"""A write's act on chain, found by its caller-chosen id in the ledger's events, and compared with what it asked.

"Already recorded with the same content counts as confirmed": when a resend is refused as `…AlreadyRecorded`, the
event that took the id says which transaction recorded it and with what. The same arguments from the same
organisation are this write's act, whichever transaction carried it (one of its own earlier sends, or a send whose
receipt the node no longer serves); anything else under that id is another act, and the write failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from ledger.chain.ledger_contract import LedgerContract

DELIVERY = 0  # MilestoneKind.Delivery; every other kind is an acceptance


@dataclass(frozen=True)
class RecordedAct:
    """Where an act is recorded: the transaction that emitted its event, and its block."""

    tx_hash: str
    block_number: int


@dataclass(frozen=True)
class _Expected:
    """The event a call emits once recorded: its name, the indexed ids to look it up by, and the fields to compare."""

    event: str
    ids: dict[str, Any]
    fields: dict[str, Any]


def _payment(args: Sequence[Any], org: bytes) -> _Expected:
    process_id, payment_id, milestone_id, amount, payee, voucher = args
    return _Expected(
        "PaymentRecorded",
        {"processId": process_id, "paymentId": payment_id},
        {"milestoneId": milestone_id, "amount": amount, "payee": to_checksum_address(payee), "payerOrg": org,
         "voucherHash": voucher},
    )  # fmt: skip


def _milestone(args: Sequence[Any], org: bytes) -> _Expected:
    process_id, milestone_id, kind, doc_hash = args
    if int(kind) == DELIVERY:
        return _Expected(
            "MilestoneDelivered", {"processId": process_id, "milestoneId": milestone_id},
            {"supplierOrg": org, "docHash": doc_hash},
        )  # fmt: skip
    return _Expected(
        "MilestoneAccepted", {"processId": process_id, "milestoneId": milestone_id},
        {"purchaserOrg": org, "docHash": doc_hash},
    )  # fmt: skip


# By ledger function: the acts whose refusal as already recorded can be matched to their event. Others count only
# through the write's own earlier transactions.
EXPECTED_EVENTS: dict[str, Callable[[Sequence[Any], bytes], _Expected]] = {
    "recordPayment": _payment,
    "recordMilestone": _milestone,
}


def can_compare(function: str) -> bool:
    """Whether an act of `function` can be found on chain and compared by its event."""
    return function in EXPECTED_EVENTS


def recorded_act(
    ledger: LedgerContract, function: str, args: Sequence[Any], org_id: str, from_block: int = 0
) -> RecordedAct | None:
    """The transaction that recorded this very act (`function(*args)` by organisation `org_id`), or None when its
    id is free or was taken by another act."""
    expected = EXPECTED_EVENTS[function](args, bytes.fromhex(org_id.removeprefix("0x")))
    event = ledger.contract.events[expected.event]
    for log in event.get_logs(from_block=from_block, argument_filters=expected.ids):
        if _same(log["args"], expected.fields):
            return RecordedAct(log["transactionHash"].to_0x_hex(), int(log["blockNumber"]))
    return None


def _same(recorded: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    return all(_normal(recorded[name]) == _normal(value) for name, value in fields.items())


def _normal(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    return value
