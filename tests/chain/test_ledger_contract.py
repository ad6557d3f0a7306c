"""Writing through the Python client: refusals come back as named custom errors with their arguments."""

from __future__ import annotations

import hashlib

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from ledger.chain.accounts import derive_account
from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import PURCHASER_ROLE, LedgerContract, process_id_of, reference
from ledger.chain.reverts import RevertDecoder
from ledger.demo import BUDGET_CODE, BUDGET_ID, FINANCE, PURCHASER, SUPPLIER_A
from ledger.errors import ContractRevertError
from ledger.settings import Settings
from tests.helpers import open_process

DOC = hashlib.sha256(b"tender notice").digest()


def test_purchaser_creates_process_and_event_names_it(settings: Settings, ledger_contract: LedgerContract) -> None:
    receipt = open_process(settings, ledger_contract, "ocds-pl0001-test-0001")
    (event,) = ledger_contract.contract.events.ProcessCreated().process_receipt(receipt)
    assert event["args"]["processId"] == process_id_of("ocds-pl0001-test-0001")
    assert event["args"]["account"] == derive_account(settings, PURCHASER.account_index).address
    assert event["args"]["purchaserOrg"] == PURCHASER.org_id
    assert event["args"]["ocid"] == "ocds-pl0001-test-0001"
    assert ledger_contract.process_exists("ocds-pl0001-test-0001")


def test_account_without_purchaser_role_is_refused_with_decoded_error(
    settings: Settings, ledger_contract: LedgerContract
) -> None:
    outsider = ledger_contract.sender(derive_account(settings, 9))
    with pytest.raises(ContractRevertError) as caught:
        ledger_contract.send(outsider, "createProcess", "ocds-pl0001-test-0002", BUDGET_ID, 0, DOC, bytes(32))
    assert caught.value.error_name == "AccessControlUnauthorizedAccount"
    assert caught.value.error_args == {"account": outsider.address, "neededRole": bytes(PURCHASER_ROLE)}
    assert "createProcess reverted: AccessControlUnauthorizedAccount(account=0x" in str(caught.value)
    assert not ledger_contract.process_exists("ocds-pl0001-test-0002")


def test_same_ocid_twice_is_refused_as_already_recorded(settings: Settings, ledger_contract: LedgerContract) -> None:
    open_process(settings, ledger_contract, "ocds-pl0001-test-0003")
    with pytest.raises(ContractRevertError) as caught:
        open_process(settings, ledger_contract, "ocds-pl0001-test-0003")
    assert caught.value.error_name == "ProcessAlreadyRecorded"
    assert caught.value.error_args == {"processId": process_id_of("ocds-pl0001-test-0003")}


def test_deterministic_ids_match_python(ledger_contract: LedgerContract) -> None:
    assert ledger_contract.call("version") == "2.0.0"
    assert ledger_contract.call("processIdOf", "ocds-x") == process_id_of("ocds-x")
    assert ledger_contract.call("scopedId", FINANCE.org_id, reference(BUDGET_CODE)) == BUDGET_ID
    pid, salt = process_id_of("ocds-x"), reference("salt")
    assert ledger_contract.call("bidCommitment", pid, SUPPLIER_A.org_id, 7, DOC, salt) == bid_commitment(
        pid, SUPPLIER_A.org_id, 7, DOC, salt
    )


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
