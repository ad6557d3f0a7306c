"""A supplier's own signed transaction, relayed as it is: what it calls, who signed it, and whether it can land.

The gateway holds no supplier key. The acts the contract takes only from a supplier's own account (msg.sender:
revealing a bid, cancelling bid signatures, delivering a milestone, filing a complaint) reach it as an EIP-1559
transaction the supplier signed itself with eth-account. The gateway decodes it and accepts only a call of the
endpoint's function on the ledger, on this chain, with no value, from an account of the token's organisation, at
a nonce not used yet, with gas and fees it can pay; then it pre-flights the call like any write (eth_call as that
account). The raw bytes go into the outbox and are broadcast unchanged: their hash is known before they leave,
and sending them again is harmless, since a signed nonce is included at most once. If another transaction of the
account takes that nonce first, the write can never land: it fails as `TransactionNonceUsed`, the one failure
here that is not the contract's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_keys.exceptions import BadSignature
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from eth_utils.exceptions import ValidationError
from hexbytes import HexBytes
from rlp.exceptions import RLPException
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import RoleRequiredError, SignedTransactionError

# The ledger functions a supplier's signed transaction may call through the gateway, with their parameter types.
SIGNED_CALLS: dict[str, tuple[str, ...]] = {
    "revealBid": ("bytes32", "uint96", "bytes32", "bytes32"),
    "cancelBidSignatures": ("bytes32",),
    "recordMilestone": ("bytes32", "bytes32", "uint8", "bytes32"),
    "fileComplaint": ("bytes32", "bytes32", "bytes32"),
}
SIGNED_TRANSACTION = "signed_transaction"  # the request member holding the raw transaction
_DYNAMIC_FEE = 2


@dataclass(frozen=True)
class SignedCall:
    """A decoded signed transaction that calls one of SIGNED_CALLS."""

    raw: bytes
    tx_hash: str
    sender: str
    chain_id: int
    nonce: int
    to: str | None
    value: int
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    data: bytes
    function: str
    arguments: tuple[Any, ...]


def selector_of(function: str) -> bytes:
    """The 4-byte selector of one of SIGNED_CALLS."""
    return bytes(function_signature_to_4byte_selector(f"{function}({','.join(SIGNED_CALLS[function])})"))


def decode_signed_call(raw_hex: str, function: str) -> SignedCall:
    """The signed transaction `raw_hex`, which must call `function`; anything else raises SignedTransactionError."""
    try:
        raw = bytes.fromhex(raw_hex.removeprefix("0x"))
    except ValueError:
        raise SignedTransactionError("the signed transaction is not hex: send its raw bytes as 0x-hex") from None
    if not raw or raw[0] != _DYNAMIC_FEE:
        raise SignedTransactionError(
            "expected an EIP-1559 (type 2) transaction, signed with the supplier's own key (eth-account's "
            "sign_transaction with maxFeePerGas); got another kind of transaction"
        )
    try:
        tx = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = to_checksum_address(Account.recover_transaction(raw))
    except (RLPException, BadSignature, ValidationError, ValueError, TypeError) as error:
        raise SignedTransactionError(f"the signed transaction cannot be decoded ({error}); sign it again") from None
    data = bytes(tx["data"])
    if data[:4] != selector_of(function):
        raise SignedTransactionError(
            f"this endpoint relays calls of {function}; the transaction calls selector 0x{data[:4].hex()}"
        )
    try:
        arguments = tuple(abi_decode(list(SIGNED_CALLS[function]), data[4:]))
    except DecodingError as error:
        raise SignedTransactionError(f"the {function} call's arguments do not decode ({error})") from None
    to = to_checksum_address(tx["to"]) if tx.get("to") else None
    return SignedCall(
        raw=raw, tx_hash=Web3.keccak(raw).to_0x_hex(), sender=sender, chain_id=int(tx["chainId"]),
        nonce=int(tx["nonce"]), to=to, value=int(tx["value"]), gas=int(tx["gas"]),
        max_fee_per_gas=int(tx["maxFeePerGas"]), max_priority_fee_per_gas=int(tx["maxPriorityFeePerGas"]),
        data=data, function=function, arguments=arguments,
    )  # fmt: skip


def signed_call_of(body: Mapping[str, Any], function: str) -> SignedCall:
    """The signed call a relay request's body carries."""
    return decode_signed_call(str(body[SIGNED_TRANSACTION]), function)


def check_addressed(ledger: LedgerContract, call: SignedCall, org_id: str) -> None:
    """Refuse a call not meant for this ledger on this chain, or signed by an account of another organisation."""
    chain_id = int(ledger.contract.w3.eth.chain_id)
    if call.chain_id != chain_id:
        raise SignedTransactionError(
            f"the transaction is signed for chain {call.chain_id}; this ledger is on {chain_id}"
        )
    if call.to != ledger.address:
        raise SignedTransactionError(f"the transaction is sent to {call.to}; the ledger is at {ledger.address}")
    if call.value != 0:
        raise SignedTransactionError(f"the transaction sends {call.value} wei; ledger calls take none")
    signs_for = "0x" + bytes(ledger.call("organisationOf", call.sender)).hex()
    if signs_for != org_id:
        whose = "no organisation" if int(signs_for, 16) == 0 else f"organisation {signs_for}"
        raise RoleRequiredError(f"account {call.sender} signs for {whose}, not for {org_id}, whose token this is")


def check_payable(w3: Web3, call: SignedCall, queued: int = 0) -> None:
    """Refuse a transaction that cannot be mined as signed: a nonce used already, or past a gap (beyond the
    `queued` writes of the account's organisation not sent yet), too little gas or more than a block holds, a max
    fee below the base fee or below its own priority fee, or an account that cannot pay for it. Run after the
    pre-flight, so the call itself is valid. A node refuses such a transaction only when it is sent, and a write
    the node never takes would be sent again and again."""
    next_nonce = int(w3.eth.get_transaction_count(to_checksum_address(call.sender), "pending"))
    if call.nonce < next_nonce:
        raise SignedTransactionError(
            f"nonce {call.nonce} of account {call.sender} is used already; sign the transaction again with nonce "
            f"{next_nonce}"
        )
    if call.nonce > next_nonce + queued:
        raise SignedTransactionError(
            f"nonce {call.nonce} of account {call.sender} leaves a gap: its next nonce is {next_nonce}, and the "
            f"gateway holds {queued} of your transactions not sent yet; sign it with nonce {next_nonce + queued}"
        )
    pending = w3.eth.get_block("pending")
    if call.gas > int(pending["gasLimit"]):
        raise SignedTransactionError(
            f"gas limit {call.gas} is above the block gas limit {int(pending['gasLimit'])}: no block can hold it; "
            "sign it again with the gas the call needs"
        )
    needed = int(w3.eth.estimate_gas({"from": call.sender, "to": call.to, "data": "0x" + call.data.hex()}, "pending"))  # type: ignore[typeddict-item]
    if call.gas < needed:
        raise SignedTransactionError(f"gas limit {call.gas} is below the {needed} this call needs; sign it again")
    if call.max_priority_fee_per_gas > call.max_fee_per_gas:
        raise SignedTransactionError(
            f"maxPriorityFeePerGas {call.max_priority_fee_per_gas} is above its maxFeePerGas {call.max_fee_per_gas}; "
            "sign it again with a priority fee at most the max fee"
        )
    base_fee = int(pending.get("baseFeePerGas", 0))
    if call.max_fee_per_gas < base_fee:
        raise SignedTransactionError(
            f"maxFeePerGas {call.max_fee_per_gas} is below the chain's base fee {base_fee}; sign it again with more"
        )
    balance, cost = int(w3.eth.get_balance(to_checksum_address(call.sender))), call.gas * call.max_fee_per_gas
    if balance < cost:
        raise SignedTransactionError(
            f"account {call.sender} holds {balance} wei, less than the {cost} the transaction may spend on gas; "
            "fund the account, or sign with a lower gas limit or fee"
        )


def nonce_used_elsewhere(w3: Web3, call: SignedCall) -> bool:
    """Whether the account's nonce moved past this transaction's without including it: it can never land."""
    if int(w3.eth.get_transaction_count(to_checksum_address(call.sender), "latest")) <= call.nonce:
        return False
    try:
        w3.eth.get_transaction_receipt(HexBytes(call.tx_hash))
    except TransactionNotFound:
        return True
    return False


def nonce_used_error(call: SignedCall) -> dict[str, Any]:
    """The failure recorded for a signed transaction whose nonce another transaction of its account took."""
    return {"name": "TransactionNonceUsed", "args": {"account": call.sender, "nonce": call.nonce}}


def node_refusal_error(call: SignedCall, error: Exception, refusals: int) -> dict[str, Any]:
    """The failure recorded for a signed transaction the node kept refusing (e.g. its account cannot pay the gas
    any more): the supplier must sign a new one."""
    return {
        "name": "TransactionRefusedByNode",
        "args": {"account": call.sender, "nonce": call.nonce, "refusals": refusals, "reason": str(error)},
    }
