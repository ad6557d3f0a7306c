"""Sign locally and send: managed nonces, receipts waited for with a timeout, reverts decoded."""

from __future__ import annotations

import threading
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted
from web3.types import Nonce, TxParams, TxReceipt

from ledger.chain.reverts import RevertDecoder
from ledger.errors import TransactionTimeoutError


class TransactionSender:
    """Sends one account's transactions in nonce order; safe to share between threads."""

    def __init__(self, w3: Web3, account: LocalAccount, reverts: RevertDecoder, timeout: float = 30.0) -> None:
        self._w3 = w3
        self.account = account
        self._reverts = reverts
        self._timeout = timeout
        self._lock = threading.Lock()
        self._next_nonce: int | None = None

    @property
    def address(self) -> str:
        """The sending account's checksummed address."""
        return str(self.account.address)

    def transact(self, call: ContractFunction | ContractConstructor) -> TxReceipt:
        """Send `call` and return its receipt once mined; a refusal raises ContractRevertError."""
        label = _label(call)
        with self._lock:
            try:
                tx = call.build_transaction(self._base_params())  # estimates gas: reverts surface here
            except ContractLogicError as exc:
                raise self._reverts.decode(_revert_bytes(exc), label) from None
            self._next_nonce = int(tx["nonce"]) + 1
            signed = self.account.sign_transaction(tx)  # type: ignore[arg-type]
            try:
                tx_hash = self._w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception:
                self._next_nonce = None  # another writer may have used the nonce: ask the node again next time
                raise
        receipt = self._wait(tx_hash)
        if receipt["status"] != 1:
            self._raise_mined_revert(tx, receipt, label)
        return receipt

    def _base_params(self) -> TxParams:
        if self._next_nonce is None:
            self._next_nonce = int(self._w3.eth.get_transaction_count(self.account.address, "pending"))
        return {
            "from": self.account.address,
            "nonce": Nonce(self._next_nonce),
            "chainId": self._w3.eth.chain_id,
        }

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

    def _raise_mined_revert(self, tx: TxParams, receipt: TxReceipt, label: str) -> None:
        # The state moved between estimate and inclusion; replaying the call at the parent block names why.
        replay: dict[str, Any] = {key: value for key, value in tx.items() if key in ("from", "to", "data", "value")}
        try:
            self._w3.eth.call(replay, block_identifier=receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except ContractLogicError as exc:
            raise self._reverts.decode(_revert_bytes(exc), label) from None
        raise self._reverts.decode(b"", label)


def _revert_bytes(exc: ContractLogicError) -> bytes:
    data = exc.data
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    return b""


def _label(call: ContractFunction | ContractConstructor) -> str:
    return "constructor" if isinstance(call, ContractConstructor) else str(call.fn_name)
