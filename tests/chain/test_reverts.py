"""Refusals decode to the contract's custom error with its arguments, named where the error points at a function."""

from __future__ import annotations

import json

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from ledger.chain.reverts import RevertDecoder
from tests.helpers import PROJECT_DIR


def _ledger_decoder() -> RevertDecoder:
    artifact = json.loads((PROJECT_DIR / "build" / "contracts" / "ProcurementLedger.json").read_text())
    return RevertDecoder([artifact["abi"]])


def test_a_missing_document_names_the_function_and_its_parameter(built: None) -> None:
    create = function_signature_to_4byte_selector("createProcess(string,bytes32,uint8,bytes32,bytes32)")
    data = function_signature_to_4byte_selector("DocumentHashMissing(bytes4,uint8)") + encode(
        ["bytes4", "uint8"], [create, 4]
    )

    error = _ledger_decoder().decode(data, "createProcess")

    assert error.error_name == "DocumentHashMissing"
    assert error.error_args == {
        "action": create,
        "argument": 4,
        "function": "createProcess",
        "parameter": "rationaleHash",
    }
    assert "parameter=rationaleHash" in str(error)


def test_an_action_the_abi_does_not_know_keeps_its_raw_arguments(built: None) -> None:
    data = function_signature_to_4byte_selector("DocumentHashMissing(bytes4,uint8)") + encode(
        ["bytes4", "uint8"], [b"\xde\xad\xbe\xef", 1]
    )

    error = _ledger_decoder().decode(data)

    assert error.error_args == {"action": b"\xde\xad\xbe\xef", "argument": 1}
