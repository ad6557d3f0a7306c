"""Decode stage: a pure function from a raw log to a typed event of ours. No I/O, no web3 contract objects.

Decoders are built once from the contract ABI. Static fields are sliced straight out of the 32-byte words of
the log (the fast path: no per-log ABI machinery); only dynamic fields (strings, arrays) go through eth_abi.
Values come out in the mirror's representation: hashes and addresses as lower-case 0x-hex, integers as int.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from ledger.indexer.fetch import RawLog

Converter = Callable[[str], Any]
"""Reads one ABI word given as 64 hex digits (no 0x)."""

_ZERO_WORD = "0" * 64


@dataclass(frozen=True, slots=True)
class DecodedEvent:
    """One of our events: its name, its fields by ABI name, and the log it came from."""

    name: str
    args: Mapping[str, Any]
    log: RawLog


class UndecodableLogError(ValueError):
    """A log carries one of our event topics but not that event's layout."""


def _word_converter(abi_type: str) -> Converter | None:
    """How to read one 32-byte word of a static ABI type, straight from its hex digits; None for dynamic types."""
    if abi_type == "address":
        return lambda word: "0x" + word[24:]
    if abi_type == "bool":
        return lambda word: word != _ZERO_WORD
    if abi_type.startswith("uint"):
        return lambda word: int(word, 16)
    if abi_type.startswith("bytes") and abi_type != "bytes":
        digits = 2 * int(abi_type[5:])
        if digits == 64:
            return lambda word: "0x" + word
        return lambda word: "0x" + word[:digits]
    return None


def _plain(value: Any, abi_type: str) -> Any:
    """An eth_abi value in the mirror's representation."""
    if abi_type.endswith("[]"):
        return [_plain(item, abi_type[:-2]) for item in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if abi_type == "address":
        return str(value).lower()
    return value


@dataclass(frozen=True)
class _EventLayout:
    name: str
    topic_fields: tuple[tuple[str, Converter], ...]
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    static_data: tuple[Converter, ...] | None  # word converters when every data field is static

    def decode(self, log: RawLog) -> DecodedEvent:
        if len(log.topics) != 1 + len(self.topic_fields):
            raise UndecodableLogError(
                f"{self.name} log {log.tx_hash}:{log.log_index} has {len(log.topics)} topics, "
                f"expected {1 + len(self.topic_fields)}"
            )
        args: dict[str, Any] = {
            name: convert(topic[2:]) for (name, convert), topic in zip(self.topic_fields, log.topics[1:], strict=True)
        }
        data = log.data
        if self.static_data is not None:
            if len(data) != 2 + 64 * len(self.static_data):
                raise UndecodableLogError(
                    f"{self.name} log {log.tx_hash}:{log.log_index} has {(len(data) - 2) // 2} data bytes"
                )
            for index, (name, convert) in enumerate(zip(self.data_names, self.static_data, strict=True)):
                args[name] = convert(data[2 + 64 * index : 66 + 64 * index])
        else:
            values = abi_decode(list(self.data_types), bytes.fromhex(data[2:]))
            for name, abi_type, value in zip(self.data_names, self.data_types, values, strict=True):
                args[name] = _plain(value, abi_type)
        return DecodedEvent(self.name, args, log)


class EventDecoder:
    """Decodes the events of one or more ABIs, keyed by topic0."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self._layouts: dict[str, _EventLayout] = {}
        for abi in abis:
            for entry in abi:
                if entry.get("type") == "event" and not entry.get("anonymous"):
                    layout = _layout(entry)
                    self._layouts[event_topic(entry)] = layout

    @property
    def event_names(self) -> set[str]:
        """The names of the events this decoder knows."""
        return {layout.name for layout in self._layouts.values()}

    def topic_of(self, name: str) -> str:
        """The topic0 of event `name`."""
        for topic, layout in self._layouts.items():
            if layout.name == name:
                return topic
        raise KeyError(name)

    def decode(self, log: RawLog) -> DecodedEvent | None:
        """The event `log` records, or None for a log with no topic we know."""
        if not log.topics:
            return None
        layout = self._layouts.get(log.topics[0])
        return None if layout is None else layout.decode(log)


def event_topic(entry: Mapping[str, Any]) -> str:
    """topic0 of an ABI event entry: keccak256 of its canonical signature."""
    types = ",".join(_canonical(param) for param in entry["inputs"])
    return "0x" + keccak(text=f"{entry['name']}({types})").hex()


def _canonical(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(component) for component in param["components"]) + ")" + kind[5:]
    return kind


def _layout(entry: Mapping[str, Any]) -> _EventLayout:
    topic_fields = []
    data_names, data_types = [], []
    for param in entry["inputs"]:
        abi_type = _canonical(param)
        if param["indexed"]:
            converter = _word_converter(abi_type)
            if converter is None:  # an indexed dynamic value is only its hash
                converter = _word_converter("bytes32")
            assert converter is not None
            topic_fields.append((param["name"], converter))
        else:
            data_names.append(param["name"])
            data_types.append(abi_type)
    converters = [_word_converter(abi_type) for abi_type in data_types]
    static = tuple(c for c in converters if c is not None) if all(converters) else None
    return _EventLayout(entry["name"], tuple(topic_fields), tuple(data_names), tuple(data_types), static)
