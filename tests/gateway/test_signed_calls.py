"""Decoding a supplier's own signed transaction: only an EIP-1559 call of the endpoint's ledger function passes,
and what it says (signer, nonce, arguments) is read from the signed bytes alone."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import LEDGER
from ledger.errors import SignedTransactionError
from ledger.gateway.signed_calls import SIGNED_CALLS, decode_signed_call, selector_of
from ledger.settings import Settings
from tests.helpers import PROJECT_DIR

LEDGER_ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ARGS = (b"\x11" * 32, b"\x22" * 32, b"\x33" * 32)


def _signed(data: bytes, **changes: object) -> tuple[str, str]:
    account = Account.create()
    tx = {"type": 2, "chainId": 31337, "nonce": 4, "to": LEDGER_ADDRESS, "data": data, "gas": 90_000,
          "maxFeePerGas": 2 * 10**9, "maxPriorityFeePerGas": 10**9, "value": 0, **changes}  # fmt: skip
    return "0x" + account.sign_transaction(tx).raw_transaction.hex(), account.address


def _complaint_data() -> bytes:
    return selector_of("fileComplaint") + encode(list(SIGNED_CALLS["fileComplaint"]), list(ARGS))


def test_the_relayed_functions_are_the_ledgers_own(built: None) -> None:
    abi = load_artifact(Settings(project_dir=PROJECT_DIR).artifacts_dir, LEDGER).abi
    ledger = {
        entry["name"]: tuple(param["type"] for param in entry["inputs"]) for entry in abi if entry["type"] == "function"
    }
    for function, types in SIGNED_CALLS.items():
        assert ledger[function] == types
        assert selector_of(function) == function_signature_to_4byte_selector(f"{function}({','.join(types)})")


def test_a_signed_call_decodes_to_its_signer_nonce_and_arguments() -> None:
    raw, signer = _signed(_complaint_data())
    call = decode_signed_call(raw, "fileComplaint")
    assert (call.sender, call.nonce, call.to, call.chain_id, call.gas) == (signer, 4, LEDGER_ADDRESS, 31337, 90_000)
    assert call.arguments == ARGS and call.tx_hash == Web3.keccak(hexstr=raw).to_0x_hex()


def test_a_call_of_another_function_is_refused_naming_the_one_relayed() -> None:
    raw, _ = _signed(_complaint_data())
    with pytest.raises(
        SignedTransactionError, match=r"^this endpoint relays calls of revealBid; the transaction calls"
    ):
        decode_signed_call(raw, "revealBid")


def test_a_legacy_transaction_is_refused() -> None:
    account = Account.create()
    tx = {"chainId": 31337, "nonce": 0, "to": LEDGER_ADDRESS, "data": _complaint_data(), "gas": 90_000,
          "gasPrice": 10**9, "value": 0}  # fmt: skip
    raw = "0x" + account.sign_transaction(tx).raw_transaction.hex()
    with pytest.raises(SignedTransactionError, match=r"^expected an EIP-1559 \(type 2\) transaction"):
        decode_signed_call(raw, "fileComplaint")


def test_bytes_that_are_no_transaction_are_refused_in_words() -> None:
    with pytest.raises(SignedTransactionError, match=r"^the signed transaction cannot be decoded"):
        decode_signed_call("0x02" + "ab" * 80, "fileComplaint")


def test_arguments_that_do_not_decode_are_refused() -> None:
    raw, _ = _signed(selector_of("fileComplaint") + b"\x01" * 10)
    with pytest.raises(SignedTransactionError, match=r"^the fileComplaint call's arguments do not decode"):
        decode_signed_call(raw, "fileComplaint")
