"""Receipts proven by Merkle-Patricia proofs against their block's receiptsRoot.

The receipts of a block form a hexary Merkle-Patricia trie: the key of the receipt at transaction index i is
rlp(i); its value is the typed receipt of EIP-2718, the type byte (left out for legacy type 0) followed by
rlp([status, cumulativeGasUsed, logsBloom, logs]), each log rlp([address, [topics...], data]). A proof is the
list of trie nodes (each RLP-encoded) on the path from the root to the receipt: its size grows with the log of
the block's transaction count. Built at export time from every receipt of the block (`eth_getBlockReceipts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import rlp
from eth_utils.crypto import keccak
from trie import HexaryTrie
from trie.exceptions import BadTrieProof

from ledger.errors import LogNotInReceiptError, ReceiptProofError


class ReceiptLog(NamedTuple):
    """A log as a receipt holds it: the emitting address, its topics and its data, as lower-case 0x-hex."""

    address: str
    topics: tuple[str, ...]
    data: str


class ProvenReceipt(NamedTuple):
    """A receipt whose proof led from its block's receiptsRoot to it."""

    block_number: int
    tx_index: int
    status: int
    logs: tuple[ReceiptLog, ...]


def encode_receipt(receipt: Mapping[str, Any]) -> bytes:
    """The trie value of a JSON-RPC receipt object: type byte (none for legacy) + rlp of its consensus fields."""
    logs = [
        [_bytes(log["address"]), [_bytes(topic) for topic in log["topics"]], _bytes(log["data"])]
        for log in receipt["logs"]
    ]
    body: bytes = rlp.encode([
        int(receipt["status"], 16), int(receipt["cumulativeGasUsed"], 16), _bytes(receipt["logsBloom"]), logs,
    ])  # fmt: skip
    kind = int(receipt.get("type") or "0x0", 16)
    return body if kind == 0 else bytes([kind]) + body


def receipt_proofs(
    receipts: Sequence[Mapping[str, Any]], tx_indices: Iterable[int]
) -> tuple[str, dict[int, list[str]]]:
    """The receiptsRoot of a block's receipts (all of them, by transaction index) and the proof of each receipt
    at `tx_indices`, each node as 0x-hex of its RLP."""
    trie = HexaryTrie({})
    for index, receipt in enumerate(receipts):
        trie.set(rlp.encode(index), encode_receipt(receipt))
    proofs = {index: [_hex(rlp.encode(node)) for node in trie.get_proof(rlp.encode(index))] for index in tx_indices}
    return _hex(trie.root_hash), proofs


def prove_receipt(receipts_root: str, block_number: int, tx_index: int, proof: Sequence[str]) -> ProvenReceipt:
    """The receipt at `tx_index` that `proof` leads to from `receipts_root`; raise ReceiptProofError if none."""
    where = f"the receipt of block {block_number} tx index {tx_index}"
    nodes = [_node(where, position, node) for position, node in enumerate(proof)]
    try:
        value = HexaryTrie.get_from_proof(bytes.fromhex(receipts_root[2:]), rlp.encode(tx_index), nodes)
    except BadTrieProof as exc:
        given = ", ".join("0x" + keccak(rlp.encode(node)).hex()[:16] + "…" for node in nodes)
        raise ReceiptProofError(
            f"expected proof nodes leading from receiptsRoot {receipts_root} to {where}, got nodes [{given}] "
            f"that do not ({exc})"
        ) from None
    if not value:
        raise ReceiptProofError(f"expected {where} under receiptsRoot {receipts_root}, got a proof that it is absent")
    return _decode_receipt(where, block_number, tx_index, value)


def verify_log_in_receipt(receipt: ProvenReceipt, position: int, log: ReceiptLog, event: str) -> None:
    """Check that `receipt` holds exactly `log` at `position`; raise LogNotInReceiptError if not."""
    where = f"the receipt of block {receipt.block_number} tx index {receipt.tx_index}"
    if not 0 <= position < len(receipt.logs):
        raise LogNotInReceiptError(
            f"{event}: expected a log at position {position} in {where}, got {len(receipt.logs)} log(s)"
        )
    found = receipt.logs[position]
    for field in ReceiptLog._fields:
        if getattr(found, field) != getattr(log, field):
            raise LogNotInReceiptError(
                f"{event}: expected {field} {getattr(log, field)} at log position {position} in {where}, "
                f"got {getattr(found, field)}"
            )


def _node(where: str, position: int, node: str) -> Any:
    try:
        return rlp.decode(bytes.fromhex(node[2:]))
    except (ValueError, rlp.DecodingError):
        raise ReceiptProofError(f"expected an RLP trie node at position {position} of the proof of {where}") from None


def _decode_receipt(where: str, block_number: int, tx_index: int, value: bytes) -> ProvenReceipt:
    body = value[1:] if value[0] < 0x7F else value  # EIP-2718: a type byte, or a legacy receipt's RLP list
    try:
        status, _, _, logs = rlp.decode(body)
        decoded = tuple(
            ReceiptLog("0x" + address.hex(), tuple("0x" + topic.hex() for topic in topics), "0x" + data.hex())
            for address, topics, data in logs
        )
    except (ValueError, TypeError, rlp.DecodingError):
        raise ReceiptProofError(f"expected {where} to be a typed receipt, got 0x{value.hex()[:64]}…") from None
    return ProvenReceipt(block_number, tx_index, int.from_bytes(status, "big"), decoded)


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:])
