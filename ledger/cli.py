"""`procledger`: build, run and inspect the ledger from the command line."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ledger.chain.anvil import AnvilProcess, port_is_open
from ledger.chain.client import connect
from ledger.chain.compile import CompilerConfig
from ledger.chain.setup import deploy as deploy_contracts
from ledger.chain.setup import ensure_built, ensure_deployed, open_ledger
from ledger.chain.toolchain import find_anvil, find_solc, link_bridge_for_ape
from ledger.cli_accept import accept
from ledger.cli_anchor import anchor
from ledger.cli_bids import bid_app
from ledger.cli_keys import keys_app
from ledger.cli_ocds import ocds_app
from ledger.cli_pay import pay
from ledger.cli_proofs import proof_app
from ledger.cli_submit import build_submitter, submit
from ledger.cli_supplier_acts import complain, deliver
from ledger.cli_tokens import show_demo_access, tokens_app
from ledger.cli_verify import audit, audit_report, print_audit, verify_app
from ledger.demo import load_demo_data
from ledger.demo_access import relayer_address, set_up_demo_access
from ledger.errors import ConfigurationError, LedgerError
from ledger.indexer.runner import CatchUpResult, Indexer, build_indexer
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine, upgrade_schema

app = typer.Typer(help="A blockchain-backed transparency ledger for public procurement.", no_args_is_help=True)
app.add_typer(proof_app, name="proof")
app.add_typer(keys_app, name="keys")
app.add_typer(tokens_app, name="tokens")
app.command("submit")(submit)
app.command("pay")(pay)
app.command("accept")(accept)
app.command("anchor")(anchor)
app.add_typer(bid_app, name="bid")
app.command("complain")(complain)
app.command("deliver")(deliver)
console = Console(stderr=True)
log = logging.getLogger("procledger")
app.add_typer(verify_app, name="verify")
app.add_typer(ocds_app, name="ocds")
app.command()(audit)


def main() -> None:
    """Entry point: run a command and turn the ledger's errors into a message and exit code 1."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=console)])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per poll of a remote gateway's write
    try:
        app()
    except LedgerError as error:
        # As text, not markup (a message may hold brackets); unwrapped, so it can be copied whole.
        console.print(Text.assemble(("error:", "bold red"), " ", str(error)), soft_wrap=True)
        sys.exit(1)


_settings = settings_from_environment


def _check_api_port_free(settings: Settings) -> None:
    if port_is_open(settings.api_port, settings.api_host):
        raise ConfigurationError(
            f"port {settings.api_port} on {settings.api_host} is already in use (another `procledger serve`?); "
            "stop what listens there or choose another port with PROCLEDGER_API_PORT"
        )


@contextmanager
def _step(message: str) -> Iterator[None]:
    with console.status(message):
        yield


@app.command()
def config(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print the effective settings (environment prefix PROCLEDGER_), with secrets masked."""
    shown = _settings().masked()
    if as_json:
        print(json.dumps(shown, indent=2))
        return
    table = Table("setting", "value", "environment variable", title="procurement-ledger settings")
    for name, value in shown.items():
        table.add_row(name, str(value), f"PROCLEDGER_{name.upper()}")
    Console().print(table)


@app.command()
def toolchain() -> None:
    """Show which compiler and chain binary are used, and expose the solc bridge to ape-solidity."""
    settings = _settings()
    version = CompilerConfig.from_ape_config(settings.project_dir).version
    console.print(f"solc:  {find_solc(settings.project_dir)} (ape-config.yaml pins {version})")
    console.print(f"anvil: {find_anvil(settings.project_dir)}")
    linked = link_bridge_for_ape(version)
    if linked:
        console.print(f"linked {linked} to the solc-js bridge, for `ape compile`")


@app.command()
def build(
    force: Annotated[bool, typer.Option(help="compile even when the artifacts are current")] = False,
) -> None:
    """Compile contracts/ into ABI and bytecode artifacts under build/contracts/."""
    settings = _settings()
    with _step("Compiling contracts…"):
        compiled = ensure_built(settings, force=force)
    state = "compiled" if compiled else "already current"
    console.print(f"artifacts {state}: {settings.artifacts_dir}")


@app.command()
def chain() -> None:
    """Run the embedded anvil chain in the foreground, with its state kept in the data directory."""
    settings = _settings()
    anvil = AnvilProcess(find_anvil(settings.project_dir), settings.chain_port, settings.chain_state_file)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C at any moment, even while anvil starts, stops it
            anvil.start()
            console.print(f"chain running at {anvil.rpc_url}, state in {anvil.state_file}; Ctrl-C stops it")
            threading.Event().wait()
    finally:
        anvil.stop()
    console.print("chain stopped; its state is saved")


@app.command()
def deploy(
    force: Annotated[bool, typer.Option(help="deploy again even when a live deployment is recorded")] = False,
) -> None:
    """Deploy the contracts and record their addresses and deployment block in the data directory."""
    settings = _settings()
    ensure_built(settings)
    w3 = connect(settings.rpc_url)
    with _step("Deploying contracts…"):
        if force:
            deployment, fresh = deploy_contracts(settings, w3), True
        else:
            deployment, fresh = ensure_deployed(settings, w3)
    for name, contract in deployment.contracts.items():
        what = "deployed" if fresh else "already deployed"
        console.print(f"{name} {what} at {contract.address} (block {contract.block_number})")
    console.print(f"recorded in {settings.deployment_file}")


@app.command()
def seed() -> None:
    """Load the demo processes and their documents (skipping what is already on chain and in the store)."""
    settings = _settings()
    contract = open_ledger(settings, connect(settings.rpc_url))
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    with _step("Recording demo processes…"):
        created = load_demo_data(settings, contract, engine)
    console.print(f"{created} demo process(es) created")
    with _step("Encrypting the demo organisations' keys…"):
        access = set_up_demo_access(settings, engine)
    show_demo_access(access, relayer_address(settings))


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = _settings()
    upgrade_schema(make_engine(settings.database_url))
    console.print("database schema is current")


def _indexer(settings: Settings) -> Indexer:
    w3 = connect(settings.rpc_url)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    return build_indexer(settings, w3, engine)


def _catch_up_with_progress(indexer: Indexer) -> CatchUpResult:
    columns = (
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("blocks · {task.fields[blocks_per_s]:,.0f} blocks/s · {task.fields[events_per_s]:,.0f} events/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("index", total=None, blocks_per_s=0.0, events_per_s=0.0)
        started = time.monotonic()

        def report(first: int, done: int, target: int, events: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            blocks = done - first + 1
            progress.update(
                task,
                completed=blocks,
                total=target - first + 1,
                blocks_per_s=blocks / elapsed,
                events_per_s=events / elapsed,
            )

        return indexer.catch_up(on_progress=report)


@app.command()
def index(
    follow: Annotated[bool, typer.Option("--follow", help="keep following new blocks until Ctrl-C")] = False,
) -> None:
    """Mirror the chain's events into the database up to the confirmed head, then exit (or follow)."""
    settings = _settings()
    indexer = _indexer(settings)
    result = _catch_up_with_progress(indexer)
    console.print(_done("indexed", result))
    if follow:
        console.print("following new blocks; Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            indexer.follow(threading.Event(), settings.poll_interval)


def _done(verb: str, result: CatchUpResult) -> str:
    if result.to_block < result.from_block:  # nothing new: the checkpoint already was at the confirmed head
        return f"already up to date at block {result.to_block}"
    return f"{verb} blocks {result.from_block}-{result.to_block}: {result.events} event(s)"


@app.command()
def reindex() -> None:
    """Drop what was mirrored from this chain and rebuild it from the deployment block."""
    settings = _settings()
    indexer = _indexer(settings)
    with _step("Comparing the mirror with the chain…"):
        report = audit_report(settings, None)
    print_audit(report)
    if report.consistent:
        console.print("the mirror matches the chain; rebuilding it anyway")
    else:
        console.print(f"about to repair {len(report.differences)} difference(s) listed above, from the chain")
    indexer.reset()
    result = _catch_up_with_progress(indexer)
    console.print(_done("rebuilt", result))


@app.command()
def serve(
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="server processes (default PROCLEDGER_API_WORKERS, 1)")
    ] = None,
) -> None:
    """Serve the API and web page over the mirror."""
    settings = _settings()
    if workers is not None:
        settings = settings.model_copy(update={"api_workers": workers})
    _check_api_port_free(settings)
    upgrade_schema(make_engine(settings.database_url))
    _serve(settings)


API_APP = "api.app:create_app_from_environment"
"""The ASGI app `serve` and `up` run, named by import string for uvicorn to import: the API depends on the ledger,
never the reverse (import-linter's first contract in pyproject.toml)."""


def _serve(settings: Settings) -> None:
    """Serve API_APP from `settings.api_workers` processes; each builds the app from the environment this one read."""
    import uvicorn

    workers = settings.api_workers
    processes = f" with {workers} worker processes" if workers > 1 else ""
    console.print(f"[bold green]serving[/] http://{settings.api_host}:{settings.api_port}{processes}  (Ctrl-C stops)")
    uvicorn.run(
        API_APP, factory=True, host=settings.api_host, port=settings.api_port, workers=workers, log_level="warning"
    )


@app.command()
def up() -> None:
    """Start everything: chain, contracts, demo data, indexer and API. Ctrl-C stops it all, keeping the data."""
    settings = _settings()
    _check_api_port_free(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _step("Compiling contracts…"):
        ensure_built(settings)
    anvil = None
    if settings.uses_embedded_chain and not port_is_open(settings.chain_port):
        anvil = AnvilProcess(find_anvil(settings.project_dir), settings.chain_port, settings.chain_state_file)
        with _step("Starting the chain…"):
            anvil.start()
        console.print(f"chain at {anvil.rpc_url} (state in {anvil.state_file})")
    else:
        console.print(f"using the chain already running at {settings.rpc_url}")
    stop = threading.Event()
    follower: threading.Thread | None = None
    try:
        w3 = connect(settings.rpc_url)
        with _step("Deploying contracts…"):
            _, fresh = ensure_deployed(settings, w3)
        console.print(f"contracts {'deployed' if fresh else 'reused'} (recorded in {settings.deployment_file})")
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        with _step("Loading demo data…"):
            created = load_demo_data(settings, open_ledger(settings, w3), engine)
        console.print(f"demo data: {created} new process(es)")
        with _step("Encrypting the demo organisations' keys…"):
            access = set_up_demo_access(settings, engine)
        show_demo_access(access, relayer_address(settings))
        indexer = build_indexer(settings, w3, engine)
        result = _catch_up_with_progress(indexer)
        console.print(f"indexed up to block {result.to_block} into {settings.database_url.split('///')[-1]}")
        follower = threading.Thread(target=_follow, args=(indexer, stop, settings.poll_interval), daemon=True)
        follower.start()
        submitter = threading.Thread(
            target=build_submitter(settings, w3, engine).run, args=(stop, settings.poll_interval), daemon=True
        )
        submitter.start()
        _serve(settings)
    finally:
        stop.set()
        if follower is not None:
            follower.join(timeout=10)
        if anvil is not None:
            anvil.stop()
        console.print("stopped; chain state and database are kept in " + str(settings.data_dir))


def _follow(indexer: Indexer, stop: threading.Event, poll_interval: float) -> None:
    try:
        indexer.follow(stop, poll_interval)
    except LedgerError as error:
        log.error("indexer stopped: %s", error)
