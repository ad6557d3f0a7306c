"""A supplier's writes. The gateway holds no supplier key, so none is signed with one of its keystores:

- a sealed bid's commitment is signed by an account of the supplier's organisation as an EIP-712 message
  (ledger.chain.bids); the gateway's relayer account sends it with `commitBidFor`, and the contract checks the
  signature, the signer's organisation and the bid's nonce. The relayer pays the gas and can change nothing.
- the acts the contract takes only from a supplier's own account (reveal, cancelling bid signatures, delivery,
  complaint) come as transactions the supplier signed itself, relayed unchanged (ledger.gateway.signed_calls).

The relayer is the keystore labelled RELAYER_KEYSTORE: an account of no organisation that only pays for gas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eth_utils.address import to_checksum_address

from ledger.chain.ledger_contract import process_id_of
from ledger.gateway.actions import CALLER, RELAYER, Action
from ledger.gateway.signed_calls import signed_call_of

RELAYER_KEYSTORE = "relayer"
SUPPLIER = "supplier"


def _hash32(value: Any) -> bytes:
    return bytes.fromhex(str(value).removeprefix("0x"))


def bid_commitment_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """commitBidFor(processId, bidderOrg, signer, commitment, nonce, deadline, signature) from a relayed bid."""
    return (
        process_id_of(str(body["ocid"])),
        _hash32(body["bidder_org"]),
        to_checksum_address(str(body["signer"])),
        _hash32(body["commitment"]),
        int(body["nonce"]),
        int(body["deadline"]),
        _hash32(body["signature"]),
    )


def _signed_arguments(function: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    def arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
        return signed_call_of(body, function).arguments

    return arguments


def _signed(name: str, function: str) -> Action:
    return Action(name, SUPPLIER, function, _signed_arguments(function), signed_by=CALLER)


BID_COMMITMENT = Action("bid_commitment", SUPPLIER, "commitBidFor", bid_commitment_arguments, signed_by=RELAYER)
BID_REVEAL = _signed("bid_reveal", "revealBid")
BID_SIGNATURE_CANCELLATION = _signed("bid_signature_cancellation", "cancelBidSignatures")
DELIVERY = _signed("delivery", "recordMilestone")
COMPLAINT = _signed("complaint", "fileComplaint")
SUPPLIER_ACTIONS = (BID_COMMITMENT, BID_REVEAL, BID_SIGNATURE_CANCELLATION, DELIVERY, COMPLAINT)
