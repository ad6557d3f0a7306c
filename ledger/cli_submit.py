"""`procledger submit [--follow]`: take the outbox's accepted writes to the chain, signed with the organisations'
keystores; and the submitter `procledger up` runs beside the API."""

from __future__ import annotations

import contextlib
import threading
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.setup import open_ledger
from ledger.gateway.submitter import Submitter, submit_until_settled
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine, upgrade_schema

console = Console(stderr=True)


def build_submitter(settings: Settings, w3: Web3, engine: Engine) -> Submitter:
    """The submitter over this database and chain; a write not seen by the node for 3 receipt timeouts is resent,
    and writes in blocks the chain lost (up to the deepest reorganisation the indexer takes) are looked up again."""
    return Submitter(
        engine, open_ledger(settings, w3), Keystores.from_settings(settings), settings.confirmations,
        resend_after=3 * settings.tx_timeout, batch_size=settings.batch_size,
        watch_depth=settings.max_reorg_depth,
    )  # fmt: skip


def submit(
    follow: Annotated[bool, typer.Option("--follow", help="keep submitting new writes until Ctrl-C")] = False,
) -> None:
    """Sign and send the accepted writes, and follow them to confirmation (or a decoded failure)."""
    settings = settings_from_environment()
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    submitter = build_submitter(settings, connect(settings.rpc_url), engine)
    with console.status("Submitting accepted writes…"):
        submit_until_settled(submitter, settings.tx_timeout, settings.poll_interval)
    counts = submitter.counts()
    console.print(
        "outbox: " + ", ".join(f"{count} {state}" for state, count in counts.items()) if counts else "outbox: empty"
    )
    if follow:
        console.print("submitting new writes as they are accepted; Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            submitter.run(threading.Event(), settings.poll_interval)
