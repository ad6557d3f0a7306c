"""Export: gather a process's events from a node and build the proofs that make them checkable without one.

Whatever the node answers is checked here as the verifier will check it (each header against its hash, each
block's receipts against its receiptsRoot, each log against its receipt), so a bundle that exports also verifies.
The leaf lists of anchored document batches are not on chain: the caller reads them (from the document store)
and passes them in as plain hashes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3

from ledger.chain.client import rpc_call
from ledger.errors import MalformedRpcResponse, NotFoundError, VerificationError
from ledger.indexer.decode import EventDecoder
from ledger.indexer.fetch import RawLog, fetch_head, fetch_logs
from ledger.proofs.bundle import FORMAT, VERSION, process_topics
from ledger.proofs.headers import header_of, verify_header
from ledger.proofs.merkle import inclusion_proofs, merkle_root
from ledger.proofs.receipts import receipt_proofs

DOCUMENTS_ANCHORED = "DocumentsAnchored"
PROCESS_CREATED = "ProcessCreated"


@dataclass(frozen=True)
class DocumentBatch:
    """An anchored document batch as the caller read it off chain: where its DocumentsAnchored log is, its whole
    leaf list (document SHA-256s, in leaf order) and which leaves to prove (None: all of them)."""

    block_number: int
    log_index: int
    leaves: Sequence[str]
    prove: Sequence[int] | None = None


def process_id_of(ocid: str) -> str:
    """The on-chain id of a process, as 0x-hex: keccak256 of its ocid."""
    return "0x" + keccak(text=ocid).hex()


def process_logs(
    w3: Web3, decoder: EventDecoder, contract: str, process_id: str, from_block: int, batch_blocks: int = 2_000
) -> list[RawLog]:
    """Every log of `contract` from `from_block` to the head that names process `process_id`, in chain order;
    asked for `batch_blocks` blocks at a time, as providers cap eth_getLogs ranges."""
    head = fetch_head(w3)
    by_position: dict[int, list[str]] = {}
    for topic, position in process_topics(decoder).items():
        by_position.setdefault(position, []).append(topic)
    logs: list[RawLog] = []
    for start in range(from_block, head + 1, batch_blocks):
        end = min(start + batch_blocks - 1, head)
        for position, topics in sorted(by_position.items()):
            query = [sorted(topics), *[None] * (position - 1), process_id]
            logs += fetch_logs(w3, [contract.lower()], start, end, query)
    return sorted(logs, key=lambda log: log.order_key)


def export_bundle(
    w3: Web3,
    decoder: EventDecoder,
    chain_id: int,
    contract: str,
    ocid: str,
    events: Sequence[RawLog],
    batches: Sequence[DocumentBatch] = (),
) -> dict[str, Any]:
    """The bundle of a process's `events` (process_logs), with inclusion proofs of the documents of `batches`;
    anchoring events not among `events` go in as anchors. Every header and receipt the node serves is checked."""
    if not events:
        raise NotFoundError(
            f"no events of process {ocid} from contract {contract} on chain {chain_id}; check the ocid and that "
            "PROCLEDGER_RPC_URL points at the chain that recorded it"
        )
    held = {(log.block_number, log.log_index): log for log in events}
    anchors = [_anchor_log(w3, decoder, contract, batch) for batch in batches if _key(batch) not in held]
    logs = sorted([*events, *anchors], key=lambda log: log.order_key)
    blocks, receipts, positions = _prove_logs(w3, logs)
    documents = [document for batch in batches for document in _documents(decoder, batch, {**held, **_by_key(anchors)})]
    return {
        "format": FORMAT, "version": VERSION, "chain_id": chain_id, "contract": contract.lower(), "ocid": ocid,
        "process_id": process_id_of(ocid), "blocks": blocks, "receipts": receipts,
        "events": [_event(log, positions) for log in events], "anchors": [_event(log, positions) for log in anchors],
        "documents": documents,
    }  # fmt: skip


def _prove_logs(w3: Web3, logs: Sequence[RawLog]) -> tuple[list[Any], list[Any], dict[tuple[int, int], int]]:
    blocks, receipts, positions = [], [], {}
    for number in sorted({log.block_number for log in logs}):
        in_block = [log for log in logs if log.block_number == number]
        block = rpc_call(w3, "eth_getBlockByNumber", [hex(number), False])
        header = header_of(block)
        verify_header(header, in_block[0].block_hash)
        blocks.append({"hash": in_block[0].block_hash, "header": header})
        block_receipts = rpc_call(w3, "eth_getBlockReceipts", [hex(number)])
        tx_indices = sorted({log.tx_index for log in in_block})
        root, proofs = receipt_proofs(block_receipts, tx_indices)
        if root != header["receiptsRoot"]:
            raise MalformedRpcResponse(
                f"expected the receipts of block {number} to give receiptsRoot {header['receiptsRoot']}, got {root}"
            )
        receipts += [{"block_number": number, "tx_index": index, "proof": proofs[index]} for index in tx_indices]
        for log in in_block:
            positions[(number, log.log_index)] = _position(block_receipts[log.tx_index], log)
    return blocks, receipts, positions


def _anchor_log(w3: Web3, decoder: EventDecoder, contract: str, batch: DocumentBatch) -> RawLog:
    topic = decoder.topic_of(DOCUMENTS_ANCHORED)
    for log in fetch_logs(w3, [contract], batch.block_number, batch.block_number, [topic]):
        if log.log_index == batch.log_index:
            return log
    raise NotFoundError(
        f"expected a {DOCUMENTS_ANCHORED} log of {contract} at block {batch.block_number} log {batch.log_index}, "
        "got none; the document store's anchor is not on this chain (reindex the mirror)"
    )


def _documents(decoder: EventDecoder, batch: DocumentBatch, logs: Mapping[tuple[int, int], RawLog]) -> list[Any]:
    event = decoder.decode(logs[_key(batch)])
    assert event is not None and event.name == DOCUMENTS_ANCHORED
    root, count = str(event.args["root"]), int(event.args["count"])
    hashes = [bytes.fromhex(leaf[2:]) for leaf in batch.leaves]
    computed = "0x" + merkle_root(hashes).hex() if hashes else "no root"
    if (len(hashes), computed) != (count, root):
        raise VerificationError(
            f"expected a leaf list of {count} giving root {root}, got {len(hashes)} leaves giving {computed}; the "
            f"leaf list kept off chain for the anchor at block {batch.block_number} log {batch.log_index} is wrong"
        )
    anchor = {"block_number": batch.block_number, "log_index": batch.log_index}
    paths = inclusion_proofs(hashes)
    wanted = range(len(hashes)) if batch.prove is None else sorted(set(batch.prove))
    return [
        {
            "sha256": batch.leaves[index],
            "anchor": anchor,
            "leaf_index": index,
            "audit_path": [_hex(s) for s in paths[index]],
        }
        for index in wanted
    ]


def _key(batch: DocumentBatch) -> tuple[int, int]:
    return (batch.block_number, batch.log_index)


def _by_key(logs: Sequence[RawLog]) -> dict[tuple[int, int], RawLog]:
    return {(log.block_number, log.log_index): log for log in logs}


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _event(log: RawLog, positions: Mapping[tuple[int, int], int]) -> dict[str, Any]:
    return {
        "block_number": log.block_number, "tx_index": log.tx_index, "tx_hash": log.tx_hash,
        "log_index": log.log_index, "position": positions[(log.block_number, log.log_index)], "address": log.address,
        "topics": list(log.topics), "data": log.data,
    }  # fmt: skip


def _position(receipt: Mapping[str, Any], log: RawLog) -> int:
    for position, entry in enumerate(receipt["logs"]):
        if int(entry["logIndex"], 16) == log.log_index:
            if (entry["address"].lower(), [t.lower() for t in entry["topics"]], entry["data"].lower()) != (
                log.address, list(log.topics), log.data,
            ):  # fmt: skip
                break
            return position
    raise MalformedRpcResponse(
        f"expected log {log.log_index} of block {log.block_number} in the receipt of tx index {log.tx_index} "
        "as eth_getLogs reported it, got a receipt without it"
    )
