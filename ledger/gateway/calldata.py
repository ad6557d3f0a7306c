"""Calldata of the ledger's functions, fast: the 4-byte selector and the arguments' ABI encoding, by eth_abi, or
word by word when every argument is a one-word static type (bytes32, address, uintN), as most writes are.

web3's `encode_abi` resolves the function by name and validates every argument on each call (~100x slower); the
gateway encodes every queued write at least once, so it builds each function's encoder once, checks it against
web3's own encoding, and reuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eth_abi.abi import encode as abi_encode
from web3.contract import Contract

Encode = Callable[[Sequence[Any]], bytes]


class CalldataEncoder:
    """Encodes calls of one contract's functions by name; each encoder checked once against web3's."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract
        self._encoders: dict[str, Encode] = {}

    def encode(self, function: str, arguments: Sequence[Any]) -> bytes:
        """The calldata of `function(*arguments)`."""
        encode = self._encoders.get(function)
        if encode is None:
            encode = self._encoders[function] = self._build(function, arguments)
        return encode(arguments)

    def multicall(self, calls: Sequence[bytes]) -> bytes:
        """The calldata of `multicall(calls)`: OpenZeppelin's, each call run in order by the same sender."""
        return self.encode("multicall", [list(calls)])

    def _build(self, function: str, sample: Sequence[Any]) -> Encode:
        types = [_type(param) for param in self._contract.functions[function].abi["inputs"]]
        reference = bytes.fromhex(self._contract.encode_abi(function, args=list(sample))[2:])
        selector = reference[:4]
        words = [_WORDS.get(kind) or _word_of(kind) for kind in types]
        if all(words):  # only static one-word types: each argument is one 32-byte word, no offsets

            def encode(arguments: Sequence[Any]) -> bytes:
                return selector + b"".join(word(value) for word, value in zip(words, arguments, strict=True))  # type: ignore[misc]

        else:

            def encode(arguments: Sequence[Any]) -> bytes:
                return selector + abi_encode(types, list(arguments))

        if encode(sample) != reference:  # an ABI shape this encoder does not handle: say so rather than send it
            raise ValueError(f"the fast calldata of {function} differs from web3's encode_abi")
        return encode


def _bytes32(value: Any) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {value!r:.80}")
    return value


def _address(value: Any) -> bytes:
    raw = bytes.fromhex(str(value).removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"expected a 20-byte address, got {value!r:.80}")
    return bytes(12) + raw


_WORDS: dict[str, Callable[[Any], bytes]] = {"bytes32": _bytes32, "address": _address}


def _word_of(kind: str) -> Callable[[Any], bytes] | None:
    """The one-word encoder of an unsigned integer type (uint8 … uint256, which enums are too), else None."""
    if not kind.startswith("uint") or not kind[4:].isdigit():
        return None
    bits = int(kind[4:])

    def word(value: Any) -> bytes:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
            raise ValueError(f"expected a {kind}, got {value!r:.80}")
        return value.to_bytes(32, "big")

    return word


def _type(param: Any) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return f"({','.join(_type(component) for component in param['components'])}){kind[len('tuple') :]}"
    return kind
