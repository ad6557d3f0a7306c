"""Block headers proven by their hash: keccak256 of the RLP list of the header's fields.

A header is kept as the JSON-RPC `eth_getBlockByNumber` answer spells it (field names and 0x-hex values), with
only the fields the hash covers. The fields are, in order: the fifteen of the yellow paper, then those later
forks appended, each present from its fork on: baseFeePerGas (London), withdrawalsRoot (Shanghai), blobGasUsed,
excessBlobGas, parentBeaconBlockRoot (Cancun), requestsHash (Prague). Integers encode as RLP integers (minimal
big-endian), everything else as the bytes it spells.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import rlp
from eth_utils.crypto import keccak

from ledger.errors import BlockHeaderError

_Kind = Literal["int", "bytes"]

BASE_FIELDS: tuple[tuple[str, _Kind], ...] = (
    ("parentHash", "bytes"),
    ("sha3Uncles", "bytes"),
    ("miner", "bytes"),
    ("stateRoot", "bytes"),
    ("transactionsRoot", "bytes"),
    ("receiptsRoot", "bytes"),
    ("logsBloom", "bytes"),
    ("difficulty", "int"),
    ("number", "int"),
    ("gasLimit", "int"),
    ("gasUsed", "int"),
    ("timestamp", "int"),
    ("extraData", "bytes"),
    ("mixHash", "bytes"),
    ("nonce", "bytes"),
)
FORK_FIELDS: tuple[tuple[str, _Kind], ...] = (
    ("baseFeePerGas", "int"),
    ("withdrawalsRoot", "bytes"),
    ("blobGasUsed", "int"),
    ("excessBlobGas", "int"),
    ("parentBeaconBlockRoot", "bytes"),
    ("requestsHash", "bytes"),
)
HEADER_FIELDS = BASE_FIELDS + FORK_FIELDS


def header_of(block: Mapping[str, Any]) -> dict[str, str]:
    """The header fields of a JSON-RPC block object, lower-case 0x-hex, in hashing order."""
    return {name: str(block[name]).lower() for name, _ in HEADER_FIELDS if block.get(name) is not None}


def header_hash(header: Mapping[str, str]) -> bytes:
    """keccak256 of the header's RLP; a fork field after a missing one is refused (no fork ever made that)."""
    values: list[bytes | int] = [_value(header, name, kind) for name, kind in BASE_FIELDS]
    missing = None
    for name, kind in FORK_FIELDS:
        if name not in header:
            missing = missing or name
        elif missing:
            raise BlockHeaderError(f"expected {missing} before {name} in the header of block {_number(header)}")
        else:
            values.append(_value(header, name, kind))
    return keccak(rlp.encode(values))


def verify_header(header: Mapping[str, str], block_hash: str) -> None:
    """Check that the header hashes to `block_hash`; raise BlockHeaderError if not."""
    computed = "0x" + header_hash(header).hex()
    if computed != block_hash.lower():
        raise BlockHeaderError(
            f"expected the header of block {_number(header)} to hash to {block_hash}, got {computed}: "
            "a header field differs from the block's"
        )


def _value(header: Mapping[str, str], name: str, kind: _Kind) -> bytes | int:
    try:
        text = header[name]
    except KeyError:
        raise BlockHeaderError(f"expected field {name} in the header of block {_number(header)}, got none") from None
    digits = text[2:] if text.startswith("0x") else text
    try:
        return int(digits, 16) if kind == "int" else bytes.fromhex(digits)
    except ValueError:
        raise BlockHeaderError(
            f"expected 0x-hex in field {name} of the header of block {_number(header)}, got {text!r}"
        ) from None


def _number(header: Mapping[str, str]) -> str:
    number = header.get("number", "?")
    try:
        return str(int(number, 16))
    except ValueError:
        return number
