"""Sign locally and send: managed nonces, receipts waited for with a timeout, reverts decoded."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.transactions import fill_transaction_defaults
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted
from web3.types import Nonce, TxParams, TxReceipt, Wei

from ledger.chain.reverts import RevertDecoder
from ledger.errors import ContractRevertError, TransactionTimeoutError

FEES_TTL = 1.0  # seconds a batch sent with a learned gas limit reuses the fee fields asked before it
FEE_BUMP = (5, 4)  # a replacement raises both fees by 25%: nodes replace a pending transaction for 10% or more


@dataclass(frozen=True)
class PreparedTransaction:
    """A signed transaction not sent yet: its parameters, raw bytes, hash and nonce, and the function it calls."""

    tx: TxParams
    raw: bytes
    hash: HexBytes
    nonce: int
    label: str


class TransactionSender:
    """Sends one account's transactions in nonce order; safe to share between threads."""

    def __init__(self, w3: Web3, account: LocalAccount, reverts: RevertDecoder, timeout: float = 30.0) -> None:
        self._w3 = w3
        self.account = account
        self._reverts = reverts
        self._timeout = timeout
        self._lock = threading.RLock()
        self._next_nonce: int | None = None
        self._chain_id: int | None = None  # asked once: a node keeps its chain id, even across restarts
        self._fees: tuple[float, dict[str, int]] | None = None  # (when asked, the fee fields), for FEES_TTL seconds

    @property
    def address(self) -> str:
        """The sending account's checksummed address."""
        return str(self.account.address)

    def transact(self, call: ContractFunction | ContractConstructor) -> TxReceipt:
        """Send `call` and return its receipt once mined; a refusal raises ContractRevertError."""
        with self._lock:  # sent in nonce order
            prepared = self.prepare(call)
            tx_hash = self.broadcast(prepared)
        receipt = self._wait(tx_hash)
        if receipt["status"] != 1:
            raise self.mined_revert(prepared.tx, receipt, prepared.label)
        return receipt

    def prepare(self, call: ContractFunction | ContractConstructor) -> PreparedTransaction:
        """Estimate, take the next nonce and sign `call`, without sending it; a refusal raises ContractRevertError.

        The hash is known before the send, so a caller can record it first: after a crash it can look it up.
        """
        label = _label(call)
        with self._lock:
            try:
                tx = call.build_transaction(self._base_params())  # estimates gas: reverts surface here
            except ContractLogicError as exc:
                raise self._reverts.decode(revert_bytes(exc), label) from None
            self._next_nonce = int(tx["nonce"]) + 1
        signed = self.account.sign_transaction(tx)  # type: ignore[arg-type]
        return PreparedTransaction(tx, signed.raw_transaction, HexBytes(signed.hash), int(tx["nonce"]), label)

    def prepare_data(self, to: str, data: bytes, label: str, gas: int | None = None) -> PreparedTransaction:
        """Like `prepare`, for calldata already encoded (e.g. a `multicall` of many writes); `label` names the
        function a refusal is reported against. With `gas`, that is the limit and nothing is estimated: the caller
        has simulated the call itself."""
        with self._lock:
            params: dict[str, Any] = {**self._base_params(), "to": to, "data": HexBytes(data), "value": 0}
            if gas is not None:
                params.update(gas=gas, **self._recent_fees())
            try:
                tx: TxParams = fill_transaction_defaults(self._w3, params)  # estimates gas: reverts surface here
            except ContractLogicError as exc:
                raise self._reverts.decode(revert_bytes(exc), label) from None
            self._next_nonce = int(tx["nonce"]) + 1
        signed = self.account.sign_transaction(tx)  # type: ignore[arg-type]
        return PreparedTransaction(tx, signed.raw_transaction, HexBytes(signed.hash), int(tx["nonce"]), label)

    def replacement(self, pending: Mapping[str, Any], label: str) -> PreparedTransaction:
        """This account's `pending` transaction (as the node returns it) again, with its nonce, call and gas limit,
        at fees the node replaces it for: both raised by FEE_BUMP, and at least what a new transaction pays now."""
        legacy = int(pending.get("gasPrice") or 0)
        fees = self._recent_fees()
        tip = max(_raised(int(pending.get("maxPriorityFeePerGas") or legacy)), fees["maxPriorityFeePerGas"])
        cap = max(_raised(int(pending.get("maxFeePerGas") or legacy)), fees["maxFeePerGas"], tip)
        tx: TxParams = {
            "type": 2, "chainId": self._chain_id_once(), "nonce": Nonce(int(pending["nonce"])),
            "to": pending["to"], "value": pending["value"], "data": HexBytes(pending["input"]),
            "gas": int(pending["gas"]), "maxFeePerGas": Wei(cap), "maxPriorityFeePerGas": Wei(tip),
        }  # fmt: skip
        signed = self.account.sign_transaction(tx)  # type: ignore[arg-type]
        return PreparedTransaction(tx, signed.raw_transaction, HexBytes(signed.hash), int(pending["nonce"]), label)

    def broadcast(self, prepared: PreparedTransaction) -> HexBytes:
        """Send a prepared transaction; returns its hash."""
        try:
            return HexBytes(self._w3.eth.send_raw_transaction(prepared.raw))
        except Exception:
            self.forget_nonce()  # another writer may have used the nonce: ask the node again next time
            raise

    def forget_nonce(self) -> None:
        """Ask the node for the next nonce before the next transaction (one was dropped, or used elsewhere)."""
        with self._lock:
            self._next_nonce = None

    def _base_params(self) -> TxParams:
        if self._next_nonce is None:
            self._next_nonce = int(self._w3.eth.get_transaction_count(self.account.address, "pending"))
        return {
            "from": self.account.address,
            "nonce": Nonce(self._next_nonce),
            "chainId": self._chain_id_once(),
        }

    def _recent_fees(self) -> dict[str, int]:
        """The fee fields web3 would fill in (the node's priority fee, plus twice the latest base fee), asked again
        after FEES_TTL seconds: twice the base fee still covers the few blocks that can come meanwhile."""
        now = time.monotonic()
        if self._fees is None or now - self._fees[0] > FEES_TTL:
            priority = int(self._w3.eth.max_priority_fee)
            base = int(self._w3.eth.get_block("latest").get("baseFeePerGas", 0))
            self._fees = (now, {"maxPriorityFeePerGas": priority, "maxFeePerGas": priority + 2 * base})
        return self._fees[1]

    def _chain_id_once(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self._w3.eth.chain_id)
        return self._chain_id

    def _wait(self, tx_hash: HexBytes) -> TxReceipt:
        try:
            return self._w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self._timeout, poll_latency=0.05)
        except TimeExhausted:
            self._next_nonce = None  # the node may have dropped it (e.g. a reorg): ask it again next time
            raise TransactionTimeoutError(
                f"transaction {tx_hash.to_0x_hex()} was not mined within {self._timeout:.0f}s; it may still be. "
                "Check the node is mining (anvil automines; a real network may be congested), then look the "
                "hash up before sending again"
            ) from None

    def mined_revert(self, tx: TxParams, receipt: TxReceipt, label: str) -> ContractRevertError:
        """Why a mined transaction reverted (see replay_revert)."""
        return replay_revert(self._w3, self._reverts, tx, receipt, label)


def replay_revert(
    w3: Web3, reverts: RevertDecoder, tx: TxParams, receipt: TxReceipt, label: str
) -> ContractRevertError:
    """Why a mined transaction reverted: the state moved between estimate and inclusion, so replaying the call at
    the parent block names the error. Needs no key: any sender's transaction can be replayed."""
    replay: dict[str, Any] = {key: value for key, value in tx.items() if key in ("from", "to", "data", "value")}
    try:
        w3.eth.call(replay, block_identifier=receipt["blockNumber"] - 1)  # type: ignore[arg-type]
    except ContractLogicError as exc:
        return reverts.decode(revert_bytes(exc), label)
    return reverts.decode(b"", label)


def revert_bytes(exc: ContractLogicError) -> bytes:
    """The revert data web3 attached to a refused call, as bytes (empty when the node gave none)."""
    data = exc.data
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    return b""


def _raised(fee: int) -> int:
    return -(-fee * FEE_BUMP[0] // FEE_BUMP[1])  # rounded up, so a fee of 1 wei still rises


def _label(call: ContractFunction | ContractConstructor) -> str:
    return "constructor" if isinstance(call, ContractConstructor) else str(call.fn_name)
