"""Verification benchmark: milliseconds to verify one process of ~20 events, against a node and from a proof bundle,
against the naive way.

`python scripts/bench/verify.py --processes N --out FILE` starts an in-memory anvil, deploys the ledger and writes
a city whose N processes all run the whole open-tender lifecycle (scripts/bench/city.py: 18 to 22 events each,
batched `multicall`s, chain time moved between phases), indexes it into a fresh SQLite mirror (`proof export` looks
anchored documents up there) and exports every process's bundle (timed apart). Then, process by process, in this
process and calling what the CLI commands call:
- verify: `procledger verify process`, i.e. `ledger.verify.verify_process(chain_source(...), ocid)` against the node;
- bundle: `procledger proof verify`, i.e. read the file, `load_bundle`, `verify_bundle`, `verify_proven_events`;
- naive: web3.py, one `eth.get_logs` for the process's id, then per event `get_transaction_receipt` and
  `get_block`, one call each, the log decoded by the contract object (`contract.events.X().process_log`).
The JSON has the mean, p50 and p99 of each, events and bundle bytes per process, the ratios, the issue's targets
(limit, measured, pass/fail), checks (every verification passed, the counts match the plan), the load average and
the machine; exit 1 on a failed check.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import fmean
from typing import Any, TypeVar

from pydantic import SecretStr
from rich.console import Console
from web3 import Web3
from web3.contract import Contract

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.client import connect  # noqa: E402
from ledger.chain.setup import deploy, ensure_built, open_ledger  # noqa: E402
from ledger.cli_proofs import bundle_decoder, export_process  # noqa: E402
from ledger.indexer.decode import EventDecoder, event_topic  # noqa: E402
from ledger.indexer.runner import build_indexer  # noqa: E402
from ledger.proofs.bundle import load_bundle  # noqa: E402
from ledger.proofs.bundle_verify import verify_bundle  # noqa: E402
from ledger.settings import DEV_MNEMONIC, Settings  # noqa: E402
from ledger.store.database import make_engine, upgrade_schema  # noqa: E402
from ledger.verify import ChainSource, ReplayedState, chain_source, verify_process, verify_proven_events  # noqa: E402
from scripts.bench.api import Display, _counts  # noqa: E402
from scripts.bench.city import Proc, plan_city, seed  # noqa: E402
from scripts.bench.gas import free_port  # noqa: E402
from scripts.bench.loadgen import _percentile  # noqa: E402
from scripts.bench.seeding import anvil, environment, print_verdicts  # noqa: E402

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "verify.json"
TARGET_VERIFY_MS, TARGET_BUNDLE_MS, TARGET_SPEEDUP = 100.0, 50.0, 5.0  # the issue's, per process
T = TypeVar("T")
MEASURES = ("verify", "bundle_verify", "naive")
HOW = {
    "verify": "`procledger verify process`: ledger.verify.verify_process(chain_source(settings, w3), ocid) against "
    "the live node, in process (the source is built once, as the CLI builds it once per run)",
    "bundle_verify": "`procledger proof verify`: read the bundle file, load_bundle, verify_bundle and "
    "verify_proven_events, as ledger/cli_proofs.py's verify does, in process (the decoder built once)",
    "naive": "web3.py: eth.get_logs with the process id in topic 1, then in topic 2, then per event "
    "get_transaction_receipt and get_block, one call each, the log decoded by contract.events[name]().process_log; "
    "fetching and decoding only, no replay and no checks",
    "export": "`procledger proof export`: ledger.cli_proofs.export_process, then the text written to a file",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--processes", type=int, default=50, help="processes to verify (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default %(default)s)")
    options = parser.parse_args(argv)
    if not 1 <= options.processes <= 5_000:
        parser.error("--processes must be between 1 and 5,000")
    return options


def planned_events(proc: Proc) -> int:
    """The events a full lifecycle emits naming its id: created, tender, 3 commits and 3 reveals, evaluation, award
    and the budget commitment it makes, contract, each milestone delivered, accepted and paid, an audit note when
    audited, completion."""
    return 13 + 3 * len(proc.milestones) + int(proc.audited)


def naive_process(w3: Web3, contract: Contract, names: dict[str, str], start: int, proc: Proc) -> int:
    """The naive way: the logs naming the process (its id in topic 1, or 2 for budget commitments), then a receipt
    and a block per event, each log decoded; returns how many."""
    process_id, decoded = "0x" + proc.pid.hex(), 0
    found = [
        log
        for topics in ([None, process_id], [None, None, process_id])
        for log in w3.eth.get_logs({"address": contract.address, "fromBlock": start, "topics": topics})
    ]
    for log in found:
        receipt = w3.eth.get_transaction_receipt(log["transactionHash"])
        block = w3.eth.get_block(log["blockNumber"])
        (own,) = [entry for entry in receipt["logs"] if entry["logIndex"] == log["logIndex"]]
        event = contract.events[names[own["topics"][0].to_0x_hex()]]().process_log(own)
        if block["hash"] != receipt["blockHash"] or "0x" + bytes(event["args"]["processId"]).hex() != process_id:
            raise RuntimeError(f"the naive way read a log of another block or process at {log['transactionHash']!r}")
        decoded += 1
    return decoded


def bundle_verify(path: Path, decoder: EventDecoder) -> tuple[int, ReplayedState]:
    """What `procledger proof verify FILE` checks, offline; returns the proven events and the replayed state."""
    verified = verify_bundle(load_bundle(path.read_text()), decoder)
    return len(verified.events), verify_proven_events(verified.chain_id, verified.events, verified.block_times)


def _completed(state: ReplayedState, proc: Proc) -> bool:
    """The replayed process is completed, with every milestone paid."""
    process = state.tables.get("processes", {}).get(("0x" + proc.pid.hex(),))
    payments = [row for row in state.rows("payments") if row["process_id"] == "0x" + proc.pid.hex()]
    return process is not None and process["stage"] == "completed" and len(payments) == len(proc.milestones)


def _timed(call: Callable[..., T], *args: Any) -> tuple[float, T]:
    """Milliseconds `call(*args)` took, and what it returned."""
    started = time.perf_counter()
    result = call(*args)
    return (time.perf_counter() - started) * 1_000, result


def _summary(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": round(fmean(ordered), digits),
        "p50": round(_percentile(ordered, 0.50), digits),
        "p99": round(_percentile(ordered, 0.99), digits),
        "min": round(ordered[0], digits),
        "max": round(ordered[-1], digits),
    }


def measure(
    source: ChainSource, decoder: EventDecoder, contract: Contract, start: int, bundles: dict[str, Path],
    processes: Sequence[Proc], show: Display,
) -> dict[str, Any]:  # fmt: skip
    """Each measure once per process, interleaved (after one unmeasured round on the first process)."""
    w3, names = source.w3, {event_topic(e): str(e.get("name")) for e in contract.abi if e.get("type") == "event"}
    runs: dict[str, Callable[[Proc], Any]] = {
        "verify": lambda p: verify_process(source, p.ocid),
        "bundle_verify": lambda p: bundle_verify(bundles[p.ocid], decoder),
        "naive": lambda p: naive_process(w3, contract, names, start, p),
    }
    for run in runs.values():  # warm-up: imports, caches and connections, off the clock
        run(processes[0])
    times: dict[str, list[float]] = {name: [] for name in MEASURES}
    counts: dict[str, list[int]] = {"planned": [], "bundle": [], "naive": [], "verify_replayed": []}
    passed = {"verify_completed": 0, "bundle_completed": 0}
    load = os.getloadavg()[0]
    for done, proc in enumerate(processes):
        show(f"measuring: {done:,}/{len(processes):,} processes", done, len(processes))
        ms, state = _timed(runs["verify"], proc)
        times["verify"].append(ms)
        passed["verify_completed"] += _completed(state, proc)
        counts["verify_replayed"].append(state.events)
        ms, (events, bundle_state) = _timed(runs["bundle_verify"], proc)
        times["bundle_verify"].append(ms)
        passed["bundle_completed"] += _completed(bundle_state, proc)
        ms, naive_events = _timed(runs["naive"], proc)
        times["naive"].append(ms)
        counts["planned"].append(planned_events(proc))
        counts["bundle"].append(events)
        counts["naive"].append(naive_events)
    return {"times": times, "counts": counts, "passed": passed, "load": [load, os.getloadavg()[0]]}


def _target(what: str, limit: float, measured: float, at_most: bool) -> dict[str, Any]:
    passed = measured <= limit if at_most else measured >= limit
    return {"description": what, "limit": limit, "measured": round(measured, 3), "pass": passed} | {
        "status": "pass" if passed else "fail"
    }


def run(options: argparse.Namespace, show: Display) -> dict[str, Any]:
    """The whole benchmark on a fresh chain; returns the result document."""
    started, env, size = time.perf_counter(), environment(), options.processes
    city = plan_city(size * 5 + 20)  # a fifth of a city runs the whole lifecycle: keep the first `size` of those
    city = dataclasses.replace(city, processes=city.of_kind("full")[:size])
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="procledger-verifybench-") as scratch_name:
        scratch, fields = Path(scratch_name), Settings.model_fields
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=scratch / "data", chain_port=free_port(), rpc_url="",
            database_url=f"sqlite:///{scratch / 'mirror.sqlite3'}", mnemonic=SecretStr(DEV_MNEMONIC),
            deployer_key=None, confirmations=0, index_batch_blocks=fields["index_batch_blocks"].default,
            max_reorg_depth=64,
        )  # fmt: skip
        show("compiling the ledger (if stale)")
        ensure_built(settings)
        settings.data_dir.mkdir(parents=True)
        with anvil(settings.chain_port, scratch / "anvil.log", 2) as url:
            w3 = connect(url, timeout=600)
            show("seeding: deploying the ledger")
            clock = time.perf_counter()
            deployment = deploy(settings, w3)
            ledger = open_ledger(settings, w3)
            chain = seed(settings, ledger, city, lambda m: show(m, *_counts(m)))
            seconds["seeding"] = time.perf_counter() - clock
            clock, engine = time.perf_counter(), make_engine(settings.database_url)
            try:
                upgrade_schema(engine)
                indexed = build_indexer(settings, w3, engine).catch_up(
                    lambda _, done, end, n: show(f"indexing: block {done:,}/{end:,}, {n:,} events", done, end)
                )
            finally:
                engine.dispose()
            seconds["indexing"] = time.perf_counter() - clock
            bundles, export_ms = {}, []
            sizes: dict[str, list[int]] = {"bundle": [], "receipt_proofs": [], "receipts": []}
            for done, proc in enumerate(city.processes):
                show(f"exporting: {done:,}/{size:,} bundles", done, size)
                ms, (bundle, text) = _timed(export_process, settings, w3, proc.ocid)
                bundles[proc.ocid] = scratch / f"bundle-{done}.json"
                bundles[proc.ocid].write_text(text)
                export_ms.append(ms)
                sizes["bundle"].append(len(text.encode()))
                sizes["receipt_proofs"].append(len(json.dumps(bundle["receipts"], separators=(",", ":"))))
                sizes["receipts"].append(len(bundle["receipts"]))
            source, decoder = chain_source(settings, w3), bundle_decoder(settings)
            measured = measure(source, decoder, ledger.contract, deployment.start_block, bundles, city.processes, show)
    return _result(size, measured, export_ms, sizes, chain | {"events": indexed.events}, seconds, started, env)


def _result(
    size: int, measured: dict[str, Any], export_ms: list[float], sizes: dict[str, list[int]], chain: dict[str, int],
    seconds: dict[str, float], started: float, env: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    times, counts, passed = measured["times"], measured["counts"], measured["passed"]
    summary = {name: _summary(times[name]) for name in MEASURES}
    verify_ms, bundle_ms, naive_ms = (summary[name]["mean"] for name in MEASURES)
    checks = {
        "every_verify_process_passed_and_replayed_a_completed_process": passed["verify_completed"] == size,
        "every_bundle_verified_and_replayed_a_completed_process": passed["bundle_completed"] == size,
        "bundle_events_match_the_plan": counts["bundle"] == counts["planned"],
        "naive_events_match_the_plan": counts["naive"] == counts["planned"],
        "verify_replayed_at_least_the_process_events": all(
            replayed >= planned for replayed, planned in zip(counts["verify_replayed"], counts["planned"], strict=True)
        ),
    }
    load_before, load_after = measured["load"]
    return {
        "processes": size,
        "verify_ms_per_process": verify_ms,
        "bundle_verify_ms_per_process": bundle_ms,
        "naive_ms_per_process": naive_ms,
        "export_ms_per_process": round(fmean(export_ms), 3),
        "ms": summary | {"export": _summary(export_ms)},
        "ratio_naive_over_verify": round(naive_ms / verify_ms, 2),
        "ratio_naive_over_bundle_verify": round(naive_ms / bundle_ms, 2),
        "events_per_process": _summary(counts["bundle"], 1),
        "verify_replayed_events_per_process": _summary(counts["verify_replayed"], 1),
        "bundle_bytes_per_process": _summary(sizes["bundle"], 0),
        # the receipts' Merkle-Patricia proofs, each ending in the whole receipt (every log of its multicall)
        "bundle_receipt_proof_bytes_per_process": _summary(sizes["receipt_proofs"], 0),
        "bundle_receipts_per_process": _summary(sizes["receipts"], 1),
        "targets": {
            "verify_ms_per_process": _target("verify process, mean ms", TARGET_VERIFY_MS, verify_ms, True),
            "bundle_verify_ms_per_process": _target("proof verify, mean ms", TARGET_BUNDLE_MS, bundle_ms, True),
            "verify_speedup": _target("naive ms over verify ms", TARGET_SPEEDUP, naive_ms / verify_ms, False),
            "bundle_verify_speedup": _target("naive ms over bundle ms", TARGET_SPEEDUP, naive_ms / bundle_ms, False),
        },
        "checks": checks,
        "how": HOW
        | {"order": "per process: verify, bundle_verify, naive; one unmeasured round first"}
        | {"percentiles": "nearest rank over the N processes: below 100 processes p99 is the slowest one"},
        "chain": chain
        | {"processes_seeded": size, "kind": "full open-tender lifecycles only"}
        | {
            # A bundle carries each of its transactions' whole receipt: batched seeding makes them (and it) bigger.
            "events_per_transaction": round(chain["events"] / chain["transactions"], 1)
        },
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "elapsed_seconds": {k: round(v, 2) for k, v in seconds.items()}
        | {"total": round(time.perf_counter() - started, 1)},
        "environment": env,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the JSON, print the summary; 1 when a correctness check fails, else 0."""
    options = parse_args(argv)
    console = Console(stderr=True)
    show = Display(console)
    with show.progress:
        result = run(options, show)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    for name in (*MEASURES, "export"):
        figures = result["ms"][name]
        console.print(
            f"{name:<14} mean {figures['mean']:8.2f} ms  p50 {figures['p50']:8.2f} ms  p99 {figures['p99']:8.2f} ms"
        )
    return print_verdicts(console, result, options.out, result["elapsed_seconds"]["total"])


if __name__ == "__main__":
    sys.exit(main())
