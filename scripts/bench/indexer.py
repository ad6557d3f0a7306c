"""Indexer benchmark: events per second the project's indexer mirrors into SQL, against the naive way.

`python scripts/bench/indexer.py --events N --out FILE` starts an in-memory anvil (no `--state` dumps competing for the
CPU), deploys the ledger and the demo organisations, and writes a realistic mix in batched `multicall`s: 1% processes
created and 1% tenders opened, 40% bid commits from 8 suppliers (replacements change rows), the rest audit notes
(rows appended). Over the same blocks it times raw eth_getLogs (one request and its JSON parse: the ceiling); the
project's indexer (`build_indexer(...).catch_up()`) into a fresh SQLite database and, when 127.0.0.1:5432 answers,
PostgreSQL, best of --repeat runs, each checked to hold exactly the chain's logs; and the naive way (web3's
`contract.events.<Event>().get_logs()`, one ORM insert and commit per row), on a sample of ≥10,000 events when the
whole would exceed --naive-budget seconds. The JSON has events, indexer_events_per_s, naive_events_per_s, ratio and
postgres_events_per_s, each run's load average before it, targets, checks and the machine; exit 1 on a failed check.
Where the time goes: `python -m cProfile -s tottime scripts/bench/indexer.py --events 20000 --no-postgres --repeat 1`
(the indexer fetches and decodes in a worker process, which cProfile does not see; its CPU time is in the JSON).
"""

import argparse  # no `from __future__ import annotations`: Mapped[...] must resolve under `python -m cProfile` too
import gc
import json
import os
import resource
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import requests
from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import String, Text, create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from web3 import Web3
from web3.contract import Contract

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.accounts import deployer_account, derive_account  # noqa: E402
from ledger.chain.client import connect  # noqa: E402
from ledger.chain.deployment import LEDGER  # noqa: E402
from ledger.chain.ledger_contract import SUPPLIER_ROLE, LedgerContract, process_id_of  # noqa: E402
from ledger.chain.setup import deploy, ensure_built, open_ledger  # noqa: E402
from ledger.demo import (  # noqa: E402
    AUDITOR,
    OCID_PREFIX,
    PURCHASER,
    SUPPLIER_A,
    SUPPLIER_B,
    set_up_organisations_and_budget,
)
from ledger.indexer.decode import event_topic  # noqa: E402
from ledger.indexer.runner import build_indexer  # noqa: E402
from ledger.settings import DEV_MNEMONIC, Settings  # noqa: E402
from ledger.store.database import make_engine, upgrade_schema  # noqa: E402
from scripts.bench.gas import free_port  # noqa: E402
from scripts.bench.gas_lifecycle import chain_time, document  # noqa: E402
from scripts.bench.seeding import (  # noqa: E402
    Status,
    anvil,
    batches,
    encoder,
    environment,
    print_verdicts,
    send_all,
)

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "indexer.json"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_EVENTS, TARGET_SQLITE_EVENTS_PER_S, TARGET_RATIO = 100_000, 30_000, 10  # the issue's, on 2 cores
EXTRA_SUPPLIERS = tuple(range(10, 16))  # HD indexes of suppliers registered here (anvil funds 0..15)
NAIVE_SAMPLE_MIN = 10_000
COUNTED_TABLES = ("processes", "bids", "audit_notes")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=TARGET_EVENTS, help="events to generate (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default %(default)s)")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false", help="skip PostgreSQL")
    parser.add_argument("--naive-budget", type=float, default=600.0, help="seconds before the naive run samples")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per indexer backend, the best reported")
    options = parser.parse_args(argv)
    if options.events < 100 or options.repeat < 1:
        parser.error("--events must be at least 100 and --repeat at least 1")
    return options


def generate(settings: Settings, ledger: LedgerContract, events: int, status: Status) -> dict[str, int]:
    """Register more suppliers, then write the mix (processes and tenders, then bids and audit notes together)."""
    w3, contract, to = ledger.contract.w3, ledger.contract, ledger.contract.address
    budget_id = set_up_organisations_and_budget(settings, ledger)
    extra = [derive_account(settings, index) for index in EXTRA_SUPPLIERS]
    register = encoder(contract, "registerOrganisation", [bytes(32), SUPPLIER_ROLE])
    add_account = encoder(contract, "addOrganisationAccount", [bytes(32), extra[0].address])
    org_ids = [bytes(Web3.keccak(text=f"BENCH-SUPPLIER-{account.address}")) for account in extra]
    calls = [register(org_id, SUPPLIER_ROLE) for org_id in org_ids]
    calls += [add_account(org_id, account.address) for org_id, account in zip(org_ids, extra, strict=True)]
    ledger.send(ledger.sender(deployer_account(settings)), "multicall", calls)
    suppliers = [derive_account(settings, org.account_index) for org in (SUPPLIER_A, SUPPLIER_B)] + extra
    processes, bids = max(1, events // 100), events * 40 // 100
    mix = {"processes": processes, "bids": bids, "bid_rows": min(bids, processes * len(suppliers))}
    mix |= {"audit_notes": events - 2 * processes - bids, "suppliers": len(suppliers)}
    multicall, tag = encoder(contract, "multicall", [[b"\x01\x02"]]), secrets.token_hex(3)
    create = encoder(contract, "createProcess", ["ocds-x", budget_id, 0, document("d"), bytes(32)])  # 0: open tender
    open_tender = encoder(contract, "openTender", [bytes(32), 1, 2, document("d")])
    commit = encoder(contract, "commitBid", [bytes(32), document("c")])
    note = encoder(contract, "recordAuditNote", [bytes(32), document("r"), document("n")])
    ocids = [f"{OCID_PREFIX}-ixb{tag}-{i:06d}" for i in range(processes)]
    pids, deadline = [process_id_of(ocid) for ocid in ocids], chain_time(w3) + 365 * 86_400
    created = [
        [create(ocid, budget_id, 0, document(f"{ocid} notice"), bytes(32)),
         open_tender(pid, deadline, deadline + 86_400, document(f"{ocid} tender"))]
        for ocid, pid in zip(ocids, pids, strict=True)
    ]  # fmt: skip
    queues = [batches(w3, derive_account(settings, PURCHASER.account_index), created, multicall, to)]
    send_all(w3, queues, multicall, to, status)
    by_supplier: list[list[list[bytes]]] = [[] for _ in suppliers]
    for i in range(bids):  # every supplier bids on every process, then replaces its bids
        by_supplier[(i // processes) % len(suppliers)].append([commit(pids[i % processes], document(f"{tag} bid {i}"))])
    notes = [
        [note(pids[j % processes], document(f"{tag} ref {j}"), document(f"{tag} note {j}"))]
        for j in range(mix["audit_notes"])
    ]
    queues += [batches(w3, s, units, multicall, to) for s, units in zip(suppliers, by_supplier, strict=True)]
    queues += [batches(w3, derive_account(settings, AUDITOR.account_index), notes, multicall, to)]
    send_all(w3, queues[1:], multicall, to, status)
    return mix | {"transactions": sum(map(len, queues)), "max_tx_gas_limit": max(g for q in queues for _, _, g in q)}


class Timed(NamedTuple):
    """One timed run: its seconds, the 1-minute load average before it, the logs it saw or stored, and more."""

    seconds: float
    load_before: float
    logs: list[tuple[int, int, str]]  # block number, log index, transaction hash
    details: dict[str, Any]

    def summary(self, events: int) -> dict[str, Any]:
        """The run for the JSON."""
        rate, load = round(events / self.seconds, 1), round(self.load_before, 2)
        figures = {"seconds": round(self.seconds, 4), "events_per_s": rate, "load_average_1min_before": load}
        return figures | {"logs": len(self.logs)} | {k: v for k, v in self.details.items() if k != "topics"}


def _start_clock() -> tuple[float, float]:
    gc.collect()  # no garbage of earlier steps collected on the clock
    return os.getloadavg()[0], time.perf_counter()


def raw_get_logs(rpc_url: str, address: str, from_block: int, to_block: int) -> Timed:
    """One eth_getLogs over the range as a bare HTTP POST, its JSON parsed; nothing else is timed."""
    query = {"address": [address.lower()], "fromBlock": hex(from_block), "toBlock": hex(to_block)}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [query]})
    headers = {"Content-Type": "application/json"}
    with requests.Session() as session:
        session.post(rpc_url, data='{"jsonrpc":"2.0","id":0,"method":"eth_chainId"}', headers=headers, timeout=30)
        load, started = _start_clock()
        content = session.post(rpc_url, data=body, headers=headers, timeout=600).content
        parsed = json.loads(content)
        seconds = time.perf_counter() - started
    if "error" in parsed:
        raise RuntimeError(f"eth_getLogs failed: {parsed['error']}")
    entries = parsed["result"]
    logs = sorted((int(e["blockNumber"], 16), int(e["logIndex"], 16), e["transactionHash"].lower()) for e in entries)
    topics = Counter(e["topics"][0].lower() for e in entries if e["topics"])
    return Timed(seconds, load, logs, {"response_bytes": len(content), "topics": topics})


def index_once(settings: Settings, w3: Web3, url: str, status: Status) -> Timed:
    """The project's indexer into the fresh database at `url`: one timed catch-up, then what it stored."""
    engine = make_engine(url)
    try:
        upgrade_schema(engine)
        indexer, name = build_indexer(settings, w3, engine), engine.dialect.name
        load, started = _start_clock()
        cpu, children = time.process_time(), _children_cpu()
        result = indexer.catch_up(lambda _, done, end, n: status(f"{name}: block {done:,}/{end:,}, {n:,} events"))
        seconds = time.perf_counter() - started
        cpu, children = time.process_time() - cpu, _children_cpu() - children  # the worker ended with the catch-up
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT block_number, log_index, tx_hash FROM raw_logs")).all()
            checkpoint = connection.execute(text("SELECT block_number FROM checkpoints")).scalar()
            rows = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED_TABLES}
    finally:
        engine.dispose()
    logs = sorted((int(block), int(index), str(tx_hash).lower()) for block, index, tx_hash in stored)
    details = {"events_applied": result.events, "checkpoint_block": checkpoint, "rows": rows}
    details |= {"indexer_process_cpu_seconds": round(cpu, 3), "fetch_worker_cpu_seconds": round(children, 3)}
    return Timed(seconds, load, logs, details)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postgres_runs(settings: Settings, w3: Web3, repeat: range, status: Status) -> tuple[list[Timed], str]:
    """A run per `repeat` into fresh PostgreSQL databases, each dropped afterwards; none when nothing answers."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
    runs: list[Timed] = []
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, ImportError) as exc:  # no server here, or no psycopg
        admin.dispose()
        return runs, f"skipped: {str(exc).splitlines()[0]}"
    try:
        for name in (f"procledger_bench_{secrets.token_hex(6)}" for _ in repeat):
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                runs.append(index_once(settings, w3, f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}", status))
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
    return runs, "a fresh database per run, dropped afterwards"


class NaiveBase(DeclarativeBase):
    """Metadata of the naive mirror, apart from the project's."""


class NaiveEvent(NaiveBase):
    """Any event, generically: what a first attempt stores."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(64))
    block_number: Mapped[int]
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int]
    args: Mapped[str] = mapped_column(Text)


def naive_mirror(contract: Contract, path: Path, blocks: Sequence[int], start: int, head: int, budget: float) -> Timed:
    """web3's get_logs per event of the ABI, then one ORM insert and commit per event: first over a prefix of
    NAIVE_SAMPLE_MIN events, then over the rest if the whole range is expected to fit in `budget` seconds."""
    engine = make_engine(f"sqlite:///{path}")
    NaiveBase.metadata.create_all(engine)
    names = [str(entry.get("name")) for entry in contract.abi if entry.get("type") == "event"]
    cut = blocks[NAIVE_SAMPLE_MIN - 1] if len(blocks) > NAIVE_SAMPLE_MIN else head  # blocks: of every log, sorted
    fetching = inserting = 0.0
    load, _ = _start_clock()
    try:
        with Session(engine) as session:
            for from_block, to_block in [(start, cut), (cut + 1, head)][: 1 if cut == head else 2]:
                for name in names:
                    started = time.perf_counter()
                    logs = contract.events[name]().get_logs(from_block=from_block, to_block=to_block)
                    fetched = time.perf_counter()
                    for log in logs:
                        args, tx_hash = Web3.to_json(log["args"]), log["transactionHash"].to_0x_hex()
                        row = {"block_number": log["blockNumber"], "log_index": log["logIndex"], "tx_hash": tx_hash}
                        session.add(NaiveEvent(event=name, args=args, **row))
                        session.commit()
                    fetching, inserting = fetching + fetched - started, inserting + time.perf_counter() - fetched
                if (fetching + inserting) / sum(1 for b in blocks if b <= to_block) * len(blocks) > budget:
                    break
            stored = session.execute(select(NaiveEvent.block_number, NaiveEvent.log_index, NaiveEvent.tx_hash)).all()
    finally:
        engine.dispose()
    details = {"get_logs_seconds": round(fetching, 3), "insert_seconds": round(inserting, 3), "to_block": to_block}
    return Timed(fetching + inserting, load, sorted((b, i, str(h).lower()) for b, i, h in stored), details)


def run(options: argparse.Namespace, status: Status) -> dict[str, Any]:
    """The whole benchmark on a fresh chain; returns the result document."""
    started, repeat, env = time.perf_counter(), range(options.repeat), environment()  # the code as it was run
    with tempfile.TemporaryDirectory(prefix="procledger-ixbench-") as scratch_name:
        scratch, fields = Path(scratch_name), Settings.model_fields  # defaults, whatever the environment says
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=scratch / "data", chain_port=free_port(), rpc_url="",
            database_url=f"sqlite:///{scratch / 'unused.sqlite3'}", mnemonic=SecretStr(DEV_MNEMONIC), deployer_key=None,
            confirmations=0, index_batch_blocks=fields["index_batch_blocks"].default, max_reorg_depth=64,
        )  # fmt: skip
        status("compiling the ledger (if stale)")
        ensure_built(settings)
        with anvil(settings.chain_port, scratch / "anvil.log") as rpc_url:
            w3 = connect(rpc_url, timeout=600)
            status("deploying the ledger, setting up organisations and the budget line")
            generation_started = time.perf_counter()
            deployment = deploy(settings, w3)
            ledger = open_ledger(settings, w3)
            mix = generate(settings, ledger, options.events, status)
            generation_seconds = time.perf_counter() - generation_started
            start, head, address = deployment.start_block, w3.eth.block_number, deployment.address_of(LEDGER)
            status("raw eth_getLogs")
            raw_runs = [raw_get_logs(rpc_url, address, start, head) for _ in repeat]
            raw = min(raw_runs, key=lambda r: r.seconds)
            sqlite_runs = [index_once(settings, w3, f"sqlite:///{scratch}/ix-{i}.db", status) for i in repeat]
            pg_runs, pg_note = postgres_runs(settings, w3, repeat, status) if options.postgres else ([], "skipped")
            status("naive: get_logs per event type, one ORM commit per row")
            blocks = [block for block, _, _ in raw.logs]
            naive = naive_mirror(ledger.contract, scratch / "naive.sqlite3", blocks, start, head, options.naive_budget)
            mix["block_gas_limit"] = int(w3.eth.get_block("latest")["gasLimit"])

    events, naive_end, best = len(raw.logs), naive.details["to_block"], min(sqlite_runs, key=lambda r: r.seconds)
    indexer_rate, naive_rate = events / best.seconds, len(naive.logs) / naive.seconds
    names = {event_topic(e): str(e.get("name")) for e in ledger.contract.abi if e.get("type") == "event"}
    by_name = {names.get(topic, topic): count for topic, count in sorted(raw.details["topics"].items())}
    rows = {"processes": mix["processes"], "bids": mix["bid_rows"], "audit_notes": mix["audit_notes"]}
    generated = ("ProcessCreated", "TenderOpened", "BidCommitted", "AuditNoteRecorded")
    checks = {
        "chain_holds_the_mix": [by_name.get(name) for name in generated]
        == [mix["processes"], mix["processes"], mix["bids"], mix["audit_notes"]],
        "naive_stored_the_chains_logs_in_its_range": naive.logs == [log for log in raw.logs if log[0] <= naive_end],
    }
    for backend, runs in (("sqlite", sqlite_runs), ("postgres", pg_runs)):
        if runs:
            checks[f"indexer_{backend}_raw_logs_equal_chain_logs"] = all(r.logs == raw.logs for r in runs)
            checks[f"indexer_{backend}_checkpoint_at_head"] = all(r.details["checkpoint_block"] == head for r in runs)
            checks[f"indexer_{backend}_rows_match_the_mix"] = all(r.details["rows"] == rows for r in runs)
    elapsed = {"generation": generation_seconds, "raw_get_logs": raw.seconds, "indexer_sqlite": best.seconds}
    result: dict[str, Any] = {
        "events": events,
        "indexer_events_per_s": round(indexer_rate, 1),
        "naive_events_per_s": round(naive_rate, 1),
        "ratio": round(indexer_rate / naive_rate, 2),
        "raw_get_logs_events_per_s": round(events / raw.seconds, 1),
        "block_range": [start, head],
        "elapsed_seconds": elapsed | {"naive": naive.seconds, "total": time.perf_counter() - started},
        "events_by_name": by_name,
        "mix": mix | {"setup_events": events - options.events},
        "runs": {"raw_get_logs": [r.summary(events) for r in raw_runs], "naive": naive.summary(len(naive.logs))}
        | {"indexer_sqlite": [r.summary(events) for r in sqlite_runs]},
        "targets": {
            key: {"description": what, "limit": limit, "measured": round(value, 2), "pass": value >= limit}
            | {"status": "pass" if value >= limit else "fail", "at_target_size": events >= TARGET_EVENTS}
            for key, what, limit, value in (
                ("indexer_sqlite_events_per_s", "events/s into SQLite", TARGET_SQLITE_EVENTS_PER_S, indexer_rate),
                ("ratio", "indexer events/s over the naive way's", TARGET_RATIO, indexer_rate / naive_rate),
            )
        },
        "checks": checks,
        "postgres": pg_note,
        "environment": env,
    }
    if pg_runs:
        result["elapsed_seconds"]["indexer_postgres"] = min(r.seconds for r in pg_runs)
        result["postgres_events_per_s"] = round(events / result["elapsed_seconds"]["indexer_postgres"], 1)
        result["runs"]["indexer_postgres"] = [r.summary(events) for r in pg_runs]
    if naive_end != head:
        result["naive_sample_events"] = len(naive.logs)
    result["elapsed_seconds"] = {key: round(seconds, 4) for key, seconds in result["elapsed_seconds"].items()}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the JSON, print the summary; 1 when a correctness check fails, else 0."""
    options = parse_args(argv)
    console, step, shown_at = Console(stderr=True), "", 0.0

    def status(message: str) -> None:  # a line per step, and every 5 s within one: fine in a terminal or a log
        nonlocal step, shown_at
        if message.split(":")[0] != step or time.monotonic() - shown_at > 5:
            step, shown_at = message.split(":")[0], time.monotonic()
            console.log(message)

    result = run(options, status)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    rates = [f"{key.removesuffix('_events_per_s')} {value:,.0f}" for key, value in result.items() if "_per_s" in key]
    console.print(f"{result['events']:,} events; events/s: {', '.join(rates)}; ratio {result['ratio']}x")
    return print_verdicts(console, result, options.out, result["elapsed_seconds"]["total"])


if __name__ == "__main__":
    sys.exit(main())
