"""Verify a proof bundle offline: no node, no database, no network.

From the bottom up: each block header must hash to the block hash it claims (headers.py); each receipt's proof
must lead from that header's receiptsRoot to a successful receipt (receipts.py); each event must be exactly the
log its receipt holds at its position, come from the bundle's contract, name the bundle's process and decode as
one of our events; events must be in chain order; each document's audit path must lead to the root of a proven
DocumentsAnchored event, with that event's leaf count (merkle.py). Every block and receipt must serve an event.

`verify_bundle` is the one entry point: it raises a VerificationError naming what was expected and what was
found, or returns the proven, decoded events in chain order for the state replay (`ledger.verify`).
What a bundle cannot show offline: that its blocks are canonical and that no event of the process was left out;
canonical.py checks both against a node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import (
    BundleScopeError,
    DocumentProofError,
    ReceiptProofError,
    UndecodableLogError,
    VerificationError,
)
from ledger.indexer.decode import DecodedEvent, EventDecoder
from ledger.indexer.fetch import RawLog
from ledger.proofs.bundle import process_topics
from ledger.proofs.bundle_export import DOCUMENTS_ANCHORED, PROCESS_CREATED, process_id_of
from ledger.proofs.headers import verify_header
from ledger.proofs.merkle import verify_inclusion
from ledger.proofs.receipts import ProvenReceipt, ReceiptLog, prove_receipt, verify_log_in_receipt


@dataclass(frozen=True)
class VerifiedBundle:
    """What a bundle proved: its process's events, decoded, in chain order, and the documents anchored under it."""

    chain_id: int
    contract: str
    ocid: str
    process_id: str
    events: list[DecodedEvent]
    blocks: dict[int, str]
    """Block number to block hash, for every block holding an event."""
    block_times: dict[int, int]
    """Block number to its proven header's timestamp (unix seconds)."""
    documents: list[str]
    """SHA-256 of every document proven to be in an anchored batch: one filed under the process, or one holding a
    document its events name."""


def verify_bundle(
    bundle: Mapping[str, Any], decoder: EventDecoder, *, chain_id: int | None = None, contract: str | None = None
) -> VerifiedBundle:
    """Check every proof in a loaded bundle (load_bundle); `chain_id` and `contract`, when given, are what the
    bundle must name. Returns the proven events; raises a VerificationError subclass on the first failure."""
    _check_scope(bundle, chain_id, contract)
    headers = _proven_headers(bundle["blocks"])
    receipts = _proven_receipts(bundle["receipts"], headers)
    events = _proven_events(bundle, decoder, headers, receipts)
    anchors = _proven_anchors(bundle, decoder, headers, receipts)
    _check_all_used(bundle, headers, receipts)
    documents = _proven_documents(bundle["documents"], events, anchors)
    blocks = {number: header["hash"] for number, header in headers.items()}
    times = {number: int(header["timestamp"], 16) for number, header in headers.items()}
    return VerifiedBundle(
        bundle["chain_id"], bundle["contract"], bundle["ocid"], bundle["process_id"], events, blocks, times, documents
    )


def _check_scope(bundle: Mapping[str, Any], chain_id: int | None, contract: str | None) -> None:
    if chain_id is not None and bundle["chain_id"] != chain_id:
        raise BundleScopeError(f"expected a bundle of chain id {chain_id}, got one of chain id {bundle['chain_id']}")
    if contract is not None and bundle["contract"] != contract.lower():
        raise BundleScopeError(f"expected a bundle of contract {contract.lower()}, got one of {bundle['contract']}")
    expected = process_id_of(bundle["ocid"])
    if bundle["process_id"] != expected:
        raise BundleScopeError(
            f"expected process id {expected} (keccak256 of ocid {bundle['ocid']}), got {bundle['process_id']}"
        )


def _proven_headers(blocks: Sequence[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    headers: dict[int, dict[str, Any]] = {}
    for block in blocks:
        verify_header(block["header"], block["hash"])
        number = int(block["header"]["number"], 16)
        if number in headers:
            raise BundleScopeError(f"expected one header for block {number}, got two")
        headers[number] = {**block["header"], "hash": block["hash"]}
    return headers


def _proven_receipts(
    entries: Sequence[Mapping[str, Any]], headers: Mapping[int, Mapping[str, Any]]
) -> dict[tuple[int, int], ProvenReceipt]:
    receipts = {}
    for entry in entries:
        number, index = entry["block_number"], entry["tx_index"]
        if number not in headers:
            raise ReceiptProofError(f"expected a header for block {number} (receipt of tx index {index}), got none")
        receipt = prove_receipt(headers[number]["receiptsRoot"], number, index, entry["proof"])
        if receipt.status != 1:
            raise ReceiptProofError(f"expected a successful receipt at block {number} tx index {index}, got status 0")
        receipts[(number, index)] = receipt
    return receipts


def _proven_events(
    bundle: Mapping[str, Any],
    decoder: EventDecoder,
    headers: Mapping[int, Mapping[str, Any]],
    receipts: Mapping[tuple[int, int], ProvenReceipt],
) -> list[DecodedEvent]:
    names_process = process_topics(decoder)
    events = []
    for where, decoded in _proven_logs("event", bundle["events"], bundle["contract"], decoder, headers, receipts):
        position = names_process.get(decoded.log.topics[0])
        if position is None:
            raise BundleScopeError(f"{where}: expected an event of a process, got a {decoded.name}")
        if decoded.log.topics[position] != bundle["process_id"]:
            raise BundleScopeError(
                f"{where}: expected a {decoded.name} of process {bundle['process_id']}, got one of "
                f"{decoded.log.topics[position]}"
            )
        events.append(decoded)
    _check_created_once(bundle["ocid"], events)
    return events


def _proven_anchors(
    bundle: Mapping[str, Any],
    decoder: EventDecoder,
    headers: Mapping[int, Mapping[str, Any]],
    receipts: Mapping[tuple[int, int], ProvenReceipt],
) -> list[DecodedEvent]:
    anchors = []
    for where, decoded in _proven_logs("anchor", bundle["anchors"], bundle["contract"], decoder, headers, receipts):
        if decoded.name != DOCUMENTS_ANCHORED:
            raise BundleScopeError(f"{where}: expected a {DOCUMENTS_ANCHORED} event, got a {decoded.name}")
        anchors.append(decoded)
    return anchors


def _proven_logs(
    kind: str,
    entries: Sequence[Mapping[str, Any]],
    contract: str,
    decoder: EventDecoder,
    headers: Mapping[int, Mapping[str, Any]],
    receipts: Mapping[tuple[int, int], ProvenReceipt],
) -> Iterator[tuple[str, DecodedEvent]]:
    previous: Mapping[str, Any] | None = None
    for number, entry in enumerate(entries):
        where = f"{kind} {number} (block {entry['block_number']} tx index {entry['tx_index']} log {entry['log_index']})"
        _check_order(where, previous, entry)
        previous = entry
        key = (entry["block_number"], entry["tx_index"])
        if key not in receipts:
            raise ReceiptProofError(f"{where}: expected a proven receipt of block {key[0]} tx index {key[1]}, got none")
        log = ReceiptLog(entry["address"], tuple(entry["topics"]), entry["data"])
        verify_log_in_receipt(receipts[key], entry["position"], log, where)
        if entry["address"] != contract:
            raise BundleScopeError(f"{where}: expected a log of contract {contract}, got {entry['address']}")
        yield where, _decoded(where, entry, headers[key[0]]["hash"], decoder)


def _check_created_once(ocid: str, events: Sequence[DecodedEvent]) -> None:
    # The creation anchors the history: a bundle that starts later could hide the process's first acts.
    created = [event for event in events if event.name == PROCESS_CREATED]
    if len(created) != 1:
        raise BundleScopeError(f"expected one {PROCESS_CREATED} event of process {ocid}, got {len(created)}")
    if created[0].args["ocid"] != ocid:
        raise BundleScopeError(f"expected {PROCESS_CREATED} with ocid {ocid}, got {created[0].args['ocid']}")


def _check_order(where: str, previous: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> None:
    if previous is None:
        return
    before = (previous["block_number"], previous["tx_index"], previous["position"])
    after = (entry["block_number"], entry["tx_index"], entry["position"])
    if after <= before or (after[0] == before[0] and entry["log_index"] <= previous["log_index"]):
        raise BundleScopeError(
            f"{where}: expected events in chain order, after block {before[0]} tx index {before[1]} log "
            f"{previous['log_index']}, got one that is not later"
        )
    same_tx = after[:2] == before[:2]
    if same_tx and entry["log_index"] - entry["position"] != previous["log_index"] - previous["position"]:
        raise BundleScopeError(
            f"{where}: expected log index {previous['log_index'] + after[2] - before[2]} (position {after[2]} in the "
            f"transaction's receipt), got {entry['log_index']}"
        )


def _decoded(where: str, entry: Mapping[str, Any], block_hash: str, decoder: EventDecoder) -> DecodedEvent:
    log = RawLog(
        entry["block_number"], block_hash, entry["tx_hash"], entry["tx_index"], entry["log_index"], entry["address"],
        tuple(entry["topics"]), entry["data"],
    )  # fmt: skip
    try:
        decoded = decoder.decode(log)
    except UndecodableLogError as exc:
        raise BundleScopeError(f"{where}: expected a log that decodes, got: {exc}") from None
    if decoded is None:
        raise BundleScopeError(f"{where}: expected an event of the ledger, got unknown topic0 {log.topics[0]}")
    return decoded


def _check_all_used(
    bundle: Mapping[str, Any], headers: Mapping[int, Any], receipts: Mapping[tuple[int, int], Any]
) -> None:
    used = {(entry["block_number"], entry["tx_index"]) for entry in [*bundle["events"], *bundle["anchors"]]}
    for key in receipts:
        if key not in used:
            raise BundleScopeError(f"expected every receipt to hold an event, got block {key[0]} tx index {key[1]}")
    for number in headers:
        if number not in {block for block, _ in used}:
            raise BundleScopeError(f"expected every block to hold an event, got block {number} without one")


def _proven_documents(
    documents: Sequence[Mapping[str, Any]], events: Sequence[DecodedEvent], anchors: Sequence[DecodedEvent]
) -> list[str]:
    filed = {(event.log.block_number, event.log.log_index): event for event in events}
    by_key = {**{(event.log.block_number, event.log.log_index): event for event in anchors}, **filed}
    named = {value for event in events for value in event.args.values() if isinstance(value, str)}
    proven = []
    for document in documents:
        where = f"document {document['sha256']}"
        key = (document["anchor"]["block_number"], document["anchor"]["log_index"])
        anchor = by_key.get(key)
        if anchor is None or anchor.name != DOCUMENTS_ANCHORED:
            raise DocumentProofError(
                f"{where}: expected a proven {DOCUMENTS_ANCHORED} event at block {key[0]} log {key[1]}, got none"
            )
        if key not in filed and document["sha256"] not in named:
            raise DocumentProofError(
                f"{where}: expected a document of the process (named by one of its events, or anchored under it), "
                f"got one anchored at block {key[0]} log {key[1]} that no event of the process names"
            )
        try:
            verify_inclusion(
                bytes.fromhex(document["sha256"][2:]), document["leaf_index"], int(anchor.args["count"]),
                [bytes.fromhex(step[2:]) for step in document["audit_path"]], bytes.fromhex(anchor.args["root"][2:]),
            )  # fmt: skip
        except VerificationError as exc:
            raise DocumentProofError(
                f"{where} (leaf {document['leaf_index']} of the batch anchored at block {key[0]} log {key[1]}): {exc}"
            ) from None
        proven.append(document["sha256"])
    return proven
