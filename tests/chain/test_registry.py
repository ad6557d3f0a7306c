"""The registry's rules hold on a real chain, and refusals come back as named custom errors."""

from __future__ import annotations

import hashlib

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from ledger.chain.accounts import PURCHASER_INDEX, derive_account
from ledger.chain.registry import PURCHASER_ROLE, Registry, process_id_of
from ledger.chain.reverts import RevertDecoder
from ledger.errors import ContractRevertError
from ledger.settings import Settings

DOC = hashlib.sha256(b"tender notice").digest()


def test_purchaser_creates_process_and_event_names_it(settings: Settings, registry: Registry) -> None:
    purchaser = registry.sender(derive_account(settings, PURCHASER_INDEX))
    receipt = registry.create_process(purchaser, "ocds-test-0001", DOC)
    (event,) = registry.contract.events.ProcessCreated().process_receipt(receipt)
    assert event["args"]["processId"] == process_id_of("ocds-test-0001")
    assert event["args"]["purchaser"] == purchaser.address
    assert event["args"]["docHash"] == DOC
    assert event["args"]["ocid"] == "ocds-test-0001"
    assert registry.process_exists("ocds-test-0001")


def test_account_without_purchaser_role_is_refused_with_decoded_error(settings: Settings, registry: Registry) -> None:
    outsider = registry.sender(derive_account(settings, 7))
    with pytest.raises(ContractRevertError) as caught:
        registry.create_process(outsider, "ocds-test-0002", DOC)
    assert caught.value.error_name == "AccessControlUnauthorizedAccount"
    assert caught.value.error_args == {"account": outsider.address, "neededRole": bytes(PURCHASER_ROLE)}
    assert "createProcess reverted: AccessControlUnauthorizedAccount(account=0x" in str(caught.value)
    assert not registry.process_exists("ocds-test-0002")


def test_same_ocid_twice_is_refused_as_already_existing(settings: Settings, registry: Registry) -> None:
    purchaser = registry.sender(derive_account(settings, PURCHASER_INDEX))
    registry.create_process(purchaser, "ocds-test-0003", DOC)
    with pytest.raises(ContractRevertError) as caught:
        registry.create_process(purchaser, "ocds-test-0003", DOC)
    assert caught.value.error_name == "ProcessAlreadyExists"
    assert caught.value.error_args == {"processId": process_id_of("ocds-test-0003")}


@pytest.mark.parametrize(
    ("ocid", "doc_hash", "error_name", "error_args"),
    [
        ("", DOC, "ProcessInvalidOcid", {"length": 0, "maxLength": 128}),
        ("x" * 129, DOC, "ProcessInvalidOcid", {"length": 129, "maxLength": 128}),
        ("ocds-test-0004", bytes(32), "DocumentHashMissing", {}),
    ],
)
def test_malformed_process_is_refused(
    settings: Settings,
    registry: Registry,
    ocid: str,
    doc_hash: bytes,
    error_name: str,
    error_args: dict[str, int],
) -> None:
    purchaser = registry.sender(derive_account(settings, PURCHASER_INDEX))
    with pytest.raises(ContractRevertError) as caught:
        registry.create_process(purchaser, ocid, doc_hash)
    assert (caught.value.error_name, caught.value.error_args) == (error_name, error_args)


def test_version_and_deterministic_ids_match_python(registry: Registry) -> None:
    assert registry.contract.functions.version().call() == "0.1.0"
    assert registry.contract.functions.processIdOf("ocds-x").call() == process_id_of("ocds-x")


def test_revert_decoder_names_builtin_and_unknown_errors() -> None:
    decoder = RevertDecoder([[{"type": "error", "name": "Known", "inputs": [{"name": "n", "type": "uint256"}]}]])
    known = function_signature_to_4byte_selector("Known(uint256)") + encode(["uint256"], [7])
    assert (decoder.decode(known).error_name, decoder.decode(known).error_args) == ("Known", {"n": 7})
    message = bytes.fromhex("08c379a0") + encode(["string"], ["no"])
    assert decoder.decode(message).error_args == {"message": "no"}
    panic = bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])
    assert decoder.decode(panic).error_args == {"code": "0x11"}
    unknown = decoder.decode(bytes.fromhex("deadbeef") + b"\x01")
    assert unknown.error_name == "UnknownError_0xdeadbeef" and unknown.error_args == {"data": "0x01"}
    assert decoder.decode(b"").error_name == "EmptyRevert"
