"""API benchmark: latency and throughput of the read API over a mirror of a city's procurement, at two sizes.

`python scripts/bench/api.py --processes 1000 100000 --out FILE`, for each size: starts an in-memory anvil keeping no
past states (`--prune-history`), deploys the ledger and writes a city (scripts/bench/city.py: a fifth of the
processes through their whole lifecycle of 18 to 22 events, chain time moved between phases; budget lines, purchasers
and suppliers the size real ones are) in batched `multicall`s; stores every notice with its title (some Chinese) and
every organisation's profile in the document store; indexes the chain (`build_indexer(...).catch_up()`) into a fresh
SQLite database; stops anvil; serves the API with `procledger serve` (uvicorn, one process) pointed there by
PROCLEDGER_ variables; then a load generator in another process (scripts/bench/loadgen.py: asyncio, HTTP/1.1
keep-alive, --concurrency connections, closed loop) warms each endpoint up and measures it for --duration seconds:
- timeline: GET /processes/{ocid}/timeline of random processes with a full lifecycle (2,000 at most, warmed up for
  30 s: long enough for each server process to have rendered and kept each one);
- search: GET /processes?q=... (words of the titles, Chinese included) and filter combinations;
- traceability: GET /budgets/{id}/trace and /suppliers/{id}/trace;
- trivial: GET /livez, the framework's ceiling in the same server;
- timeline_uncached: the same timelines from the same server restarted with PROCLEDGER_API_CACHE_BYTES=0, which
  renders each on every read (the naive way; the first server keeps rendered timelines while the mirror is
  unchanged, api.response_cache).
The JSON has results [{processes, endpoint, p50_ms, p99_ms, rps, ...}], each size's seeding, document and indexing
times, the 1-minute load average before each measurement and the server's CPU per request, targets (the issue's)
and checks (every response 200 with its shape, the mirror holding the planned city); exit 1 on a failed check.
After the first size, the seeding time of the others is projected and printed before they start.
The server's CPU per request is in the JSON, for each endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.client import connect  # noqa: E402
from ledger.chain.setup import deploy, ensure_built, open_ledger  # noqa: E402
from ledger.indexer.runner import build_indexer  # noqa: E402
from ledger.settings import DEV_MNEMONIC, Settings  # noqa: E402
from ledger.store.database import make_engine, upgrade_schema  # noqa: E402
from ledger.store.models import RawLog  # noqa: E402
from ledger.store.projections import Process  # noqa: E402
from scripts.bench.city import SEARCH_WORDS, STAGE_OF_KIND, City, plan_city, seed, store_documents  # noqa: E402
from scripts.bench.gas import free_port  # noqa: E402
from scripts.bench.seeding import TX_GAS, anvil, environment, print_verdicts  # noqa: E402

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "api.json"
LOADGEN = PROJECT_DIR / "scripts" / "bench" / "loadgen.py"
ENDPOINTS = ("timeline", "search", "traceability", "trivial", "timeline_uncached")
UNCACHED = {"PROCLEDGER_API_CACHE_BYTES": "0"}  # the same server keeping no rendered timeline: every read renders
TARGET_SIZE, SMALL_SIZE = 100_000, 1_000
TARGET_TIMELINE_P99_MS, TARGET_TIMELINE_RPS, TARGET_TIMELINE_SHARE, TARGET_P99_GROWTH = 25.0, 1_000.0, 0.5, 1.5
FULL_SHARE_MIN = 0.2
PATHS_PER_ENDPOINT = 2_000
TIMELINE_WARMUP_S = 30.0
MINE_EVERY = 100  # seeding's transactions per block


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--processes", type=int, nargs="+", default=[SMALL_SIZE, TARGET_SIZE], help="sizes to run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default %(default)s)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per endpoint")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load before each")
    parser.add_argument(
        "--timeline-warmup", type=float, default=TIMELINE_WARMUP_S,
        help="seconds of unmeasured load before the timeline: long enough for each server process to have kept each "
        "timeline drawn from (default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections of the load generator")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="`procledger serve --workers` (default: one per core)"
    )
    parser.add_argument(
        "--keep", type=Path, default=None,
        help="keep each size's chain-built mirror in KEEP/N and measure it again on a later run instead of seeding",
    )  # fmt: skip
    options = parser.parse_args(argv)
    if (
        min(options.processes) < 20
        or options.duration <= 0
        or options.warmup < 0
        or min(options.concurrency, options.workers) < 1
    ):
        parser.error("--processes must be at least 20, --duration positive, --concurrency and --workers at least 1")
    return options


class Display:
    """One rich progress bar for the step under way, and a log line whenever the step changes."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), console=console, transient=True,
        )  # fmt: skip
        self.task = self.progress.add_task("starting", total=None)
        self.console, self.step = console, ""

    def __call__(self, message: str, done: float | None = None, total: float | None = None) -> None:
        """Show `message` (its text before ":" names the step), with how far the step is when known."""
        step = message.split(":")[0]
        if step != self.step:
            self.step = step
            self.console.log(message)
            self.progress.reset(self.task, total=total)
        self.progress.update(self.task, description=message, completed=done or 0, total=total)


def run_size(size: int, options: argparse.Namespace, scratch: Path, show: Display) -> dict[str, Any]:
    """Seed, store, index, serve and load one size; returns its run record and results."""
    fields = Settings.model_fields
    settings = Settings(
        project_dir=PROJECT_DIR, data_dir=scratch / "data", chain_port=free_port(), rpc_url="",
        database_url=f"sqlite:///{scratch / 'mirror.sqlite3'}", mnemonic=SecretStr(DEV_MNEMONIC), deployer_key=None,
        confirmations=0, index_batch_blocks=fields["index_batch_blocks"].default, max_reorg_depth=64,
        api_port=free_port(),
    )  # fmt: skip
    ensure_built(settings)
    city = plan_city(size)
    built = scratch / "built.json"
    reused = built.exists()  # a mirror seeded, stored and indexed by an earlier run with --keep
    if reused:
        show(f"reusing the mirror built in {scratch}")
        build = json.loads(built.read_text())
    else:
        _empty(scratch)  # what an interrupted build left
        settings.data_dir.mkdir(parents=True)
        build = _build(settings, city, scratch, show)
        built.write_text(json.dumps(build))
    seconds = dict(build["seconds"])
    started = time.perf_counter()
    plan = _plan(city, options, settings.api_port)
    with serving(settings, scratch / "api.log", options.workers) as server:
        preflight = _preflight(settings.api_port, city)
        results = load(settings.api_port, server, plan, scratch, show)
    # The naive way in the same run: the same timelines from a server that renders each one on every read.
    uncached = plan | {"endpoints": {"timeline_uncached": plan["endpoints"]["timeline"]}}
    with serving(settings, scratch / "api.log", options.workers, UNCACHED) as server:
        results |= load(settings.api_port, server, uncached, scratch, show)
    seconds["load"] = time.perf_counter() - started
    documents, chain, indexed_events = build["documents"], build["chain"], build["events"]
    mirror = _mirror_counts(settings.database_url)  # read again: a reused mirror is checked as a new one is
    full = len(city.of_kind("full"))
    expected_stages = {STAGE_OF_KIND[k]: len(city.of_kind(k)) for k in STAGE_OF_KIND}
    run = {
        "processes": size, "full_lifecycles": full, "full_share": round(full / size, 4),
        "budget_lines": len(city.lines), "purchasers": len(city.purchasers), "suppliers": len(city.suppliers),
        "events": indexed_events, "transactions": chain["transactions"], "blocks": chain["head_block"],
        "documents": documents, "mirror": mirror, "expected_stages": expected_stages, "preflight": preflight,
        "seconds": {key: round(value, 2) for key, value in seconds.items()},
        "seeding_ms_per_process": round(seconds["seeding"] * 1_000 / size, 3), "reused_mirror": reused,
    }  # fmt: skip
    return {"run": run, "results": [{"processes": size, "endpoint": name} | results[name] for name in ENDPOINTS]}


def _build(settings: Settings, city: City, scratch: Path, show: Display) -> dict[str, Any]:
    """Store the city's documents, seed it through a fresh anvil, index it: the mirror the load runs against."""
    seconds: dict[str, float] = {}
    engine = make_engine(settings.database_url)
    try:
        upgrade_schema(engine)
        started = time.perf_counter()
        documents = store_documents(settings, engine, city, lambda m: show(m, *_counts(m)))
        seconds["documents"] = time.perf_counter() - started
        # --prune-history: no past states kept (the indexer reads blocks and logs only); with them, anvil's memory
        # grew by gigabytes a minute at 100,000 processes. A block per MINE_EVERY transactions (seeding.send_all),
        # so the block gas limit holds them.
        gas_limit = str(MINE_EVERY * TX_GAS * 2)
        with anvil(settings.chain_port, scratch / "anvil.log", 2, ["--prune-history", "--gas-limit", gas_limit]) as url:
            w3 = connect(url, timeout=600)
            show("seeding: deploying the ledger")
            started = time.perf_counter()
            deploy(settings, w3)
            chain = seed(settings, open_ledger(settings, w3), city, lambda m: show(m, *_counts(m)), MINE_EVERY)
            seconds["seeding"] = time.perf_counter() - started
            started = time.perf_counter()
            indexed = build_indexer(settings, w3, engine).catch_up(
                lambda _, done, end, n: show(f"indexing: block {done:,}/{end:,}, {n:,} events", done, end)
            )
            seconds["indexing"] = time.perf_counter() - started
    finally:
        engine.dispose()
    return {"seconds": seconds, "documents": documents, "chain": chain, "events": indexed.events}


def _counts(message: str) -> tuple[float | None, float | None]:
    """The "done/total" a seeding or document message carries, for the bar."""
    for word in message.split():
        done, slash, total = word.partition("/")
        if slash and done.replace(",", "").isdigit() and total.replace(",", "").isdigit():
            return float(done.replace(",", "")), float(total.replace(",", ""))
    return None, None


def _mirror_counts(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    try:
        upgrade_schema(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(Process.stage, func.count()).group_by(Process.stage))
            stages = {str(stage): int(count) for stage, count in rows}
            raw = connection.execute(select(func.count()).select_from(RawLog)).scalar_one()
    finally:
        engine.dispose()
    return {"processes": sum(stages.values()), "stages": stages, "raw_logs": raw}


def _empty(folder: Path) -> None:
    for path in folder.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


@contextmanager
def serving(
    settings: Settings, log_file: Path, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`procledger serve --workers N` over the mirror, as an operator runs it; stopped (SIGTERM) afterwards."""
    env = os.environ | (extra_env or {}) | {
        "PROCLEDGER_PROJECT_DIR": str(settings.project_dir), "PROCLEDGER_DATA_DIR": str(settings.data_dir),
        "PROCLEDGER_DATABASE_URL": settings.database_url, "PROCLEDGER_API_HOST": "127.0.0.1",
        "PROCLEDGER_API_PORT": str(settings.api_port), "PROCLEDGER_CHAIN_PORT": str(settings.chain_port),
    }  # fmt: skip
    command = [str(Path(sys.executable).parent / "procledger"), "serve", "--workers", str(workers)]
    with log_file.open("ab") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`procledger serve` did not answer on port {settings.api_port}; see {log_file}")
            try:
                if httpx.get(f"http://127.0.0.1:{settings.api_port}/livez", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _plan(city: City, options: argparse.Namespace, port: int) -> dict[str, Any]:
    """The paths the load generator draws from, endpoint by endpoint."""
    rng = random.Random(7)
    full = city.of_kind("full")
    timeline = [f"/processes/{quote(p.ocid)}/timeline" for p in rng.sample(full, min(len(full), PATHS_PER_ENDPOINT))]
    winners = sorted({p.bidders[0].hex_id for p in city.processes if p.kind in ("full", "single")})
    lines = ["0x" + line.line_id.hex() for line in city.lines]
    search: list[dict[str, str]] = [{"q": word} for word in SEARCH_WORDS]
    for _ in range(PATHS_PER_ENDPOINT):
        buyer, line, supplier = rng.choice(city.purchasers).hex_id, rng.choice(lines), rng.choice(winners)
        search += [
            {"stage": rng.choice(("tender", "completed", "planning")), "buyer": buyer},
            {"budget": line, "stage": rng.choice(("completed", "contracted", "cancelled"))},
            {"supplier": supplier, "method": rng.choice(("open_tender", "single_source"))},
            {"q": rng.choice(SEARCH_WORDS), "stage": "completed"},
        ]
    searches = [f"/processes?{urlencode(query)}" for query in search]
    traces = [f"/budgets/{line}/trace" for line in rng.sample(lines, min(len(lines), PATHS_PER_ENDPOINT // 2))]
    traces += [f"/suppliers/{org}/trace" for org in rng.sample(winners, min(len(winners), PATHS_PER_ENDPOINT // 2))]
    endpoints = {"timeline": timeline, "search": searches, "traceability": traces, "trivial": ["/livez"]}
    timing = {"concurrency": options.concurrency, "warmup": options.warmup, "duration": options.duration}
    # Long enough for each worker to have rendered and kept every timeline drawn from (2,000 at most).
    timing["warmups"] = {"timeline": options.timeline_warmup}
    return {"port": port, "endpoints": endpoints} | timing


def _preflight(port: int, city: City) -> dict[str, Any]:
    """One timeline of a few full-lifecycle processes, before the load: the fewest entries one has."""
    sample = random.Random(3).sample(city.of_kind("full"), min(20, len(city.of_kind("full"))))
    entries = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for proc in sample:
            response = client.get(f"/processes/{quote(proc.ocid)}/timeline")
            response.raise_for_status()
            entries.append(len(response.json()["entries"]))
    return {"timelines": len(entries), "min_entries": min(entries), "max_entries": max(entries)}


def load(
    port: int, server: subprocess.Popen[bytes], plan: dict[str, Any], scratch: Path, show: Display
) -> dict[str, Any]:
    """Run the load generator over `plan`; adds the load average before each measurement and the server's CPU."""
    plan_file = scratch / f"plan-{port}.json"
    plan_file.write_text(json.dumps(plan))
    warmups = plan.get("warmups", {})
    total = sum(warmups.get(name, plan["warmup"]) + plan["duration"] for name in plan["endpoints"])
    extra: dict[str, dict[str, float]] = {}
    started, cpu = time.monotonic(), 0.0
    with subprocess.Popen([sys.executable, str(LOADGEN), str(plan_file)], stdout=subprocess.PIPE, text=True) as gen:
        assert gen.stdout is not None
        for line in gen.stdout:
            message = json.loads(line)
            if "results" in message:
                results: dict[str, Any] = message["results"]
                continue
            name = message["endpoint"]
            if message["step"] == "measure":
                extra[name] = {"load_average_1min": round(os.getloadavg()[0], 2)}
                cpu, by_worker = _cpu_seconds(server.pid), _workers_cpu(server.pid)
            elif message["step"] == "measured":
                extra[name]["server_cpu_seconds"] = round(_cpu_seconds(server.pid) - cpu, 3)
                # How evenly the workers shared the load: one worker holding every connection halves the rate.
                spent = [seconds - by_worker.get(pid, 0.0) for pid, seconds in _workers_cpu(server.pid).items()]
                extra[name]["server_cpu_seconds_by_worker"] = sorted((round(s, 2) for s in spent), reverse=True)
            elapsed = time.monotonic() - started
            show(f"loading: {name} ({message['step']})", elapsed, total)
    if gen.returncode != 0:
        raise RuntimeError(f"the load generator failed (exit {gen.returncode}); run it alone on {plan_file}")
    for name, figures in results.items():
        figures |= extra[name]
        figures["server_cpu_ms_per_request"] = round(figures["server_cpu_seconds"] * 1_000 / figures["requests"], 3)
    return results


@contextmanager
def _scratch(keep: Path | None, size: int) -> Iterator[Path]:
    """Where one size's chain, mirror and documents live: KEEP/N, kept for the next run, or a temporary folder."""
    if keep is not None:
        folder = keep / str(size)
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="procledger-apibench-") as scratch:
        yield Path(scratch)


def _workers_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of each child process of `pid` (uvicorn's workers under its supervisor), or of `pid`
    itself when it serves alone."""
    children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]  # fmt: skip
    return {child: _cpu_seconds(child) for child in children} or {pid: _cpu_seconds(pid)}


def _cpu_seconds(pid: int) -> float:
    """User and system CPU so far of process `pid` and its live descendants (the server's workers), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]  # fmt: skip
    except FileNotFoundError:  # it ended meanwhile
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_cpu_seconds(child) for child in children)


def evaluate(runs: list[dict[str, Any]], results: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, bool]]:
    """Targets (the issue's figures) and checks (correctness) over every size run."""
    by = {(r["processes"], r["endpoint"]): r for r in results}
    sizes = sorted({r["processes"] for r in results})
    largest, smallest = sizes[-1], sizes[0]
    targets: dict[str, Any] = {}

    def target(key: str, what: str, limit: float, measured: float, at_most: bool, at_size: bool) -> None:
        passed = measured <= limit if at_most else measured >= limit
        targets[key] = {"description": what, "limit": limit, "measured": round(measured, 3), "pass": passed}
        targets[key] |= {"status": "pass" if passed else "fail", "at_target_size": at_size}

    timeline = by[(largest, "timeline")]
    at_target = largest >= TARGET_SIZE
    target("timeline_p99_ms", f"timeline p99 at {largest:,} processes, SQLite", TARGET_TIMELINE_P99_MS,
           timeline["p99_ms"], True, at_target)  # fmt: skip
    target("timeline_rps", f"timeline requests/s at {largest:,} processes, SQLite", TARGET_TIMELINE_RPS,
           timeline["rps"], False, at_target)  # fmt: skip
    for size in sizes:
        share = by[(size, "timeline")]["rps"] / by[(size, "trivial")]["rps"]
        target(f"timeline_over_trivial_rps_{size}", f"timeline rps over /livez rps at {size:,}", TARGET_TIMELINE_SHARE,
               share, False, size >= TARGET_SIZE)  # fmt: skip
    if len(sizes) > 1:
        for name in ENDPOINTS:
            growth = by[(largest, name)]["p99_ms"] / by[(smallest, name)]["p99_ms"]
            target(f"p99_growth_{name}", f"{name} p99 at {largest:,} over p99 at {smallest:,}", TARGET_P99_GROWTH,
                   growth, True, largest >= TARGET_SIZE and smallest <= SMALL_SIZE)  # fmt: skip
    checks: dict[str, bool] = {}
    for r in results:
        checks[f"no_errors_{r['processes']}_{r['endpoint']}"] = r["errors"] == 0 and r["requests"] > 0
    for run in runs:
        size, mirror = run["processes"], run["mirror"]
        checks[f"mirror_holds_every_process_{size}"] = mirror["processes"] == size
        checks[f"mirror_stages_match_the_plan_{size}"] = mirror["stages"] == run["expected_stages"]
        checks[f"full_lifecycles_at_least_20_percent_{size}"] = run["full_share"] >= FULL_SHARE_MIN
        checks[f"timelines_have_15_entries_or_more_{size}"] = run["preflight"]["min_entries"] >= 15
        checks[f"every_event_indexed_{size}"] = mirror["raw_logs"] == run["events"]
    return targets, checks


def main(argv: Sequence[str] | None = None) -> int:
    """Run every size, write the JSON, print the summary; 1 when a check fails, else 0."""
    options = parse_args(argv)
    console = Console(stderr=True)
    show = Display(console)
    env, runs, results, started = environment(), [], [], time.perf_counter()
    with show.progress:
        for position, size in enumerate(options.processes):
            with _scratch(options.keep, size) as scratch:
                outcome = run_size(size, options, scratch, show)
            runs.append(outcome["run"])
            results += outcome["results"]
            per_process = outcome["run"]["seconds"]["seeding"] / size
            for later in options.processes[position + 1 :]:
                console.log(f"projection: seeding {later:,} processes should take about {per_process * later / 60:.0f} "
                            f"min ({per_process * 1_000:.1f} ms a process at {size:,})")  # fmt: skip
    targets, checks = evaluate(runs, results)
    result: dict[str, Any] = {
        "results": results, "runs": runs, "targets": targets, "checks": checks,
        "load": {"generator": "scripts/bench/loadgen.py: asyncio, HTTP/1.1 keep-alive, closed loop, one process",
                 "concurrency": options.concurrency, "warmup_s": options.warmup, "duration_s": options.duration},
        "server": f"procledger serve --workers {options.workers}: uvicorn with uvloop and httptools, SQLite mirror",
        "elapsed_seconds": round(time.perf_counter() - started, 1), "environment": env,
    }  # fmt: skip
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for r in results:
        console.print(f"{r['processes']:>7,} {r['endpoint']:<12} p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  "
                      f"{r['rps']:8,.1f} req/s  errors {r['errors']}")  # fmt: skip
    return print_verdicts(console, result, options.out, result["elapsed_seconds"])


if __name__ == "__main__":
    sys.exit(main())
