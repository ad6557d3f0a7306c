"""The fetch worker process: the same ranges as fetching in process, its errors raised in the parent, and it
never outlives the parent. A catch-up whose worker dies finishes in process with the same rows."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import (
    ChainUnavailableError,
    ContractRevertError,
    LogRangeError,
    TransactionTimeoutError,
    WorkerError,
)
from ledger.indexer.runner import build_indexer
from ledger.indexer.worker import FetchWorker, _portable, fetch_range, worker_config
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from tests.helpers import PROJECT_DIR
from tests.indexer.mirror import assert_mirror_equals_a_fresh_index, assert_mirror_matches_scenario
from tests.indexer.rpc_proxy import FaultyRpcProxy
from tests.indexer.scenario import run_scenario

CHAIN_ID = 31337


def _running(pid: int) -> bool:
    """Whether `pid` is alive (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_gone(pid: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while _running(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.05)


def _workers_of(parent: int) -> list[int]:
    """Pids of the fetch workers whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            if ppid == parent and b"ledger.indexer.worker" in cmdline:
                found.append(int(entry.name))
    return found


@pytest.fixture
def worker(settings: Settings, ledger_contract: LedgerContract, w3: Web3) -> Iterator[FetchWorker]:
    config = worker_config(w3, [ledger_contract.contract.address], [ledger_contract.contract.abi])
    assert config is not None
    started = FetchWorker(config)
    yield started
    started.close()


def test_the_worker_fetches_and_decodes_a_range_as_this_process_does(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, worker: FetchWorker
) -> None:
    run_scenario(settings, w3, ledger_contract)
    head = w3.eth.block_number
    indexer = build_indexer(settings, w3, make_engine("sqlite://"))
    here = fetch_range(w3, indexer._decoder, [ledger_contract.contract.address], 1, head)
    assert worker.ready(wait=True)
    worker.request(1, head // 2)
    worker.request(head // 2 + 1, head)
    first, second = worker.result(), worker.result()
    assert len(here.decoded) > 50 and not worker.pending
    assert (first.start, first.end, second.start, second.end) == (1, head // 2, head // 2 + 1, head)
    assert first.logs + second.logs == here.logs and first.decoded + second.decoded == here.decoded
    assert here.headers.items() <= {**first.headers, **second.headers}.items()
    worker.close()
    _wait_gone(worker.pid)


def test_the_workers_errors_are_raised_in_the_parent(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3
) -> None:
    proxy = FaultyRpcProxy(settings.rpc_url, seed=1, fault_rate=0.0, client_timeout=5.0, max_log_span=3)
    proxy.start()
    try:
        proxy.enabled = True
        config = worker_config(connect(proxy.url), [ledger_contract.contract.address], [ledger_contract.contract.abi])
        assert config is not None
        refusing = FetchWorker(config)
        try:
            refusing.request(1, 10)  # queued while the child starts
            with pytest.raises(LogRangeError, match="eth_getLogs failed"):
                refusing.result()
        finally:
            refusing.close()
    finally:
        proxy.stop()
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = worker_config(w3, [ledger_contract.contract.address], [ledger_contract.contract.abi])
    assert config is not None
    unreachable = FetchWorker(replace(config, rpc_url=f"http://127.0.0.1:{port}"))
    try:
        unreachable.request(1, 10)
        with pytest.raises(ChainUnavailableError, match="did not answer"):
            unreachable.result()  # after the worker's own retries with backoff
    finally:
        unreachable.close()


def test_the_worker_exits_when_its_parent_is_killed(ledger_contract: LedgerContract, w3: Web3, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from ledger.chain.client import connect\n"
        "from ledger.indexer.worker import FetchWorker, worker_config\n"
        f"config = worker_config(connect({w3.provider.endpoint_uri!r}), [{ledger_contract.contract.address!r}], [])\n"  # type: ignore[attr-defined]
        "worker = FetchWorker(config)\n"
        "assert worker.ready(wait=True)\n"
        "print(worker.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _running(child) and _workers_of(parent.pid) == [child]
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _wait_gone(child)  # its stdin closed with the parent: it read EOF and exited


def test_a_catch_up_whose_worker_dies_finishes_in_process_with_the_same_rows(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: Path
) -> None:
    scenario = run_scenario(settings, w3, ledger_contract)
    engine = make_engine(database_url)
    upgrade_schema(engine)
    indexer = build_indexer(settings.model_copy(update={"index_worker": "always", "index_batch_blocks": 4}), w3, engine)
    killed: list[int] = []

    def kill_the_worker(_first: int, _done: int, _target: int, _events: int) -> None:
        if not killed:
            (pid,) = _workers_of(os.getpid())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    result = indexer.catch_up(on_progress=kill_the_worker)
    assert killed and not _running(killed[0])
    assert result.to_block == w3.eth.block_number
    assert_mirror_matches_scenario(engine, CHAIN_ID, scenario, ledger_contract)
    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    assert _workers_of(os.getpid()) == []
    engine.dispose()


def test_an_error_the_parent_could_not_load_crosses_as_a_worker_error_that_keeps_its_retryability() -> None:
    unloadable = ContractRevertError("Refused", {"why": 1})  # pickles, but cannot be rebuilt from its message
    portable = _portable(unloadable)
    assert isinstance(portable, WorkerError) and "ContractRevertError: reverted: Refused(why=1)" in str(portable)
    assert portable.retryable is False
    assert _portable(ChainUnavailableError("node down")).retryable is True
    timeout = _portable(TransactionTimeoutError("slow"))
    assert type(timeout) is TransactionTimeoutError and timeout.retryable
