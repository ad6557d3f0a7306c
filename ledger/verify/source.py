"""What the verifier reads from the chain: a process's logs by eth_getLogs, the headers that date them, and the
salts its bid reveals carried in their calldata. JSON-RPC only; nothing here reads the mirror."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.client import rpc_batch
from ledger.chain.deployment import Deployment
from ledger.errors import ConfigurationError, MalformedRpcResponse, NotFoundError
from ledger.indexer.decode import DecodedEvent, EventDecoder
from ledger.indexer.fetch import RawLog, fetch_chain_id, fetch_head, fetch_headers, fetch_logs, retrying
from ledger.settings import Settings

_REVEAL = "0x" + keccak(text="revealBid(bytes32,uint96,bytes32,bytes32)").hex()[:8]
_MULTICALL = "0x" + keccak(text="multicall(bytes[])").hex()[:8]
# The fields of a process's events that name an organisation: its budget line's and its parties' events are
# replayed with it.
_ORG_FIELDS = ("purchaserOrg", "bidderOrg", "supplierOrg", "complainantOrg", "auditorOrg", "payerOrg", "payeeOrg")


@dataclass(frozen=True)
class ChainSource:
    """Where to read: a node, the deployment's contract addresses and first block, and how to decode."""

    w3: Web3
    addresses: tuple[str, ...]
    start_block: int
    decoder: EventDecoder


def chain_source(settings: Settings, w3: Web3) -> ChainSource:
    """The source the settings describe: their node, and the deployment recorded in the data directory."""
    deployment = Deployment.load(settings.deployment_file)
    if deployment is None:
        raise ConfigurationError(
            f"expected a deployment record at {settings.deployment_file} (contract addresses and block), got none; "
            "copy the operator's deployment.json there or point PROCLEDGER_DATA_DIR at it"
        )
    decoder = EventDecoder(load_artifact(settings.artifacts_dir, name).abi for name in deployment.contracts)
    addresses = tuple(contract.address.lower() for contract in deployment.contracts.values())
    return ChainSource(w3, addresses, deployment.start_block, decoder)


@dataclass(frozen=True)
class ChainHistory:
    """Decoded events in chain order, the timestamp of each of their blocks, and the reveals' salts."""

    chain_id: int
    head: int
    events: list[DecodedEvent]
    block_times: dict[int, int]
    salts: dict[tuple[str, str], str]


def process_history(source: ChainSource, process_id: str, to_block: int | None = None) -> ChainHistory:
    """The events a process's state rests on, up to `to_block` (default: the head): its own (topic 1 = its id),
    the anchors filed under it, and the events of its budget line and organisations; NotFoundError when the chain
    never created it."""
    head = _head(source, to_block)
    own = logs_matching(source, head, [None, process_id])
    anchored = logs_matching(source, head, [source.decoder.topic_of("DocumentsAnchored"), None, process_id])
    events = _decode(source.decoder, own)
    created = [event for event in events if event.name == "ProcessCreated"]
    if not created:
        raise NotFoundError(
            f"expected a ProcessCreated event with process id {process_id} at {', '.join(source.addresses)} "
            f"(blocks {source.start_block}-{head}), got none: no such process on this chain"
        )
    parties = {str(event.args[field]) for event in events for field in _ORG_FIELDS if field in event.args}
    related = logs_matching(source, head, [None, [str(created[0].args["budgetId"]), *sorted(parties)]])
    merged = {(log.block_number, log.log_index): log for log in (*own, *anchored, *related)}
    logs = [merged[position] for position in sorted(merged)]
    return _history(source, head, logs)


def full_history(source: ChainSource, to_block: int | None = None) -> ChainHistory:
    """Every event of the deployment up to `to_block` (default: the head), fetched in bulk."""
    head = _head(source, to_block)
    return _history(source, head, logs_matching(source, head, None))


def _head(source: ChainSource, to_block: int | None) -> int:
    head = retrying(lambda: fetch_head(source.w3))
    return head if to_block is None else min(head, to_block)


def logs_matching(source: ChainSource, head: int, topics: list[Any] | None) -> list[RawLog]:
    """The deployment's logs up to `head` that match an eth_getLogs topic filter (None: all)."""
    return retrying(lambda: fetch_logs(source.w3, source.addresses, source.start_block, head, topics))


def _decode(decoder: EventDecoder, logs: Iterable[RawLog]) -> list[DecodedEvent]:
    return [event for log in logs if (event := decoder.decode(log)) is not None]


def _history(source: ChainSource, head: int, logs: Sequence[RawLog]) -> ChainHistory:
    events = _decode(source.decoder, logs)
    headers = retrying(lambda: fetch_headers(source.w3, {log.block_number for log in logs}))
    for log in logs:
        if headers[log.block_number].hash != log.block_hash:
            raise MalformedRpcResponse(
                f"expected block {log.block_number} to be {log.block_hash} (the log's block), "
                f"got {headers[log.block_number].hash}: the chain moved while reading, verify again"
            )
    reveals = [event for event in events if event.name == "BidRevealed"]
    return ChainHistory(
        chain_id=retrying(lambda: fetch_chain_id(source.w3)),
        head=head,
        events=events,
        block_times={number: header.timestamp for number, header in headers.items()},
        salts=retrying(lambda: reveal_salts(source.w3, reveals)),
    )


def reveal_salts(w3: Web3, reveals: Sequence[DecodedEvent]) -> dict[tuple[str, str], str]:
    """The salt each reveal's transaction sent (revealBid's last argument, directly or inside a multicall), by
    (process id, bidder organisation): a BidRevealed event does not carry it."""
    if not reveals:
        return {}
    hashes = sorted({event.log.tx_hash for event in reveals})
    transactions = rpc_batch(w3, "eth_getTransactionByHash", [[tx_hash] for tx_hash in hashes])
    inputs = {
        tx_hash: str((found or {}).get("input", "0x")) for tx_hash, found in zip(hashes, transactions, strict=True)
    }
    salts = {}
    for event in reveals:
        process_id, bidder = str(event.args["processId"]), str(event.args["bidderOrg"])
        for call in _calls(inputs.get(event.log.tx_hash, "0x")):
            if call[:10] != _REVEAL:
                continue
            pid, amount, doc, salt = abi_decode(["bytes32", "uint96", "bytes32", "bytes32"], bytes.fromhex(call[10:]))
            if ("0x" + pid.hex(), amount, "0x" + doc.hex()) == (
                process_id,
                event.args["amount"],
                event.args["bidDocHash"],
            ):
                salts[(process_id, bidder)] = "0x" + salt.hex()
    return salts


def _calls(calldata: str) -> list[str]:
    """The ledger calls a transaction's input makes: itself, or each call of a multicall."""
    if calldata[:10] == _MULTICALL:
        (inner,) = abi_decode(["bytes[]"], bytes.fromhex(calldata[10:]))
        return ["0x" + call.hex() for call in inner]
    return [calldata.lower()]
