"""OCDS import benchmark: releases per second through `procledger ocds import`, against one anchor transaction per
release, and the import's peak memory.

`python scripts/bench/ocds_import.py --releases N --out FILE` writes a release package of N releases (the
standard's six fictional releases, planning → implementation, under N/6 ocids, each listing its documents) into a
scratch directory, starts an in-memory anvil and deploys the ledger. Then:

- measured: `procledger ocds import FILE` in a subprocess, as a user runs it right after deploy (it registers the
  publisher organisation itself): streamed reading, the document store, batched Merkle roots, the submitter's
  multicalls, waiting for confirmation. The clock runs from start to exit; peak memory is the import process's max RSS.
- re-import: the same command again; the chain must not move (no block, no transaction).
- naive, on the same chain, on --naive-releases releases: the whole file loaded with json.load, and per release
  its SHA-256 (json.dumps with sorted keys) anchored alone with web3.py's `transact()` and its receipt awaited.

The JSON has releases, releases_per_s, naive_releases_per_s, ratio, peak_memory_bytes, transactions (sent by the
import), reimport_peak_memory_bytes (reading and checking alone: nothing to sign), file_bytes, the seconds of each
step, checks (every release imported, the re-import imported and sent nothing) and the machine; exit 1 on a failed
check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from web3 import Web3
from web3.middleware import SignAndSendRawMiddlewareBuilder

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.accounts import deployer_account, derive_account  # noqa: E402
from ledger.chain.client import connect  # noqa: E402
from ledger.chain.ledger_contract import PUBLISHER_ROLE, ZERO_HASH, organisation_id_of  # noqa: E402
from ledger.chain.setup import deploy, ensure_built, open_ledger  # noqa: E402
from ledger.settings import Settings  # noqa: E402
from scripts.bench.gas import free_port  # noqa: E402
from scripts.bench.seeding import anvil, environment  # noqa: E402

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "ocds_import.json"
FICTIONAL = PROJECT_DIR / "tests" / "assets" / "ocds" / "fictional-1.1"
TARGET_RELEASES = 10_000
NAIVE_PUBLISHER = "BENCH-NAIVE-OCDS-PUBLISHER"
NAIVE_ACCOUNT_INDEX = 8  # the import's publisher takes 7
# Linux keeps a process's peak memory across exec, so a child forked from a large process (this one, or pytest)
# starts with its parent's peak on record: the import runs under a small Python that forks it, waits for it and
# writes the import's own max RSS (KiB) to the file named first.
MEASURED = (
    "import os, subprocess, sys; child = subprocess.Popen(sys.argv[2:]); _, status, usage = os.wait4(child.pid, 0); "
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss)); sys.exit(os.waitstatus_to_exitcode(status))"
)
_SUMMARY = re.compile(r"summary: (\d+) imported, (\d+) already imported, (\d+) skipped; .*; (\d+) transaction")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--releases", type=int, default=TARGET_RELEASES, help="releases to import (default: 10,000)")
    parser.add_argument("--naive-releases", type=int, default=200, help="releases the naive way anchors (a sample)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default %(default)s)")
    return parser.parse_args(argv)


def write_package(path: Path, count: int) -> list[dict[str, Any]]:
    """A release package of `count` releases built from the fictional example; returns the releases."""
    examples = [json.loads(file.read_text())["releases"][0] for file in sorted(FICTIONAL.glob("*-0*.json"))]
    package = json.loads(sorted(FICTIONAL.glob("*-01-planning.json"))[0].read_text())
    releases = []
    for index in range(count):
        release = json.loads(json.dumps(examples[index % len(examples)]))
        ocid = f"ocds-213czf-bench-{index // len(examples):06d}"
        release["ocid"], release["id"] = ocid, f"{ocid}-{index % len(examples) + 1:02d}"
        releases.append(release)
    package["releases"] = releases
    path.write_text(json.dumps(package, ensure_ascii=False))
    return releases


def chain_activity(w3: Web3) -> tuple[int, int]:
    """The head block and the transactions in all blocks up to it."""
    head = w3.eth.block_number
    return head, sum(w3.eth.get_block_transaction_count(number) for number in range(head + 1))


def run_import(settings: Settings, file: Path) -> tuple[float, dict[str, int], int]:
    """`procledger ocds import FILE` in a subprocess: seconds, the summary's counts and its peak memory (bytes)."""
    env = {
        **os.environ, "PROCLEDGER_DATA_DIR": str(settings.data_dir), "PROCLEDGER_CHAIN_PORT": str(settings.chain_port),
        "COLUMNS": "200",
    }  # fmt: skip
    output, peak_file = file.with_suffix(".out"), file.with_suffix(".peak")
    command = [sys.executable, "-c", "from ledger.cli import main; main()", "ocds", "import", str(file)]
    started = time.monotonic()
    with output.open("w") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", MEASURED, str(peak_file), *command], env=env, cwd=PROJECT_DIR, stdout=stdout,
            check=False,
        )  # fmt: skip
    seconds = time.monotonic() - started
    text = output.read_text()
    match = _SUMMARY.search(text)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"the import failed (exit {done.returncode}): {text[-2000:]}")
    imported, already, skipped, sent = map(int, match.groups())
    counts = {"imported": imported, "already": already, "skipped": skipped, "transactions": sent}
    return seconds, counts, int(peak_file.read_text()) * 1024


def run_naive(settings: Settings, w3: Web3, file: Path, count: int, console: Console) -> float:
    """One anchorDocuments transaction per release through web3.py's transact(); returns seconds."""
    ledger = open_ledger(settings, w3)
    admin = ledger.sender(deployer_account(settings))
    account = derive_account(settings, NAIVE_ACCOUNT_INDEX)
    org = organisation_id_of(NAIVE_PUBLISHER)
    ledger.send(admin, "registerOrganisation", org, PUBLISHER_ROLE)
    ledger.send(admin, "addOrganisationAccount", org, account.address)
    w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(account), layer=0)
    contract = ledger.contract
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    started = time.monotonic()
    releases = json.loads(file.read_text())["releases"][:count]  # the whole file in memory: the naive way
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("naive: one anchor transaction per release", total=len(releases))
        for release in releases:
            digest = hashlib.sha256(json.dumps(release, sort_keys=True).encode()).digest()
            tx = contract.functions.anchorDocuments(digest, 1, ZERO_HASH).transact({"from": account.address})
            w3.eth.wait_for_transaction_receipt(tx, timeout=settings.tx_timeout)
            progress.advance(task)
    return time.monotonic() - started


def main(argv: Sequence[str] | None = None) -> int:
    """Run both ways and write the JSON; exit 1 on a failed check."""
    options = parse_args(argv)
    console = Console(stderr=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ocds-import-bench-") as scratch:
        folder = Path(scratch)
        port = free_port()
        settings = Settings(project_dir=PROJECT_DIR, data_dir=folder / "data", chain_port=port)
        file = folder / "releases.json"
        write_package(file, options.releases)
        file_bytes = file.stat().st_size
        ensure_built(settings)
        with anvil(port, folder / "anvil.log", accounts=16) as rpc_url:
            w3 = connect(rpc_url)
            deploy(settings, w3)
            console.print(f"importing {options.releases:,} releases ({file.stat().st_size:,} bytes)…")
            seconds, counts, peak = run_import(settings, file)
            before = chain_activity(w3)
            again_seconds, again, again_peak = run_import(settings, file)
            unmoved = chain_activity(w3) == before
            naive_count = min(options.naive_releases, options.releases)
            naive_seconds = run_naive(settings, w3, file, naive_count, console)
    per_s = options.releases / seconds
    naive_per_s = naive_count / naive_seconds
    result = {
        "releases": options.releases, "releases_per_s": round(per_s, 1),
        "naive_releases": naive_count, "naive_releases_per_s": round(naive_per_s, 1),
        "ratio": round(per_s / naive_per_s, 2), "peak_memory_bytes": peak,
        "reimport_peak_memory_bytes": again_peak, "transactions": counts["transactions"],
        "file_bytes": file_bytes,
        "seconds": {
            "import": round(seconds, 2), "reimport": round(again_seconds, 2), "naive": round(naive_seconds, 2),
        },
        "how": {
            "import": "`procledger ocds import FILE` in a subprocess right after deploy, until all is confirmed",
            "peak_memory": "max RSS of the import's process; it includes the ~256 MiB scrypt (n = 2**18) takes to "
            "open the publisher's keystore once, which the re-import (nothing to sign) does not",
            "naive": "json.load of the whole file, then one anchorDocuments transact() per release, receipt awaited",
        },
        "checks": {
            "every_release_imported": counts["imported"] == options.releases and counts["skipped"] == 0,
            "reimport_imported_nothing": again["imported"] == 0 and again["already"] == options.releases,
            "reimport_sent_no_transaction": again["transactions"] == 0 and unmoved,
        },
        "environment": environment(),
    }  # fmt: skip
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(
        f"{options.releases:,} releases in {seconds:.1f} s: {per_s:,.1f} releases/s (naive {naive_per_s:,.1f}/s, "
        f"{result['ratio']}x), peak memory {peak / 2**20:,.0f} MiB, {counts['transactions']} transaction(s)"
    )
    for key in [key for key, ok in result["checks"].items() if not ok]:
        console.print(f"[bold red]CHECK FAILED[/] {key}")
    console.print(f"wrote {options.out} in {time.monotonic() - began:.1f} s")
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
