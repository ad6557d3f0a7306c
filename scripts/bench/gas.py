"""Gas benchmark: what every write of the ledger costs, and what anchoring a document costs against the naive way.

Run `python scripts/bench/gas.py --out FILE` (default `scripts/bench/results/gas.json`). The script is
self-contained: it compiles the contracts through the project's own build (`ledger.chain.setup.ensure_built`),
starts its own anvil on a free port with its state in a temporary directory, deploys the ledger, sets up the demo
organisations and budget line (`ledger.demo.set_up_organisations_and_budget`), then drives processes through
every write the ledger has (scripts/bench/gas_lifecycle.py) and reads `gasUsed` from each receipt. That is the
whole transaction's gas, the 21,000 base and the calldata included, because that is what the sender pays.

Anchoring: for each batch size (1, 16, 256, 1024 by default) it builds the RFC 6962 Merkle root of that many
random SHA-256 document hashes (`ledger.proofs.merkle`), anchors it with one `anchorDocuments` transaction and
divides the gas by the batch size. It checks one inclusion proof per batch against the chain and times, for
information, how long building the root and all the proofs took off chain.

The naive way, measured in the same run: `scripts/bench/NaiveAnchor.sol`, compiled with the same compiler and
settings as the ledger, stores each document hash in its own mapping slot, one transaction per document, behind
an owner check. Its mean gas per document over `--naive-txs` transactions is compared with the ledger's at each
batch size.

The JSON (indent 2, sorted keys) holds at least `actions`, `anchor_per_document`, `naive_anchor_per_document` and
`targets` (each target with its limit, the measured value and pass/fail), plus compiler, chain and machine
details. A summary table and any failed targets go to stderr; the exit code is 0 even when a target fails, and
non-zero only when the benchmark itself could not run. Chain time moves with anvil's dev RPCs
(`evm_increaseTime`, `evm_mine`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import solcx
import solcx.wrapper
import web3
from eth_typing import HexStr
from pydantic import SecretStr
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from web3 import Web3

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.accounts import derive_account  # noqa: E402
from ledger.chain.anvil import AnvilProcess  # noqa: E402
from ledger.chain.artifacts import load_artifact  # noqa: E402
from ledger.chain.client import connect  # noqa: E402
from ledger.chain.compile import CompilerConfig  # noqa: E402
from ledger.chain.deployment import LEDGER  # noqa: E402
from ledger.chain.sender import TransactionSender  # noqa: E402
from ledger.chain.setup import deploy, ensure_built, open_ledger  # noqa: E402
from ledger.chain.toolchain import find_anvil, find_solc  # noqa: E402
from ledger.demo import PURCHASER, set_up_organisations_and_budget  # noqa: E402
from ledger.errors import ToolchainError  # noqa: E402
from ledger.settings import DEV_MNEMONIC, Settings  # noqa: E402
from scripts.bench.gas_lifecycle import (  # noqa: E402
    AnchorRun,
    Recorder,
    harvest_setup_gas,
    random_documents,
    run_anchors,
    run_lifecycle,
)

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "gas.json"
NAIVE_SOURCE = Path(__file__).resolve().with_name("NaiveAnchor.sol")
DEFAULT_BATCHES = (1, 16, 256, 1024)
DEFAULT_NAIVE_TXS = 32

# Targets of the issue: (key, what, limit, actions whose largest value is measured).
ANCHOR_TARGET_BATCH = 1024
ANCHOR_TARGET_LIMIT = 64
ACTION_TARGETS: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    (
        "recordMilestone",
        "gas to record a milestone: the largest of the first delivery (a fresh slot, and the move to Implementation), "
        "its acceptance and a later delivery",
        65_000,
        ("recordMilestone", "recordMilestone_acceptance", "recordMilestone_delivery_next"),
    ),
    (
        "recordPayment",
        "gas to record a payment: the larger of a first and a later payment",
        65_000,
        ("recordPayment", "recordPayment_second"),
    ),
    (
        "commitBid",
        "gas for a direct (not relayed) bid commit: the larger of a first commit and a replacement",
        80_000,
        ("commitBid", "commitBid_replace"),
    ),
)


@dataclass(frozen=True)
class Options:
    """What to run and where to write it."""

    out: Path
    batches: tuple[int, ...]
    naive_txs: int


def parse_args(argv: Sequence[str] | None) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file to write (default {DEFAULT_OUT})")
    parser.add_argument(
        "--batches",
        type=_batch_sizes,
        default=DEFAULT_BATCHES,
        help="comma-separated anchoring batch sizes (default 1,16,256,1024)",
    )
    parser.add_argument(
        "--naive-txs",
        type=int,
        default=DEFAULT_NAIVE_TXS,
        help=f"transactions sent to the naive contract, one document each (default {DEFAULT_NAIVE_TXS})",
    )
    parsed = parser.parse_args(argv)
    if parsed.naive_txs < 1:
        parser.error("--naive-txs must be at least 1")
    return Options(out=parsed.out, batches=parsed.batches, naive_txs=parsed.naive_txs)


def _batch_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or sizes[0] < 1 or sizes[-1] > 2**32 - 1:
        raise argparse.ArgumentTypeError(f"expected batch sizes between 1 and 2**32 - 1, got {text!r}")
    return sizes


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ─── The naive baseline ─────────────────────────────────────────────────────────────────────────────────────


def compile_naive(config: CompilerConfig) -> tuple[list[dict[str, Any]], str]:
    """ABI and bytecode of NaiveAnchor, with the project's compiler and the ledger's compiler settings."""
    solc = find_solc(PROJECT_DIR)
    found = str(solcx.wrapper.get_solc_version(solc))
    if found != config.version:
        raise ToolchainError(f"{solc} is solc {found}, but ape-config.yaml pins {config.version}")
    compiler_input = {
        "language": "Solidity",
        "sources": {NAIVE_SOURCE.name: {"content": NAIVE_SOURCE.read_text()}},
        "settings": {
            "evmVersion": config.evm_version,
            "optimizer": {"enabled": config.optimize, "runs": config.optimization_runs},
            "viaIR": config.via_ir,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    output = solcx.compile_standard(compiler_input, solc_binary=solc)
    compiled = output["contracts"][NAIVE_SOURCE.name]["NaiveAnchor"]
    return compiled["abi"], "0x" + compiled["evm"]["bytecode"]["object"]


def run_naive(
    w3: Web3, owner: TransactionSender, abi: list[dict[str, Any]], bytecode: str, transactions: int, recorder: Recorder
) -> tuple[int, list[int]]:
    """Deploy NaiveAnchor owned by `owner` and anchor `transactions` documents one per transaction."""
    recorder.progress.update(recorder.task, description="naive: deploy")
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    deployed = owner.transact(factory.constructor(owner.address))
    naive = w3.eth.contract(address=deployed["contractAddress"], abi=abi)
    gases = []
    for i, doc in enumerate(random_documents(transactions)):
        recorder.progress.update(recorder.task, description=f"naive: anchor {i + 1}/{transactions}")
        gases.append(int(owner.transact(naive.functions.anchor(doc))["gasUsed"]))
        recorder.progress.advance(recorder.task)
    if int(naive.functions.anchoredAt(doc).call()) == 0:
        raise RuntimeError("the naive contract did not store the last document")
    return int(deployed["gasUsed"]), gases


# ─── Report ─────────────────────────────────────────────────────────────────────────────────────────────────


def evaluate_targets(actions: dict[str, int], anchors: dict[int, AnchorRun]) -> dict[str, dict[str, Any]]:
    """Each target of the issue with its limit, the measured value and whether it passes."""
    targets: dict[str, dict[str, Any]] = {}
    anchor = anchors.get(ANCHOR_TARGET_BATCH)
    per_document = math.ceil(anchor.per_document) if anchor else None
    targets[f"anchor_per_document_{ANCHOR_TARGET_BATCH}"] = _target(
        f"gas per anchored document at batch {ANCHOR_TARGET_BATCH} (transaction gas / documents, rounded up)",
        ANCHOR_TARGET_LIMIT,
        per_document,
        "anchorDocuments",
    )
    for key, what, limit, names in ACTION_TARGETS:
        measured = [actions[name] for name in names if name in actions]
        worst = max(measured) if measured else None
        source = max((name for name in names if name in actions), key=actions.__getitem__, default=None)
        targets[key] = _target(what, limit, worst, source)
    return targets


def _target(what: str, limit: int, measured: int | None, source: str | None) -> dict[str, Any]:
    passed = None if measured is None else measured <= limit
    status = "not measured" if passed is None else ("pass" if passed else "fail")
    return {
        "description": what,
        "limit": limit,
        "measured": measured,
        "measured_as": source,
        "pass": passed,
        "status": status,
    }


def unmeasured_writes(abi: list[dict[str, Any]], measured: set[str]) -> list[str]:
    """State-changing functions of the ABI that the run never measured (new ones appear here)."""
    writes = {
        str(entry["name"])
        for entry in abi
        if entry.get("type") == "function" and entry.get("stateMutability") in ("nonpayable", "payable")
    }
    return sorted(writes - measured)


def environment(solc: Path, anvil: Path, config: CompilerConfig, ledger_runtime: str) -> dict[str, Any]:
    """Compiler, chain and machine the figures were measured with."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "solc": _version_line(solc),
        "solc_binary": "solc-js bridge (ledger/chain/solc_bridge.js)" if solc.suffix == ".js" else str(solc),
        "compiler_settings": {
            "version": config.version,
            "evm_version": config.evm_version,
            "optimizer": config.optimize,
            "optimization_runs": config.optimization_runs,
            "via_ir": config.via_ir,
        },
        "anvil": _version_line(anvil),
        "python": platform.python_version(),
        "web3": web3.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_contracts_modified": bool(_git("status", "--porcelain", "--", "contracts")),
        "ledger_runtime_bytes": (len(ledger_runtime) - 2) // 2,
        "ledger_runtime_sha256": hashlib.sha256(bytes.fromhex(ledger_runtime[2:])).hexdigest(),
    }


def _version_line(binary: Path) -> str:
    try:
        text = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError as exc:
        return f"unknown ({exc})"
    lines = [line.split("Version:", 1)[1].strip() for line in text.splitlines() if "Version:" in line]
    return lines[0] if lines else "unknown"


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def print_report(console: Console, result: dict[str, Any]) -> None:
    """The figures as tables on stderr, then every failed target spelled out."""
    actions = Table(title="Gas per ledger write (gasUsed of the whole transaction, 21,000 base included)")
    actions.add_column("action")
    actions.add_column("gas", justify="right")
    for name, gas in sorted(result["actions"].items()):
        actions.add_row(name, f"{gas:,}")
    console.print(actions)

    anchoring = Table(title="Anchoring: one Merkle root per transaction vs. one hash per transaction")
    for column in ("documents", "tx gas", "gas / document", "naive / ledger", "root (ms)", "proofs (ms)"):
        anchoring.add_column(column, justify="right")
    for size, run in sorted(result["anchor"].items(), key=lambda item: int(item[0])):
        anchoring.add_row(
            size, f"{run['gas']:,}", f"{run['per_document']:,.2f}", f"{result['naive_over_ledger'][size]:,.1f}x",
            f"{run['offchain_root_ms']:.2f}", f"{run['offchain_proofs_ms']:.2f}",
        )  # fmt: skip
    naive = result["naive_anchor"]
    anchoring.add_row("naive", "", f"{result['naive_anchor_per_document']:,}", "1.0x", "", "", style="dim")
    console.print(anchoring)
    console.print(f"naive: mean of {naive['transactions']} transactions, min {naive['min']:,}, max {naive['max']:,}")

    targets = Table(title="Targets")
    for column in ("target", "limit", "measured", "status"):
        targets.add_column(column, justify="left" if column == "target" else "right")
    for key, target in sorted(result["targets"].items()):
        measured = "-" if target["measured"] is None else f"{target['measured']:,}"
        style = {"pass": "green", "fail": "bold red"}.get(target["status"], "yellow")
        targets.add_row(key, f"≤ {target['limit']:,}", measured, f"[{style}]{target['status'].upper()}[/]")
    console.print(targets)

    if result["unmeasured_writes"]:
        console.print(f"[yellow]writes not measured: {', '.join(result['unmeasured_writes'])}[/]")
    failed = [(key, target) for key, target in sorted(result["targets"].items()) if target["status"] == "fail"]
    for key, target in failed:
        console.print(
            f"[bold red]TARGET FAILED[/] {key}: {target['description']}: measured {target['measured']:,} "
            f"({target['measured_as']}), limit {target['limit']:,}"
        )
    if not failed:
        console.print("[green]all measured targets pass[/]")


# ─── Main ───────────────────────────────────────────────────────────────────────────────────────────────────


def run(options: Options, progress: Progress, task: TaskID) -> dict[str, Any]:
    """The whole benchmark on a fresh chain; returns the result document."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="procledger-gas-") as scratch:
        settings = Settings(
            project_dir=PROJECT_DIR,
            data_dir=Path(scratch) / "data",
            chain_port=free_port(),
            rpc_url="",
            mnemonic=SecretStr(DEV_MNEMONIC),  # the dev chain funds these accounts, whatever the environment says
            deployer_key=None,
        )
        progress.update(task, description="compiling the ledger (if stale)")
        ensure_built(settings)
        config = CompilerConfig.from_ape_config(PROJECT_DIR)
        progress.update(task, description="compiling NaiveAnchor")
        naive_abi, naive_bytecode = compile_naive(config)
        anvil_binary = find_anvil(PROJECT_DIR)
        anvil = AnvilProcess(anvil_binary, settings.chain_port, settings.chain_state_file)
        progress.update(task, description="starting anvil")
        anvil.start()
        try:
            w3 = connect(anvil.rpc_url)
            progress.update(task, description="deploying the ledger")
            deployment = deploy(settings, w3)
            ledger = open_ledger(settings, w3)
            deployed = deployment.contracts[LEDGER]
            ledger_deploy_gas = int(w3.eth.get_transaction_receipt(HexStr(deployed.tx_hash))["gasUsed"])
            recorder = Recorder(ledger, progress, task)

            progress.update(task, description="setting up organisations and the budget line")
            budget_id = set_up_organisations_and_budget(settings, ledger)
            setup = harvest_setup_gas(w3, ledger, deployed.block_number + 1)
            for function, gases in setup.items():
                recorder.gas[function] = max(gases)  # e.g. five registrations: the dearest one
                recorder.functions.add(function)

            run_lifecycle(settings, ledger, budget_id, recorder)
            purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
            anchors = run_anchors(ledger, recorder, purchaser, options.batches)
            naive_deploy_gas, naive_gases = run_naive(
                w3, purchaser, naive_abi, naive_bytecode, options.naive_txs, recorder
            )
            chain_id = w3.eth.chain_id
        finally:
            anvil.stop()
        artifact = load_artifact(settings.artifacts_dir, LEDGER)
        env = environment(find_solc(PROJECT_DIR), anvil_binary, config, artifact.deployed_bytecode)

    naive_mean = statistics.fmean(naive_gases)
    naive_per_document = round(naive_mean)
    actions = dict(sorted(recorder.gas.items()))
    return {
        "actions": actions,
        "anchor_per_document": {str(size): math.ceil(run.per_document) for size, run in anchors.items()},
        "anchor": {
            str(size): {
                "documents": run.documents,
                "gas": run.gas,
                "per_document": round(run.per_document, 3),
                "offchain_root_ms": round(run.root_ms, 3),
                "offchain_proofs_ms": round(run.proofs_ms, 3),
                "verify_document_call_gas": run.verify_call_gas,
            }
            for size, run in anchors.items()
        },
        "naive_anchor_per_document": naive_per_document,
        "naive_anchor": {
            "contract": "scripts/bench/NaiveAnchor.sol",
            "transactions": len(naive_gases),
            "mean": round(naive_mean, 3),
            "min": min(naive_gases),
            "max": max(naive_gases),
        },
        "naive_over_ledger": {str(size): round(naive_mean / run.per_document, 2) for size, run in anchors.items()},
        "deployment_gas": {LEDGER: ledger_deploy_gas, "NaiveAnchor": naive_deploy_gas},
        "setup_transactions": {function: len(gases) for function, gases in sorted(setup.items())},
        "unmeasured_writes": unmeasured_writes(artifact.abi, recorder.functions),
        "targets": evaluate_targets(actions, anchors),
        "environment": {**env, "chain_id": chain_id},
        "notes": [
            "gas is gasUsed from the receipt: the whole transaction, 21,000 base and calldata included",
            "anchor_per_document is the anchoring transaction's gas divided by the batch size, rounded up; "
            "anchor[...].per_document is the exact quotient",
            "the set-up writes (registerOrganisation, addOrganisationAccount, registerOcidPrefix, approveBudget) are "
            "read back from the "
            "blocks set_up_organisations_and_budget produced; the largest of each kind is reported",
            "name_suffix entries are other paths of the same function; targets take the largest of the paths listed",
            "naive_anchor_per_document is the rounded mean over naive_anchor.transactions one-document transactions",
        ],
        "runtime_seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the JSON, print the summary; 0 unless the benchmark could not run."""
    options = parse_args(argv)
    console = Console(stderr=True)
    if not console.is_terminal:
        console.width = 120  # a log file gets readable tables, not 80 columns
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} tx"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        result = run(options, progress, task)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print_report(console, result)
    console.print(f"wrote {options.out} in {result['runtime_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
