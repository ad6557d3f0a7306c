"""Decoding is pure and agrees with the ABI the compiler produced."""

from __future__ import annotations

import json

from eth_abi import encode
from eth_utils import event_abi_to_log_topic

from ledger.indexer.decode import PROCESS_CREATED_TOPIC, ProcessCreated, decode_log
from ledger.indexer.fetch import RawLog
from tests.helpers import PROJECT_DIR


def _log(topics: tuple[str, ...], data: bytes) -> RawLog:
    return RawLog(1, "0x" + "11" * 32, "0x" + "22" * 32, 0, 3, "0x" + "33" * 20, topics, "0x" + data.hex())


def test_process_created_topic_matches_compiled_abi(built: None) -> None:
    abi = json.loads((PROJECT_DIR / "build" / "contracts" / "ProcurementLedger.json").read_text())["abi"]
    (event,) = [entry for entry in abi if entry.get("name") == "ProcessCreated"]
    assert "0x" + event_abi_to_log_topic(event).hex() == PROCESS_CREATED_TOPIC


def test_process_created_log_decodes_to_its_fields() -> None:
    purchaser = "0x" + "ab" * 20
    topics = (PROCESS_CREATED_TOPIC, "0x" + "01" * 32, "0x" + "02" * 32, "0x" + "03" * 32)
    data = encode(
        ["address", "uint8", "bytes32", "bytes32", "string"],
        [purchaser, 1, b"\x04" * 32, b"\x05" * 32, "ocds-采购-1"],
    )
    event = decode_log(_log(topics, data))
    assert isinstance(event, ProcessCreated)
    assert (event.process_id, event.budget_id, event.purchaser_org) == (
        "0x" + "01" * 32,
        "0x" + "02" * 32,
        "0x" + "03" * 32,
    )
    assert (event.purchaser, event.method, event.ocid) == (purchaser, 1, "ocds-采购-1")
    assert (event.doc_hash, event.rationale_hash) == ("0x" + "04" * 32, "0x" + "05" * 32)


def test_foreign_logs_are_not_ours() -> None:
    assert decode_log(_log(("0x" + "99" * 32,), b"")) is None
    assert decode_log(_log((), b"")) is None
