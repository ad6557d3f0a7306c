"""Decode stage: a pure function from a raw log to a typed event of ours. No I/O, no web3 contract objects."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from ledger.indexer.fetch import RawLog

PROCESS_CREATED_SIGNATURE = "ProcessCreated(bytes32,bytes32,bytes32,address,uint8,bytes32,bytes32,string)"
PROCESS_CREATED_TOPIC = "0x" + keccak(text=PROCESS_CREATED_SIGNATURE).hex()


@dataclass(frozen=True, slots=True)
class ProcessCreated:
    """A purchaser opened a process."""

    log: RawLog
    process_id: str
    budget_id: str
    purchaser_org: str
    purchaser: str
    method: int
    doc_hash: str
    rationale_hash: str
    ocid: str


Event = ProcessCreated


class UndecodableLogError(ValueError):
    """A log carries one of our event topics but not that event's layout."""


def decode_log(log: RawLog) -> Event | None:
    """The event `log` records, or None for a log that is not one of ours (e.g. an OpenZeppelin role event)."""
    if not log.topics or log.topics[0] != PROCESS_CREATED_TOPIC:
        return None
    if len(log.topics) != 4:
        raise UndecodableLogError(f"ProcessCreated log {log.tx_hash}:{log.log_index} has {len(log.topics)} topics")
    purchaser, method, doc_hash, rationale_hash, ocid = abi_decode(
        ["address", "uint8", "bytes32", "bytes32", "string"], bytes.fromhex(log.data[2:])
    )
    return ProcessCreated(
        log=log,
        process_id=log.topics[1],
        budget_id=log.topics[2],
        purchaser_org=log.topics[3],
        purchaser=purchaser.lower(),
        method=method,
        doc_hash="0x" + doc_hash.hex(),
        rationale_hash="0x" + rationale_hash.hex(),
        ocid=ocid,
    )
