"""Decoding is pure and agrees with the ABI the compiler produced and with web3's own decoder."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from eth_abi import encode
from web3 import Web3

from ledger.errors import UndecodableLogError
from ledger.indexer.decode import DecodedEvent, EventDecoder, event_topic
from ledger.indexer.fetch import RawLog
from tests.helpers import PROJECT_DIR


@pytest.fixture(scope="module")
def abi(built: None) -> list[dict[str, object]]:
    return list(json.loads((PROJECT_DIR / "build" / "contracts" / "ProcurementLedger.json").read_text())["abi"])


def _log(topics: tuple[str, ...], data: bytes) -> RawLog:
    return RawLog(1, "0x" + "11" * 32, "0x" + "22" * 32, 0, 3, "0x" + "33" * 20, topics, "0x" + data.hex())


def test_topics_match_web3s_event_signatures(abi: list[dict[str, object]]) -> None:
    contract = Web3().eth.contract(abi=abi)
    decoder = EventDecoder([abi])
    for name in ("ProcessCreated", "PaymentRecorded", "EvaluationRecorded", "BudgetApproved"):
        web3_topic = contract.events[name]().topic
        assert decoder.topic_of(name) == web3_topic


def test_static_and_dynamic_fields_decode_like_web3(abi: list[dict[str, object]]) -> None:
    decoder = EventDecoder([abi])
    account = "0x" + "ab" * 20
    topics = (decoder.topic_of("ProcessCreated"), "0x" + "01" * 32, "0x" + "02" * 32, "0x" + "03" * 32)
    data = encode(
        ["address", "uint8", "bytes32", "bytes32", "string"], [account, 1, b"\x04" * 32, b"\x05" * 32, "ocds-采购-1"]
    )
    event = decoder.decode(_log(topics, data))
    assert isinstance(event, DecodedEvent) and event.name == "ProcessCreated"
    assert event.args == {
        "processId": "0x" + "01" * 32,
        "budgetId": "0x" + "02" * 32,
        "purchaserOrg": "0x" + "03" * 32,
        "account": account,
        "method": 1,
        "docHash": "0x" + "04" * 32,
        "rationaleHash": "0x" + "05" * 32,
        "ocid": "ocds-采购-1",
    }
    topics = (decoder.topic_of("EvaluationRecorded"), "0x" + "01" * 32)
    bidder_org = b"\x0b" * 32
    data = encode(["bytes32", "uint32", "uint32", "bytes32[]", "uint96[]"], [b"\x07" * 32, 3, 2, [bidder_org], [12345]])
    event = decoder.decode(_log(topics, data))
    assert event is not None
    assert event.args["revealedBidders"] == ["0x" + bidder_org.hex()] and event.args["revealedAmounts"] == [12345]
    assert (event.args["bidCount"], event.args["unrevealedCount"]) == (3, 2)


_BID_COMMITTED_DATA = ["address", "bytes32", "bool", "uint64", "address"]


def test_bytes3_and_bool_fields_keep_their_width(abi: list[dict[str, object]]) -> None:
    decoder = EventDecoder([abi])
    topics = (decoder.topic_of("BudgetApproved"), "0x" + "01" * 32, "0x" + "02" * 32)
    data = encode(
        ["bytes32", "uint16", "uint96", "bytes3", "bytes32", "bytes32[]"],
        [b"\x08" * 32, 2026, 10**20, b"CNY", b"\x09" * 32, [b"\x0a" * 32]],
    )
    event = decoder.decode(_log(topics, data))
    assert event is not None and event.args["currency"] == "0x" + b"CNY".hex() and event.args["amount"] == 10**20
    assert event.args["purchaserOrgs"] == ["0x" + "0a" * 32]
    topics = (decoder.topic_of("BidCommitted"), "0x" + "01" * 32, "0x" + "0c" * 32)
    data = encode(_BID_COMMITTED_DATA, ["0x" + "ab" * 20, b"\x01" * 32, True, 7, "0x" + "00" * 20])
    event = decoder.decode(_log(topics, data))
    assert event is not None and event.args["replaced"] is True and event.args["account"] == "0x" + "ab" * 20
    assert (event.args["bidderOrg"], event.args["nonce"]) == ("0x" + "0c" * 32, 7)


def test_foreign_logs_are_not_ours_and_malformed_ones_are_refused(abi: list[dict[str, object]]) -> None:
    decoder = EventDecoder([abi])
    assert decoder.decode(_log(("0x" + "99" * 32,), b"")) is None
    assert decoder.decode(_log((), b"")) is None
    with pytest.raises(UndecodableLogError, match="has 2 topics, expected 4"):
        decoder.decode(_log((decoder.topic_of("ProcessCreated"), "0x" + "01" * 32), b""))
    with pytest.raises(UndecodableLogError, match="data bytes"):
        decoder.decode(_log((decoder.topic_of("ProcessCompleted"), "0x" + "01" * 32), b"\x00" * 31))


def test_event_topic_is_keccak_of_canonical_signature() -> None:
    entry = {"name": "E", "inputs": [{"type": "tuple[]", "components": [{"type": "uint8"}, {"type": "address"}]}]}
    assert event_topic(entry) == "0x" + Web3.keccak(text="E((uint8,address)[])").hex()


def _sample(abi_type: str, rng: random.Random) -> object:
    """A random value of `abi_type`, as eth_abi takes it; extreme values included."""
    if abi_type.endswith("[]"):
        return [_sample(abi_type[:-2], rng) for _ in range(rng.randrange(4))]
    if abi_type.endswith("]"):
        inner, size = abi_type[:-1].rsplit("[", 1)
        return [_sample(inner, rng) for _ in range(int(size))]
    if abi_type.startswith("int"):
        bits = int(abi_type[3:] or 256)
        return rng.choice(
            [0, -1, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, rng.randrange(-(2 ** (bits - 1)), 2**bits // 2)]
        )
    if abi_type == "address":
        return Web3.to_checksum_address(rng.randbytes(20))
    if abi_type == "bool":
        return rng.random() < 0.5
    if abi_type == "string":
        return rng.choice(["", "ocds-采购-2026-001", "x" * 70])
    if abi_type.startswith("uint"):
        bits = int(abi_type[4:] or 256)
        return rng.choice([0, 1, 2**bits - 1, rng.randrange(2**bits)])
    if abi_type.startswith("bytes"):
        return rng.randbytes(int(abi_type[5:]))
    raise AssertionError(f"no sample for {abi_type}")


def _mirror_form(value: object) -> object:
    """web3's decoded value in the mirror's representation: lower-case 0x-hex, ints, lists."""
    if isinstance(value, (list, tuple)):
        return [_mirror_form(item) for item in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    return value


def _event(name: str, *inputs: tuple[str, str, bool]) -> dict[str, object]:
    fields = [{"name": field, "type": kind, "indexed": indexed} for field, kind, indexed in inputs]
    return {"type": "event", "name": name, "anonymous": False, "inputs": fields}


# Layouts none of our events has yet: static arrays, signed integers, indexed values with no word reader.
OTHER_LAYOUTS = [
    _event("Arrays", ("amounts", "uint96[]", False), ("pair", "bytes32[2]", False), ("delta", "int256", False)),
    _event("StaticArray", ("id", "bytes32", True), ("pair", "uint8[3]", False), ("flag", "bool", False)),
    _event("Signed", ("delta", "int64", True), ("owner", "address", True), ("tag", "bytes4", False)),
]


def test_every_event_of_the_abi_decodes_as_web3_decodes_it(abi: list[dict[str, object]]) -> None:
    _decodes_as_web3(abi, minimum_events=33)  # every event the projections use, and the OpenZeppelin ones


def test_other_layouts_decode_as_web3_decodes_them() -> None:
    _decodes_as_web3(OTHER_LAYOUTS, minimum_events=3)


def test_a_word_with_non_zero_padding_is_refused(abi: list[dict[str, object]]) -> None:
    decoder = EventDecoder([abi])
    process, bidder_org, account = "0x" + "01" * 32, "0x" + "0c" * 32, "0x" + "ab" * 20
    data = encode(_BID_COMMITTED_DATA, [account, b"\x01" * 32, True, 1, "0x" + "00" * 20])
    good = _log((decoder.topic_of("BidCommitted"), process, bidder_org), data)
    assert decoder.decode(good) is not None
    words = [good.data[2 + 64 * index : 2 + 64 * (index + 1)] for index in range(len(_BID_COMMITTED_DATA))]

    def with_word(index: int, word: str) -> RawLog:
        return good._replace(data="0x" + "".join(word if i == index else w for i, w in enumerate(words)))

    spoiled = [
        with_word(0, "ff" + words[0][2:]),  # an address with upper bytes set
        with_word(2, "0" * 63 + "2"),  # a bool of 2
        with_word(3, "01" + words[3][2:]),  # a uint64 with bits above 64 set
    ]
    for log in spoiled:
        with pytest.raises(UndecodableLogError, match="not a valid encoding"):
            decoder.decode(log)


def _decodes_as_web3(abi: list[dict[str, object]], minimum_events: int) -> None:
    contract = Web3().eth.contract(abi=abi)
    decoder = EventDecoder([abi])
    rng = random.Random(20261124)
    events = [entry for entry in abi if entry["type"] == "event"]
    assert len(events) >= minimum_events
    for entry in events:
        inputs: list[dict[str, Any]] = entry["inputs"]  # type: ignore[assignment]
        for _ in range(8):
            values = {param["name"]: _sample(param["type"], rng) for param in inputs}
            topics = [decoder.topic_of(str(entry["name"]))]
            topics += ["0x" + encode([p["type"]], [values[p["name"]]]).hex() for p in inputs if p["indexed"]]
            unindexed = [p for p in inputs if not p["indexed"]]
            data = encode([p["type"] for p in unindexed], [values[p["name"]] for p in unindexed])
            log = _log(tuple(topics), data)
            raw = {"topics": [bytes.fromhex(topic[2:]) for topic in topics], "data": data, "address": log.address}
            raw |= {"blockHash": log.block_hash, "blockNumber": log.block_number, "transactionHash": log.tx_hash}
            raw |= {"transactionIndex": log.tx_index, "logIndex": log.log_index}
            expected = contract.events[str(entry["name"])]().process_log(raw)
            event = decoder.decode(log)
            assert event is not None and event.name == entry["name"]
            assert dict(event.args) == {name: _mirror_form(value) for name, value in expected["args"].items()}


def test_an_array_that_runs_past_its_data_or_has_dirty_padding_is_refused() -> None:
    schedule = _event("Schedule", ("id", "bytes32", True), ("ids", "bytes32[]", False), ("amounts", "uint96[]", False))
    decoder = EventDecoder([[schedule]])
    data = encode(["bytes32[]", "uint96[]"], [[b"\x01" * 32, b"\x02" * 32], [5, 2**96 - 1]])
    good = _log((decoder.topic_of("Schedule"), "0x" + "07" * 32), data)
    event = decoder.decode(good)
    assert event is not None and event.args["ids"] == ["0x" + "01" * 32, "0x" + "02" * 32]
    assert event.args["amounts"] == [5, 2**96 - 1]
    words = [good.data[2 + 64 * index : 2 + 64 * (index + 1)] for index in range((len(good.data) - 2) // 64)]

    def with_word(index: int, word: str) -> RawLog:
        return good._replace(data="0x" + "".join(word if i == index else w for i, w in enumerate(words)))

    amounts_length = int(words[1], 16) // 32  # the word holding the length of `amounts`
    past_the_end = [
        with_word(0, f"{len(words) * 32:064x}"),  # `ids` starts after the data
        with_word(amounts_length, f"{3:064x}"),  # `amounts` claims three elements and has two
        with_word(1, "f" * 64),  # an offset no data is that long
        good._replace(data=good.data[:-64]),  # the last element cut off
    ]
    for log in past_the_end:
        with pytest.raises(UndecodableLogError, match="array running past its data"):
            decoder.decode(log)
    with pytest.raises(UndecodableLogError, match="not a valid encoding"):
        decoder.decode(with_word(amounts_length + 2, "01" + "0" * 62 + "05"))  # a uint96 with bit 255 set
