"""The writes the gateway takes: for each, the role it needs, the ledger function it calls and its arguments.

A body is the JSON the client sent, already validated by the API's request model; here it becomes the call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from ledger.chain.ledger_contract import process_id_of, reference

# Who signs an action's transaction: the caller organisation's keystore key (the authorities), the gateway's
# relayer key (a supplier's EIP-712 signed bid, checked by the contract), or the caller itself (a supplier's own
# signed transaction, relayed as it is: the gateway holds no supplier key).
ORGANISATION, RELAYER, CALLER = "organisation", "relayer", "caller"


@dataclass(frozen=True)
class Action:
    """One kind of write: its name in the outbox, the role it needs, how its body becomes a ledger call, and who
    signs that call's transaction."""

    name: str
    role: str
    function: str
    arguments: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    signed_by: str = ORGANISATION


def _hash32(value: Any) -> bytes:
    return bytes.fromhex(str(value).removeprefix("0x"))


def payment_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """recordPayment(processId, paymentId, milestoneId, amount, payee, voucherHash) from a payment body."""
    return (
        process_id_of(str(body["ocid"])),
        payment_id_of(str(body["payment_ref"])),
        _hash32(body["milestone_id"]),
        int(body["amount"]),
        to_checksum_address(str(body["payee"])),
        _hash32(body["voucher_sha256"]),
    )


def payment_id_of(payment_ref: str) -> bytes:
    """The caller-chosen on-chain payment id: keccak256 of its reference (e.g. a treasury voucher number)."""
    return reference(payment_ref)


PAYMENT = Action("payment", "finance", "recordPayment", payment_arguments)
