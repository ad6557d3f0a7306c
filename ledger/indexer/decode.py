"""Decode stage: a pure function from a raw log to a typed event of ours. No I/O, no web3 contract objects.

Decoders are built once from the contract ABI. Static fields are sliced straight out of the 32-byte words of
the log (the fast path: no per-log ABI machinery); only dynamic fields (strings, arrays) go through eth_abi.
Values come out in the mirror's representation: hashes and addresses as lower-case 0x-hex, integers as int.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from ledger.errors import UndecodableLogError
from ledger.indexer.fetch import RawLog

_ZERO_WORD = "0" * 64


class DecodedEvent(NamedTuple):
    """One of our events: its name, its fields by ABI name, and the log it came from."""

    name: str
    args: Mapping[str, Any]
    log: RawLog


_UINT = re.compile(r"uint(\d*)")
_FIXED_BYTES = re.compile(r"bytes(\d+)")
_INT = re.compile(r"int(\d*)")


def _word_reader(abi_type: str, source: str, start: int) -> tuple[str, str | None] | None:
    """Python source reading one static ABI value from the 64 hex digits of `source` at `start`, and a condition
    that holds when the word is not a valid encoding (non-zero padding); None for a type read through eth_abi.

    Topics and data are lower-case 0x-hex, so a word is a slice: no bytes, no ABI machinery. The padding is
    checked as eth_abi would: the node's answer is not trusted.
    """
    end = start + 64
    if abi_type == "address":
        return f'"0x" + {source}[{start + 24}:{end}]', f'{source}[{start}:{start + 24}] != "{"0" * 24}"'
    if abi_type == "bool":
        return f"{source}[{start}:{end}] != _ZERO_WORD", f"{source}[{start}:{end}] not in _BOOL_WORDS"
    if (uint := _UINT.fullmatch(abi_type)) is not None:
        pad = (256 - int(uint.group(1) or 256)) // 4
        return f"int({source}[{start}:{end}], 16)", f'{source}[{start}:{start + pad}] != "{"0" * pad}"' if pad else None
    if (signed := _INT.fullmatch(abi_type)) is not None:  # two's complement over the whole word
        value = f'int.from_bytes(bytes.fromhex({source}[{start}:{end}]), "big", signed=True)'
        half = 2 ** (int(signed.group(1) or 256) - 1)
        return value, f"not {-half} <= {value} < {half}"
    if (fixed := _FIXED_BYTES.fullmatch(abi_type)) is not None:
        digits = 2 * int(fixed.group(1))
        check = f'{source}[{start + digits}:{end}] != "{"0" * (64 - digits)}"' if digits < 64 else None
        return f'"0x" + {source}[{start}:{start + digits}]', check
    return None  # arrays, tuples, dynamic types


def _array_reader(abi_type: str, head: int) -> str | None:
    """Python source reading a `T[]` field whose head word is at `head`, for T a one-word type; None otherwise.

    The head holds the byte offset of the array, which holds its length, then one word per element. Offsets and
    lengths come from the node, so `_array` checks them against the data's length as eth_abi would.
    """
    if not abi_type.endswith("[]"):
        return None
    element = _word_reader(abi_type[:-2], "word", 0)
    if element is None:
        return None
    value, check = element
    reader = f"lambda word: {value}"
    refuse = f"lambda word: {check}" if check else "None"
    return f"_array(data, {head}, {reader}, {refuse}, log)"


def _array(
    data: str, head: int, read: Callable[[str], Any], invalid: Callable[[str], bool] | None, log: RawLog
) -> list[Any]:
    start = 2 + 2 * int(data[head : head + 64], 16)
    end = start + 64 + 64 * int(data[start : start + 64], 16) if start + 64 <= len(data) else len(data) + 1
    if end > len(data):
        raise UndecodableLogError(f"log {log.tx_hash}:{log.log_index} has an array running past its data")
    words = [data[position : position + 64] for position in range(start + 64, end, 64)]
    if invalid is not None and any(invalid(word) for word in words):
        raise UndecodableLogError(
            f"log {log.tx_hash}:{log.log_index} has a value that is not a valid encoding of its type (non-zero padding)"
        )
    return [read(word) for word in words]


def _plain(value: Any, abi_type: str) -> Any:
    """An eth_abi value in the mirror's representation."""
    if abi_type.endswith("]"):  # T[] or T[k]: a list of T
        return [_plain(item, abi_type[: abi_type.rindex("[")]) for item in value]
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
    fields, checks = [], [f"len(topics) != {1 + len(topic_fields)}"]
    for index, (field, abi_type) in enumerate(topic_fields, 1):
        reader = _word_reader(abi_type, f"topics[{index}]", 2)
        if reader is None:  # a value hashed into its topic, or a type with no reader here: the topic as given
            fields.append(f"{field!r}: topics[{index}]")
        else:
            fields.append(f"{field!r}: {reader[0]}")
            checks += [reader[1]] if reader[1] else []
    static = [_word_reader(abi_type, "data", 2 + 64 * index) for index, (_, abi_type) in enumerate(data_fields)]
    arrays = [_array_reader(abi_type, 2 + 64 * index) for index, (_, abi_type) in enumerate(data_fields)]
    dynamic = ""
    if all(reader is not None for reader in static):
        checks.append(f"len(data) != {2 + 64 * len(data_fields)}")
    elif all(word is not None or array is not None for word, array in zip(static, arrays, strict=True)):
        checks.append(f"len(data) < {2 + 64 * len(data_fields)}")  # the head; each array checks its own tail
    else:
        dynamic = "    args.update(_dynamic(data))\n"
    for (field, _), reader, array in zip(data_fields, static, arrays, strict=True):
        if dynamic:
            break
        if reader is not None:
            fields.append(f"{field!r}: {reader[0]}")
            checks += [reader[1]] if reader[1] else []
        else:
            assert array is not None
            fields.append(f"{field!r}: {array}")
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
        "_BOOL_WORDS": (_ZERO_WORD, "0" * 63 + "1"),
        "_DecodedEvent": DecodedEvent,
        "_refuse": partial(_refuse, name, len(topic_fields), len(data_fields) if not dynamic else None),
        "_array": _array,
        "_dynamic": partial(_decode_dynamic, [field for field, _ in data_fields], [kind for _, kind in data_fields]),
    }
    exec(compile(source, f"<decoder of {name}>", "exec"), namespace)
    decode: Callable[[RawLog], DecodedEvent] = namespace["decode"]
    return decode


def _decode_dynamic(names: Sequence[str], types: Sequence[str], data: str) -> dict[str, Any]:
    values = abi_decode(list(types), bytes.fromhex(data[2:]))
    return {name: _plain(value, abi_type) for name, abi_type, value in zip(names, types, values, strict=True)}


def _refuse(name: str, topic_fields: int, static_words: int | None, log: RawLog) -> None:
    where = f"{name} log {log.tx_hash}:{log.log_index}"
    if len(log.topics) != 1 + topic_fields:
        raise UndecodableLogError(f"{where} has {len(log.topics)} topics, expected {1 + topic_fields}")
    if static_words is not None and len(log.data) != 2 + 64 * static_words:
        raise UndecodableLogError(f"{where} has {(len(log.data) - 2) // 2} data bytes, expected {32 * static_words}")
    raise UndecodableLogError(f"{where} has a value that is not a valid encoding of its type (non-zero padding)")


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


def raw_log_from_row(values: Mapping[Any, Any]) -> RawLog:
    """The RawLog that a raw_logs row (as a mapping of its columns) holds."""
    topics = (values["topic0"], values["topic1"], values["topic2"], values["topic3"])
    return RawLog(
        block_number=int(values["block_number"]),
        block_hash=str(values["block_hash"]),
        tx_hash=str(values["tx_hash"]),
        tx_index=int(values["tx_index"]),
        log_index=int(values["log_index"]),
        address=str(values["address"]),
        topics=tuple(str(topic) for topic in topics if topic is not None),
        data=str(values["data"]),
    )
