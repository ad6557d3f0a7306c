"""Seeding a fresh chain fast, for the benchmarks: an in-memory anvil, calldata encoded by hand, writes grouped into
batched `multicall`s, signed locally and sent without waiting, then every receipt required to succeed.

Shared by scripts/bench/indexer.py, api.py and verify.py, with the description of the machine they ran on and the
printed verdicts.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import platform
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy
import web3
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from rich.console import Console
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from ledger.chain.anvil import DEV_CHAIN_ID, port_is_open
from ledger.chain.toolchain import find_anvil
from scripts.bench.gas import _git

PROJECT_DIR = Path(__file__).resolve().parents[2]
TX_GAS, ESTIMATE_SAMPLE, RECEIPT_TIMEOUT = 3_000_000, 16, 900.0  # each multicall far below the block gas limit
Tx = tuple[LocalAccount, list[bytes], int]  # sender, calls of one multicall, gas limit
Encoder = Callable[..., bytes]
Status = Callable[[str], None]


@contextlib.contextmanager
def anvil(port: int, log_file: Path, accounts: int = 16, extra: Sequence[str] = ()) -> Iterator[str]:
    """An in-memory anvil with `accounts` funded dev accounts (and `extra` options); yields its RPC URL and stops
    it afterwards."""
    command = [str(find_anvil(PROJECT_DIR)), "--port", str(port), "--chain-id", str(DEV_CHAIN_ID)]
    command += ["--accounts", str(accounts), *extra]
    with log_file.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not port_is_open(port) or process.poll() is not None:
            # An open port with our anvil gone is someone else's chain (the port was taken meanwhile): never use it.
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"anvil did not start on port {port}; see {log_file}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()  # in memory: nothing to save
        process.wait()


def encoder(contract: Contract, name: str, sample: Sequence[Any]) -> Encoder:
    """Calldata of `name`: selector plus eth_abi, ~100x faster than web3's `encode_abi`, checked once against it."""
    types = [str(param["type"]) for param in contract.functions[name].abi["inputs"]]
    reference = bytes.fromhex(contract.encode_abi(name, args=list(sample))[2:])

    def encode(*args: Any) -> bytes:
        return reference[:4] + abi_encode(types, list(args))

    if encode(*sample) != reference:
        raise RuntimeError(f"the fast calldata of {name} differs from web3's encode_abi")
    return encode


def unit_gas(w3: Web3, account: LocalAccount, units: Sequence[list[bytes]], multicall: Encoder, to: str) -> int:
    """Gas of one unit (calls that belong together), as eth_estimateGas sees a multicall of the first few."""
    sample = [call for unit in units[:ESTIMATE_SAMPLE] for call in unit]
    estimate = w3.eth.estimate_gas({"from": account.address, "to": to, "data": multicall(sample)})
    return -(-int(estimate) // len(units[:ESTIMATE_SAMPLE]))


def batches(
    w3: Web3,
    account: LocalAccount,
    units: Sequence[list[bytes]],
    multicall: Encoder,
    to: str,
    per_unit: int | None = None,
) -> list[Tx]:
    """`units` grouped into multicalls of about TX_GAS, each unit costing `per_unit` gas (estimated when None:
    units of one batch must be alike)."""
    if not units:
        return []
    per_unit = per_unit or unit_gas(w3, account, units, multicall, to)
    size = max(1, TX_GAS // per_unit)
    groups = [units[i : i + size] for i in range(0, len(units), size)]
    return [(account, [call for unit in g for call in unit], per_unit * len(g) * 5 // 4 + 50_000) for g in groups]


def send_all(
    w3: Web3,
    queues: Sequence[Sequence[Tx]],
    multicall: Encoder,
    to: str,
    status: Status,
    step: str = "generating",
    mine_every: int | None = None,
) -> int:
    """Sign and send the queues round robin, each in order, without waiting; then require every receipt's success
    and return how many were sent (anvil automines; a transaction still pending is nudged with evm_mine).

    With `mine_every`, automine is off while sending and one block is mined per `mine_every` transactions (the node
    needs a block gas limit that holds them): anvil's cost per block grows with the state, so at 100,000 processes
    mining a block per transaction slowed seeding to about half a transaction a second."""
    provider: Any = w3.provider  # make_batch_request is not in web3's provider types
    if mine_every is None:
        return _send_all(w3, queues, multicall, to, status, step, None)
    provider.make_request(RPCEndpoint("evm_setAutomine"), [False])
    try:
        return _send_all(w3, queues, multicall, to, status, step, mine_every)
    finally:
        provider.make_request(RPCEndpoint("evm_setAutomine"), [True])


def _send_all(
    w3: Web3,
    queues: Sequence[Sequence[Tx]],
    multicall: Encoder,
    to: str,
    status: Status,
    step: str,
    mine_every: int | None,
) -> int:
    nonces: dict[str, int] = {}
    hashes: list[str] = []
    provider: Any = w3.provider
    total = sum(map(len, queues))
    for account, calls, gas in (tx for group in itertools.zip_longest(*queues) for tx in group if tx is not None):
        nonce = nonces.get(account.address) or w3.eth.get_transaction_count(account.address, "pending")
        fees = {"maxFeePerGas": 10**12, "maxPriorityFeePerGas": 10**9, "chainId": DEV_CHAIN_ID, "type": 2}
        tx: dict[str, Any] = {"nonce": nonce, "to": to, "value": 0, "gas": gas, "data": multicall(calls), **fees}
        raw = account.sign_transaction(tx).raw_transaction.to_0x_hex()
        response = provider.make_request(RPCEndpoint("eth_sendRawTransaction"), [raw])
        if "error" in response:
            raise RuntimeError(f"eth_sendRawTransaction (nonce {nonce}): {response['error']}")
        nonces[account.address] = nonce + 1
        hashes.append(str(response["result"]))
        status(f"{step}: {len(hashes):,}/{total:,} transactions sent")
        if mine_every is not None and len(hashes) % mine_every == 0:
            provider.make_request(RPCEndpoint("evm_mine"), [])
    if mine_every is None:  # with mining by hand, no mining job is left queued
        _wait_for_a_quiet_chain(w3, status, step)
    deadline = time.monotonic() + RECEIPT_TIMEOUT
    for chunk in (hashes[i : i + 200] for i in range(0, len(hashes), 200)):
        requested = [(RPCEndpoint("eth_getTransactionReceipt"), [tx_hash]) for tx_hash in chunk]
        while not all(receipts := [r.get("result") for r in provider.make_batch_request(requested)]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"transactions not mined within {RECEIPT_TIMEOUT:.0f}s")
            provider.make_request(RPCEndpoint("evm_mine"), [])
        if reverted := [h for h, receipt in zip(chunk, receipts, strict=True) if int(receipt["status"], 16) != 1]:
            raise RuntimeError(f"{len(reverted)} multicalls reverted, e.g. {reverted[0]}; replay it to see why")
    return len(hashes)


def _wait_for_a_quiet_chain(w3: Web3, status: Status, step: str, quiet: float = 3.0) -> None:
    """Return once no block has been mined for `quiet` seconds.

    Anvil automines a burst in blocks of several transactions but keeps the mining job each one queued: after the
    last transaction is in, it goes on mining empty blocks (about five a second here, for minutes at 100,000
    events). Those would move the head under the timed runs and take CPU from them, so the runs wait them out.
    """
    deadline, head, since = time.monotonic() + RECEIPT_TIMEOUT, w3.eth.block_number, time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise TimeoutError(f"anvil was still mining empty blocks after {RECEIPT_TIMEOUT:.0f}s (head {head})")
        time.sleep(0.5)
        if (now := w3.eth.block_number) != head:
            head, since = now, time.monotonic()
            status(f"{step}: waiting for anvil's queued mining jobs to end (block {head:,})")


def environment() -> dict[str, Any]:
    """The machine and versions the figures were measured with."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":")[1].strip() for line in cpuinfo if "model name" in line), None)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    anvil_version = subprocess.run([find_anvil(PROJECT_DIR), "--version"], capture_output=True, text=True).stdout
    machine = {"platform": platform.platform(), "cpus": os.cpu_count(), "cpu_model": cpu, "memory_bytes": memory}
    versions = {"python": platform.python_version(), "web3": web3.__version__, "sqlalchemy": sqlalchemy.__version__}
    versions |= {"sqlite": sqlite3.sqlite_version, "anvil": anvil_version.strip().split("\n")[0]}
    git = {"commit": _git("rev-parse", "HEAD"), "ledger_modified": bool(_git("status", "--porcelain", "--", "ledger"))}
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **machine, "versions": versions, "git": git}


def print_verdicts(console: Console, result: Mapping[str, Any], out: Path, seconds: float) -> int:
    """Each target's measurement against its limit, each failed check and where the JSON went; the exit code: 1
    when a check failed, else 0."""
    for key, item in result["targets"].items():
        console.print(f"target {key}: {item['measured']:,} against {item['limit']:,}: {item['status'].upper()}")
    for key in [key for key, ok in result["checks"].items() if not ok]:
        console.print(f"[bold red]CHECK FAILED[/] {key}")
    console.print(f"wrote {out} in {seconds:.1f} s")
    return 0 if all(result["checks"].values()) else 1
