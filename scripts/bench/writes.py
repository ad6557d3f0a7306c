"""Write benchmark: confirmed actions per second through the write gateway, against one web3.py `transact()` each.

`python scripts/bench/writes.py --actions N --out FILE` starts an in-memory anvil, deploys the ledger and seeds, in
batched `multicall`s (scripts/bench/seeding.py), one finance bureau, one purchaser and one supplier with single-source
contracts of 64 milestones each: some delivered (for the purchaser's acceptances), some delivered and accepted (for
the bureau's payments). Their signing keys go into keystores, as a gateway holds them.

Gateway run (measured): half the actions are payments (finance bureau), half milestone acceptances (purchaser),
interleaved. A producer accepts them through the gateway's accept, many at a time (`BulkAccept`: one pre-flight
`eth_call` per write, in JSON-RPC batches, on the pending state; queued and committed in the outbox together),
while the submitter runs beside it in a process of its own (`Submitter.run`: local signing, one `multicall` per
--batch-size writes of one organisation). The clock runs from the first write accepted to the last one
confirmed, read from the outbox (each write's created_at and the time it was marked confirmed); p50/p99 are each
write's accept-to-confirm time.

Naive run, first, on the same freshly seeded chain, same kind of mix: one web3.py
`contract.functions.f(...).transact()` per action (gas estimated, nonce fetched, signed locally by web3's
SignAndSendRaw middleware), then its receipt awaited, on --naive-actions actions (a sample: the naive path runs at
some tens of actions a second).

The JSON has actions, actions_per_s, naive_actions_per_s, ratio, p50/p99_accept_to_confirm_ms, transactions (how
many the gateway sent), the seconds of each step, targets (the issue's, at 20,000 actions), checks (every write
confirmed, none failed, the chain holding exactly one event per action) and the machine; exit 1 on a failed check.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3
from web3.middleware import SignAndSendRawMiddlewareBuilder

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.accounts import deployer_account  # noqa: E402
from ledger.chain.client import connect  # noqa: E402
from ledger.chain.keystore import Keystores, as_org_id  # noqa: E402
from ledger.chain.ledger_contract import (  # noqa: E402
    FINANCE_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    LedgerContract,
    organisation_id_of,
    process_id_of,
    reference,
    scoped_id,
)
from ledger.chain.setup import deploy, ensure_built, open_ledger  # noqa: E402
from ledger.errors import LedgerError  # noqa: E402
from ledger.gateway.accept import WriteGateway  # noqa: E402
from ledger.gateway.actions import PAYMENT, Action  # noqa: E402
from ledger.gateway.bulk_accept import BulkAccept  # noqa: E402
from ledger.gateway.contract_actions import ACCEPTANCE  # noqa: E402
from ledger.gateway.outbox import CONFIRMED, FAILED, state_counts  # noqa: E402
from ledger.gateway.submitter import Submitter  # noqa: E402
from ledger.settings import DEFAULT_BATCH_SIZE, Settings  # noqa: E402
from ledger.store.database import make_engine, upgrade_schema  # noqa: E402
from ledger.store.gateway_models import OutboxWrite  # noqa: E402
from scripts.bench.city import Seeder  # noqa: E402
from scripts.bench.gas import free_port  # noqa: E402
from scripts.bench.gas_lifecycle import document  # noqa: E402
from scripts.bench.seeding import _wait_for_a_quiet_chain, anvil, environment, print_verdicts  # noqa: E402

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "writes.json"
TARGET_ACTIONS, TARGET_PER_S, TARGET_RATIO = 20_000, 2_000.0, 20.0
MILESTONES_PER_CONTRACT = 64  # the ledger's MAX_MILESTONES
PAYMENTS_PER_MILESTONE = 16
MILESTONE_AMOUNT = 1_000_000  # fen; each payment pays 1
SINGLE_SOURCE, DELIVERY, ACCEPTED = 1, 0, 1  # the method and the milestone kinds, as the contract numbers them
PREFIX = "ocds-wb0001"
BUDGET_CODE = "2026-WRITES-BENCH"


@dataclass(frozen=True)
class Org:
    """A bench organisation with its one signing account (a public key derived from a label)."""

    registry_id: str
    role: bytes
    account: LocalAccount

    @property
    def org_id(self) -> bytes:
        """keccak256 of the registry id."""
        return organisation_id_of(self.registry_id)


def _org(registry_id: str, role: bytes) -> Org:
    key = Web3.keccak(text=f"procurement-ledger writes bench: {registry_id}")
    return Org(registry_id, role, Account.from_key(key))


FINANCE = _org("11330100WRITESFIN1", FINANCE_ROLE)
PURCHASER = _org("12330100WRITESPUR1", PURCHASER_ROLE)
SUPPLIER = _org("91330100WRITESSUP1", SUPPLIER_ROLE)


@dataclass(frozen=True)
class Write:
    """One action to take: which organisation, which gateway action, its body."""

    org: Org
    action: Action
    body: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """The contracts to seed and the actions of both runs."""

    to_accept: list[tuple[str, bytes]]  # (ocid, milestone id) delivered, for acceptances
    to_pay: list[tuple[str, bytes]]  # delivered and accepted, for payments
    measured: list[Write]
    naive: list[Write]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--actions", type=int, default=TARGET_ACTIONS, help="actions through the gateway")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default %(default)s)")
    parser.add_argument("--naive-actions", type=int, default=None, help="naive sample (default min(actions, 1000))")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="writes per multicall")
    parser.add_argument("--accept-chunk", type=int, default=250, help="writes accepted per BulkAccept call")
    parser.add_argument("--poll", type=float, default=0.01, help="seconds the submitter sleeps between rounds")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for every confirmation")
    options = parser.parse_args(argv)
    if options.naive_actions is None:
        options.naive_actions = min(options.actions, 1_000)
    if min(options.actions, options.naive_actions) < 2 or not 1 <= options.batch_size <= 1_000:
        parser.error("--actions and --naive-actions must be at least 2, --batch-size between 1 and 1000")
    return options


def plan(actions: int, naive: int) -> Plan:
    """Delivered milestones for every acceptance, accepted ones for the payments (16 each), and both mixes."""
    accepts, pays = actions - actions // 2 + naive - naive // 2, actions // 2 + naive // 2
    to_accept = _milestones("A", accepts)
    to_pay = _milestones("P", math.ceil(pays / PAYMENTS_PER_MILESTONE))
    acceptances = iter(to_accept)
    payments = (to_pay[i % len(to_pay)] for i in range(pays))

    def mix(count: int, run: str) -> list[Write]:
        writes = []
        for i in range(count):
            if i % 2:
                ocid, milestone = next(payments)
                body = {"ocid": ocid, "payment_ref": f"TV-{run}-{i}", "milestone_id": "0x" + milestone.hex(),
                        "amount": 1, "payee": SUPPLIER.account.address,
                        "voucher_sha256": "0x" + document(f"voucher {run} {i}").hex()}  # fmt: skip
                writes.append(Write(FINANCE, PAYMENT, body))
            else:
                ocid, milestone = next(acceptances)
                body = {"ocid": ocid, "milestone_id": "0x" + milestone.hex(),
                        "report_sha256": "0x" + document(f"acceptance {ocid} {milestone.hex()}").hex()}  # fmt: skip
                writes.append(Write(PURCHASER, ACCEPTANCE, body))
        return writes

    return Plan(to_accept, to_pay, mix(actions, "gateway"), mix(naive, "naive"))


def _milestones(kind: str, count: int) -> list[tuple[str, bytes]]:
    contracts = math.ceil(count / MILESTONES_PER_CONTRACT)
    every = [(f"{PREFIX}-{kind}{c:05d}", reference(f"{kind}{c:05d}/M{m}")) for c in range(contracts)
             for m in range(MILESTONES_PER_CONTRACT)]  # fmt: skip
    return every[:count] if kind == "A" else every


def seed(settings: Settings, ledger: LedgerContract, the_plan: Plan, status: Callable[[str], None]) -> int:
    """Organisations, budget, contracts and milestones for both runs, in batched multicalls; transactions sent."""
    s = Seeder(settings, ledger, status)
    e, admin = s.encode, deployer_account(settings)
    s.fund([FINANCE.account, PURCHASER.account, SUPPLIER.account])
    s.phase(
        "organisations",
        [
            (
                admin,
                "org",
                [e["registerOrganisation"](o.org_id, o.role), e["addOrganisationAccount"](o.org_id, o.account.address)],
            )
            for o in (FINANCE, PURCHASER, SUPPLIER)
        ],
    )
    s.phase("organisations", [(admin, "prefix", [e["registerOcidPrefix"](PURCHASER.org_id, PREFIX)])])
    line = scoped_id(FINANCE.org_id, reference(BUDGET_CODE))
    contracts = sorted({ocid for ocid, _ in the_plan.to_accept + the_plan.to_pay})
    value = MILESTONE_AMOUNT * MILESTONES_PER_CONTRACT
    s.phase("budget", [(FINANCE.account, "budget", [e["approveBudget"](reference(BUDGET_CODE), 2026,
             value * len(contracts), b"CNY", document("approval"), [PURCHASER.org_id])])])  # fmt: skip
    milestones: dict[str, list[bytes]] = {}
    for ocid, milestone in the_plan.to_accept + the_plan.to_pay:
        milestones.setdefault(ocid, []).append(milestone)
    signed = []
    for ocid in contracts:
        pid, ids = process_id_of(ocid), _all_milestones(ocid)
        signed.append((PURCHASER.account, "contract", [
            e["createProcess"](ocid, line, SINGLE_SOURCE, document(ocid), document(f"rationale {ocid}")),
            e["awardProcess"](pid, SUPPLIER.org_id, value, document(f"award {ocid}")),
            e["signContract"](pid, reference(f"CT-{ocid}"), value, document(f"contract {ocid}"), ids,
                              [MILESTONE_AMOUNT] * len(ids)),
        ]))  # fmt: skip
    s.phase("contracts", signed)
    s.phase(
        "deliveries",
        [
            (
                SUPPLIER.account,
                f"deliver{len(ids)}",
                [e["recordMilestone"](process_id_of(ocid), m, DELIVERY, document(f"delivery {m.hex()}")) for m in ids],
            )
            for ocid, ids in milestones.items()
        ],
    )
    paid = {ocid for ocid, _ in the_plan.to_pay}
    s.phase("acceptances", [(PURCHASER.account, f"accept{len(ids)}", [e["recordMilestone"](process_id_of(ocid), m,
             ACCEPTED, document(f"acceptance {m.hex()}")) for m in ids]) for ocid, ids in milestones.items()
             if ocid in paid])  # fmt: skip
    return s.transactions


def _all_milestones(ocid: str) -> list[bytes]:
    name = ocid.removeprefix(f"{PREFIX}-")
    return [reference(f"{name}/M{m}") for m in range(MILESTONES_PER_CONTRACT)]


def gateway_run(
    settings: Settings, ledger: LedgerContract, writes: list[Write], options: argparse.Namespace, progress: Progress
) -> dict[str, Any]:
    """Accept every write through the gateway while the submitter runs; figures read back from the outbox."""
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    bulk = BulkAccept(WriteGateway(ledger, Keystores.from_settings(settings)))
    # The submitter in a process of its own, as `procledger submit --follow` runs beside the API's workers: in a
    # thread it would share one interpreter lock with the accepting side.
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    submitter = context.Process(target=_submit, args=(settings, options.batch_size, options.poll, stop), daemon=True)
    accepted_task = progress.add_task("gateway: accepted", total=len(writes))
    confirmed_task = progress.add_task("gateway: confirmed", total=len(writes))
    started = time.perf_counter()
    submitter.start()
    refused = 0
    with Session(engine) as session:
        for org, action, chunk in _chunks(writes, options.accept_chunk):
            outcomes = bulk.accept(session, as_org_id(org.org_id), action, chunk)
            refused += sum(not hasattr(outcome, "state") for outcome in outcomes)
            progress.advance(accepted_task, len(chunk))
    accept_seconds = time.perf_counter() - started
    deadline = time.monotonic() + options.timeout
    while submitter.is_alive() and time.monotonic() < deadline:
        with Session(engine) as session:
            counts = state_counts(session)
        progress.update(confirmed_task, completed=counts.get(CONFIRMED, 0))
        if counts.get(CONFIRMED, 0) + counts.get(FAILED, 0) >= len(writes) - refused:
            break
        time.sleep(0.05)
    stop.set()
    submitter.join(timeout=30)
    errors = [] if submitter.exitcode == 0 else [f"the submitter process exited with {submitter.exitcode}"]
    with Session(engine) as session:
        rows = session.execute(select(OutboxWrite.created_at, OutboxWrite.updated_at, OutboxWrite.tx_hash,
                                      OutboxWrite.state)).all()  # fmt: skip
        counts = state_counts(session)
    engine.dispose()
    confirmed = [row for row in rows if row.state == CONFIRMED]
    latencies = sorted(_ms(row.updated_at, row.created_at) for row in confirmed)
    span = _ms(max(row.updated_at for row in confirmed), min(row.created_at for row in rows)) / 1_000
    return {
        "actions_per_s": round(len(confirmed) / span, 1), "seconds": round(span, 3),
        "accept_seconds": round(accept_seconds, 3), "accepted_per_s": round(len(writes) / accept_seconds, 1),
        "p50_accept_to_confirm_ms": round(_quantile(latencies, 0.5), 1),
        "p99_accept_to_confirm_ms": round(_quantile(latencies, 0.99), 1),
        "transactions": len({row.tx_hash for row in confirmed}), "states": counts, "refused_at_accept": refused,
        "submitter_errors": errors,
    }  # fmt: skip


def _submit(settings: Settings, batch_size: int, poll: float, stop: Any) -> None:
    """Run a submitter over the bench's outbox and chain until `stop` is set (in the child process)."""
    engine = make_engine(settings.database_url)
    ledger = open_ledger(settings, connect(settings.rpc_url))
    keystores = Keystores.from_settings(settings)
    submitter = Submitter(engine, ledger, keystores, settings.confirmations, 3 * settings.tx_timeout, batch_size)
    profile_to = os.environ.get("BENCH_PROFILE")  # a file for the submitter's cProfile stats (pstats format)
    if profile_to:
        profiler = cProfile.Profile()
        profiler.runcall(submitter.run, stop, poll)
        profiler.dump_stats(profile_to)
    else:
        submitter.run(stop, poll)
    engine.dispose()


def _chunks(writes: list[Write], size: int) -> Iterator[tuple[Org, Action, list[tuple[str, dict[str, Any]]]]]:
    """The writes in chunks of one organisation and action, interleaved as they come."""
    pending: dict[str, list[Write]] = {}
    for write in writes:
        group = pending.setdefault(write.action.name, [])
        group.append(write)
        if len(group) == size:
            yield group[0].org, group[0].action, [(uuid.uuid4().hex, w.body) for w in group]
            group.clear()
    for group in pending.values():
        if group:
            yield group[0].org, group[0].action, [(uuid.uuid4().hex, w.body) for w in group]


def naive_run(url: str, ledger: LedgerContract, writes: list[Write], progress: Progress) -> dict[str, Any]:
    """One web3.py transact() per action, signed locally by web3's middleware, its receipt awaited."""
    w3 = connect(url)
    w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build([FINANCE.account, PURCHASER.account]), layer=0)
    contract = w3.eth.contract(address=ledger.address, abi=ledger.contract.abi)
    task = progress.add_task("naive: transact()", total=len(writes))
    failed = 0
    started = time.perf_counter()
    for write in writes:
        arguments = write.action.arguments(write.body)
        tx_hash = contract.functions[write.action.function](*arguments).transact({"from": write.org.account.address})
        failed += w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.01)["status"] != 1
        progress.advance(task)
    seconds = time.perf_counter() - started
    return {"naive_actions_per_s": round(len(writes) / seconds, 1), "seconds": round(seconds, 3), "failed": failed}


def events_since(ledger: LedgerContract, block: int) -> dict[str, int]:
    """PaymentRecorded and MilestoneAccepted events from `block` on."""
    events = ledger.contract.events
    return {
        "payments": len(events.PaymentRecorded.get_logs(from_block=block)),
        "acceptances": len(events.MilestoneAccepted.get_logs(from_block=block)),
    }


def run(options: argparse.Namespace, console: Console) -> dict[str, Any]:
    """Seed, then the gateway run and the naive run; the result record."""
    the_plan = plan(options.actions, options.naive_actions)
    seconds: dict[str, float] = {}
    load: dict[str, float] = {}  # the 1-minute load average before each run: other work on the machine
    with tempfile.TemporaryDirectory(prefix="writes-bench-") as scratch:
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=Path(scratch) / "data", chain_port=free_port(), rpc_url="",
            database_url=f"sqlite:///{Path(scratch) / 'outbox.sqlite3'}", confirmations=0,
            keystore_passphrase=SecretStr(uuid.uuid4().hex), keystore_scrypt_n=1024,
        )  # fmt: skip
        ensure_built(settings)
        keystores = Keystores.from_settings(settings)
        for org in (FINANCE, PURCHASER):
            keystores.import_key(as_org_id(org.org_id), org.account.key.hex(), org.registry_id.lower())
        with anvil(settings.chain_port, Path(scratch) / "anvil.log", 2) as url:
            w3 = connect(url, timeout=120)
            started = time.perf_counter()
            console.log("seeding: deploying the ledger")
            deploy(settings, w3)
            ledger = open_ledger(settings, w3)
            shown = {"step": ""}

            def status(message: str) -> None:
                if message.split(":")[0] != shown["step"]:
                    shown["step"] = message.split(":")[0]
                    console.log(message)

            seed_transactions = seed(settings, ledger, the_plan, status)
            seconds["seeding"] = time.perf_counter() - started
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                # The naive run first, on the freshly seeded chain: later, on a chain 20,000 writes longer, it ran
                # slower here (13 against 40 actions/s), which would flatter the ratio.
                naive_first = int(w3.eth.block_number) + 1
                load["naive"] = os.getloadavg()[0]
                naive = naive_run(url, ledger, the_plan.naive, progress)
                naive_on_chain = events_since(ledger, naive_first)
                # Anvil goes on mining empty blocks for a while after a burst: the gateway run starts on a quiet one.
                _wait_for_a_quiet_chain(w3, status, "gateway")
                first = int(w3.eth.block_number) + 1
                load["gateway"] = os.getloadavg()[0]
                gateway = gateway_run(settings, ledger, the_plan.measured, options, progress)
                on_chain = events_since(ledger, first)
    seconds["gateway"], seconds["naive"] = gateway.pop("seconds"), naive.pop("seconds")
    result = _result(options, gateway, naive, on_chain, naive_on_chain, seed_transactions, seconds)
    return {**result, "load_average_before": load}


def _result(
    options: argparse.Namespace,
    gateway: dict[str, Any],
    naive: dict[str, Any],
    on_chain: dict[str, int],
    naive_on_chain: dict[str, int],
    seed_transactions: int,
    seconds: dict[str, float],
) -> dict[str, Any]:
    n, m = options.actions, options.naive_actions
    ratio = round(gateway["actions_per_s"] / naive["naive_actions_per_s"], 1)
    at_size = n >= TARGET_ACTIONS
    targets = {
        "actions_per_s": _target(gateway["actions_per_s"], TARGET_PER_S, at_size),
        "ratio": _target(ratio, TARGET_RATIO, at_size),
    }
    checks = {
        "every_write_confirmed": gateway["states"] == {CONFIRMED: n},
        "none_refused_at_accept": gateway["refused_at_accept"] == 0,
        "submitter_never_crashed": not gateway["submitter_errors"],
        "chain_holds_each_action_once": on_chain == {"payments": n // 2, "acceptances": n - n // 2},
        "naive_all_succeeded": naive["failed"] == 0,
        "naive_chain_holds_each_action_once": naive_on_chain == {"payments": m // 2, "acceptances": m - m // 2},
    }
    return {
        "actions": n, "actions_per_s": gateway["actions_per_s"], "naive_actions": m,
        "naive_actions_per_s": naive["naive_actions_per_s"], "ratio": ratio,
        "p50_accept_to_confirm_ms": gateway["p50_accept_to_confirm_ms"],
        "p99_accept_to_confirm_ms": gateway["p99_accept_to_confirm_ms"],
        "accepted_per_s": gateway["accepted_per_s"], "transactions": gateway["transactions"],
        "actions_per_transaction": round(n / max(1, gateway["transactions"]), 1),
        "mix": {"payments": n // 2, "acceptances": n - n // 2}, "batch_size": options.batch_size,
        "accept_chunk": options.accept_chunk, "anvil": "in memory, automine, default block gas limit",
        "database": "sqlite", "seed_transactions": seed_transactions, "states": gateway["states"],
        "submitter_errors": gateway["submitter_errors"],
        "seconds": {key: round(value, 2) for key, value in seconds.items()},
        "targets": targets, "checks": checks, "environment": environment(),
    }  # fmt: skip


def _target(measured: float, limit: float, at_size: bool) -> dict[str, Any]:
    status = ("pass" if measured >= limit else "fail") if at_size else "not measured"
    return {"measured": measured, "limit": limit, "status": status, "at_actions": TARGET_ACTIONS}


def _ms(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() * 1_000


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the JSON, print the summary; 1 when a correctness check fails, else 0."""
    options = parse_args(argv)
    console = Console(stderr=True)
    started = time.perf_counter()
    try:
        result = run(options, console)
    except LedgerError as error:
        console.print(f"[bold red]error:[/] {error}")
        return 1
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    console.print(
        f"{result['actions']:,} actions: {result['actions_per_s']:,} confirmed/s through the gateway "
        f"({result['transactions']} transactions), naive {result['naive_actions_per_s']:,}/s, ratio "
        f"{result['ratio']}x, p99 accept→confirm {result['p99_accept_to_confirm_ms']:,} ms"
    )
    return print_verdicts(console, result, options.out, time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
