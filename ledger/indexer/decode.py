"""Decode stage: a pure function from a raw log to a typed event of ours. No I/O, no web3 contract objects.

Decoders are built once from the contract ABI. Static fields are sliced straight out of the 32-byte words of
the log (the fast path: no per-log ABI machinery); only dynamic fields (strings, arrays) go through eth_abi.
Values come out in the mirror's representation: hashes and addresses as lower-case 0x-hex, integers as int.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from ledger.indexer.fetch import RawLog

_ZERO_WORD = "0" * 64


class DecodedEvent(NamedTuple):
    """One of our events: its name, its fields by ABI name, and the log it came from."""

    name: str
    args: Mapping[str, Any]
    log: RawLog


class UndecodableLogError(ValueError):
    """A log carries one of our event topics but not that event's layout."""


def _word_expression(abi_type: str, source: str, start: int) -> str | None:
    """Python source reading one static ABI value from 64 hex digits of `source` at `start`; None if dynamic.

    Topics and data are lower-case 0x-hex, so a word is a slice: no bytes, no ABI machinery.
    """
    end = start + 64
    if abi_type == "address":
        return f'"0x" + {source}[{start + 24}:{end}]'
    if abi_type == "bool":
        return f"{source}[{start}:{end}] != _ZERO_WORD"
    if abi_type.startswith("uint"):
        return f"int({source}[{start}:{end}], 16)"
    if abi_type.startswith("bytes") and abi_type != "bytes":
        return f'"0x" + {source}[{start}:{start + 2 * int(abi_type[5:])}]'
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


def _compile(
    name: str, topic_fields: Sequence[tuple[str, str]], data_fields: Sequence[tuple[str, str]]
) -> Callable[[RawLog], DecodedEvent]:
    """The decoder of one event layout, generated as straight-line Python (as dataclasses generates __init__).

    A backfill decodes every log; a loop over per-field converters cost several times more than these slices.
    """
    fields = [
        f"{name!r}: {_topic_expression(abi_type, index)}" for index, (name, abi_type) in enumerate(topic_fields, 1)
    ]
    static = [_word_expression(abi_type, "data", 2 + 64 * index) for index, (_, abi_type) in enumerate(data_fields)]
    checks = [f"len(topics) != {1 + len(topic_fields)}"]
    if all(expression is not None for expression in static):
        fields += [f"{field!r}: {expression}" for (field, _), expression in zip(data_fields, static, strict=True)]
        checks.append(f"len(data) != {2 + 64 * len(data_fields)}")
        dynamic = ""
    else:
        dynamic = "    args.update(_dynamic(data))\n"
    source = (
        "def decode(log):\n"
        "    topics, data = log.topics, log.data\n"
        f"    if {' or '.join(checks)}:\n"
        "        _refuse(log)\n"
        f"    args = {{{', '.join(fields)}}}\n"
        f"{dynamic}"
        f"    return _DecodedEvent({name!r}, args, log)\n"
    )
    namespace: dict[str, Any] = {
        "_ZERO_WORD": _ZERO_WORD,
        "_DecodedEvent": DecodedEvent,
        "_refuse": partial(_refuse, name, len(topic_fields), len(data_fields) if not dynamic else None),
        "_dynamic": partial(_decode_dynamic, [field for field, _ in data_fields], [kind for _, kind in data_fields]),
    }
    exec(compile(source, f"<decoder of {name}>", "exec"), namespace)
    decode: Callable[[RawLog], DecodedEvent] = namespace["decode"]
    return decode


def _topic_expression(abi_type: str, index: int) -> str:
    if abi_type in ("bytes32", "string", "bytes") or abi_type.endswith("]"):
        return f"topics[{index}]"  # a bytes32 topic, or the hash an indexed dynamic value leaves: as given
    expression = _word_expression(abi_type, f"topics[{index}]", 2)
    if expression is None:
        raise ValueError(f"no topic reader for {abi_type}")
    return expression


def _decode_dynamic(names: Sequence[str], types: Sequence[str], data: str) -> dict[str, Any]:
    values = abi_decode(list(types), bytes.fromhex(data[2:]))
    return {name: _plain(value, abi_type) for name, abi_type, value in zip(names, types, values, strict=True)}


def _refuse(name: str, topic_fields: int, static_words: int | None, log: RawLog) -> None:
    where = f"{name} log {log.tx_hash}:{log.log_index}"
    if len(log.topics) != 1 + topic_fields:
        raise UndecodableLogError(f"{where} has {len(log.topics)} topics, expected {1 + topic_fields}")
    raise UndecodableLogError(f"{where} has {(len(log.data) - 2) // 2} data bytes, expected {32 * (static_words or 0)}")


class EventDecoder:
    """Decodes the events of one or more ABIs, keyed by topic0."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self.abis = [list(abi) for abi in abis]
        """The ABIs decoded, as given: enough to build the same decoder elsewhere (the fetch worker)."""
        self._names: dict[str, str] = {}
        self._decoders: dict[str, Callable[[RawLog], DecodedEvent]] = {}
        for abi in self.abis:
            for entry in abi:
                if entry.get("type") == "event" and not entry.get("anonymous"):
                    topic = event_topic(entry)
                    self._names[topic] = str(entry["name"])
                    self._decoders[topic] = _decoder_of(entry)

    @property
    def event_names(self) -> set[str]:
        """The names of the events this decoder knows."""
        return set(self._names.values())

    def topic_of(self, name: str) -> str:
        """The topic0 of event `name`."""
        for topic, known in self._names.items():
            if known == name:
                return topic
        raise KeyError(name)

    def decode(self, log: RawLog) -> DecodedEvent | None:
        """The event `log` records, or None for a log with no topic we know."""
        if not log.topics:
            return None
        decode = self._decoders.get(log.topics[0])
        return None if decode is None else decode(log)


def event_topic(entry: Mapping[str, Any]) -> str:
    """topic0 of an ABI event entry: keccak256 of its canonical signature."""
    types = ",".join(_canonical(param) for param in entry["inputs"])
    return "0x" + keccak(text=f"{entry['name']}({types})").hex()


def _canonical(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(component) for component in param["components"]) + ")" + kind[5:]
    return kind


def _decoder_of(entry: Mapping[str, Any]) -> Callable[[RawLog], DecodedEvent]:
    topic_fields: list[tuple[str, str]] = []
    data_fields: list[tuple[str, str]] = []
    for param in entry["inputs"]:
        (topic_fields if param["indexed"] else data_fields).append((str(param["name"]), _canonical(param)))
    return _compile(str(entry["name"]), topic_fields, data_fields)
