"""`kill -9` of the indexer process in the middle of a long backfill loses nothing and duplicates nothing.

A few thousand events are written in multicall batches; `procledger index` then runs as a subprocess with
one-block first ranges and is killed with SIGKILL again and again, and restarted until it finishes. Each kill
comes a seeded random moment after the run reached a seeded random point: the schema in place for the first run,
some blocks past where it resumed for the others. So kills land inside the backfill, during a range's database
transaction or between two, never after the end. The mirror left behind must equal a clean index of the same chain
into another database.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_abi.abi import encode
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from web3 import Web3

from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.demo import AUDITOR, BUDGET_ID, PURCHASER
from ledger.settings import Settings
from ledger.store.database import make_engine
from ledger.store.models import Checkpoint
from tests.helpers import PROJECT_DIR
from tests.indexer.mirror import assert_mirror_equals_a_fresh_index, assert_mirror_is_on_chain, rows
from tests.indexer.scenario import document

CHAIN_ID = 31337
PROCESSES = 60
NOTES_PER_BATCH = 100
NOTES = 3_000  # with the processes: 3,060 events in 33 transactions
EMPTY_BLOCKS_BETWEEN = 2  # empty blocks after each batch, so the backfill spans ~100 blocks of ranges
KILLS = 4
SEED = 20261124
NO_SCHEMA = -2  # progress before the migration committed
NO_CHECKPOINT = -1  # schema in place, nothing indexed yet


def _write_many_events(settings: Settings, w3: Web3, ledger: LedgerContract) -> None:
    """PROCESSES processes and NOTES audit notes spread over them, batched with multicall."""
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    auditor = ledger.sender(derive_account(settings, AUDITOR.account_index))
    ocids = [f"ocds-pl0001-crash-{number:04d}" for number in range(PROCESSES)]
    for start in range(0, PROCESSES, 20):
        calls = [
            ledger.contract.encode_abi("createProcess", args=[ocid, BUDGET_ID, 0, document(ocid), bytes(32)])
            for ocid in ocids[start : start + 20]
        ]
        ledger.send(purchaser, "multicall", calls)
    # web3's encode_abi costs milliseconds a call; its selector plus eth_abi gives the same bytes much faster.
    selector = ledger.contract.encode_abi("recordAuditNote", args=[bytes(32), bytes(32), bytes(32)])[:10]
    notes = [
        (process_id_of(ocids[number % PROCESSES]), reference(f"AUD-{number:04d}"), document(f"note {number}"))
        for number in range(NOTES)
    ]
    types = ["bytes32", "bytes32", "bytes32"]
    assert selector + encode(types, notes[0]).hex() == ledger.contract.encode_abi("recordAuditNote", args=notes[0])
    for start in range(0, NOTES, NOTES_PER_BATCH):
        batch = [selector + encode(types, note).hex() for note in notes[start : start + NOTES_PER_BATCH]]
        ledger.send(auditor, "multicall", batch)
        w3.provider.make_request("anvil_mine", [hex(EMPTY_BLOCKS_BETWEEN)])  # type: ignore[arg-type]


def _progress(engine: Engine) -> int:
    """The indexed block, or NO_CHECKPOINT / NO_SCHEMA while the indexer is starting."""
    try:
        with engine.connect() as connection:
            number = connection.execute(select(Checkpoint.block_number).where(Checkpoint.chain_id == CHAIN_ID)).scalar()
    except (OperationalError, ProgrammingError):  # no checkpoints table yet
        return NO_SCHEMA
    return NO_CHECKPOINT if number is None else int(number)


def _wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the indexer subprocess made no progress"
        time.sleep(0.01)


def _fetch_workers() -> set[int]:
    """Pids of every fetch worker process on the machine."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"ledger.indexer.worker" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


@pytest.mark.parametrize("index_worker", ["never", "always"])
def test_indexer_killed_during_backfill_resumes_to_the_rows_of_a_clean_run(
    index_worker: str, settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: Path
) -> None:
    _write_many_events(settings, w3, ledger_contract)
    head = w3.eth.block_number
    env = {
        **os.environ,
        "PROCLEDGER_DATA_DIR": str(settings.data_dir),  # holds deployment.json, written by the fixture's deploy
        "PROCLEDGER_RPC_URL": settings.rpc_url,
        "PROCLEDGER_DATABASE_URL": database_url,
        "PROCLEDGER_INDEX_BATCH_BLOCKS": "1",
        "PROCLEDGER_INDEX_WORKER": index_worker,
    }
    workers_before = _fetch_workers()
    command = [sys.executable, "-c", "from ledger.cli import main; main()", "index"]
    engine = make_engine(database_url)
    rng = random.Random(SEED)
    after_kills: list[int] = []
    log_path = tmp_path / "indexer.log"
    with log_path.open("ab") as log:
        while True:
            process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
            if len(after_kills) == KILLS:
                break
            resumed_at = _progress(engine)
            point = NO_CHECKPOINT if resumed_at == NO_SCHEMA else resumed_at + rng.randint(1, 8)
            _wait_until(lambda: process.poll() is not None or _progress(engine) >= point)  # noqa: B023
            time.sleep(rng.uniform(0.0, 0.05))
            if process.poll() is not None:
                break  # it finished before the kill
            process.send_signal(signal.SIGKILL)
            process.wait()
            after_kills.append(_progress(engine))
        assert process.wait(timeout=180) == 0, log_path.read_text()

    assert len(after_kills) == KILLS and all(number < head for number in after_kills), (after_kills, head)
    deadline = time.monotonic() + 15
    while _fetch_workers() - workers_before:  # a killed indexer's worker reads EOF on its stdin and exits
        assert time.monotonic() < deadline, f"fetch workers outlived their indexer: {_fetch_workers() - workers_before}"
        time.sleep(0.05)
    assert _progress(engine) == head
    assert len(rows(engine, "processes", CHAIN_ID)) == PROCESSES
    assert len(rows(engine, "audit_notes", CHAIN_ID)) == NOTES
    assert_mirror_is_on_chain(engine, w3, CHAIN_ID, ledger_contract.contract.address)
    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    engine.dispose()
