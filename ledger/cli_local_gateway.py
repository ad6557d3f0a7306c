"""The supplier commands' way to the chain: the same local outbox, pre-flight and submitter as the API's.

A command names its write by an idempotency key it derives from what it records, so running it again finds the
write it queued before instead of signing a second one; then it submits and waits for the write to settle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.setup import open_ledger
from ledger.cli_submit import build_submitter
from ledger.errors import ContractRevertError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.actions import Action
from ledger.gateway.outbox import FAILED, WriteView, find_keyed, find_write
from ledger.gateway.submitter import submit_until_settled
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema

console = Console(stderr=True)


@dataclass(frozen=True)
class LocalGateway:
    """The outbox database, the chain and the keystores of this data directory."""

    settings: Settings
    engine: Engine
    w3: Web3
    ledger: LedgerContract
    keystores: Keystores

    @classmethod
    def open(cls, settings: Settings) -> LocalGateway:
        """Connect to the configured database (migrated) and chain."""
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        w3 = connect(settings.rpc_url)
        return cls(settings, engine, w3, open_ledger(settings, w3), Keystores.from_settings(settings))

    def record(
        self, org_id: str, action: Action, key: str, body: Callable[[], Mapping[str, Any]], checking: str
    ) -> WriteView:
        """Queue the write `body()` makes under `key` (unless one is queued already), submit it, and return it
        settled; a refusal when mined raises the decoded ContractRevertError."""
        gateway = WriteGateway(self.ledger, self.keystores)
        with Session(self.engine) as session:
            write = find_keyed(session, org_id, key)
            if write is None:
                with console.status(checking):
                    write, _ = gateway.accept(session, org_id, action, body(), key)
                console.print(f"write {write.id} queued ({action.name})")
            else:
                console.print(f"write {write.id} already accepted ({action.name}, {write.state})")
        with console.status("Submitting and waiting for confirmation…"):
            submitter = build_submitter(self.settings, self.w3, self.engine)
            submit_until_settled(submitter, self.settings.tx_timeout, self.settings.poll_interval)
        with Session(self.engine) as session:
            done = find_write(session, write.id, org_id)
        self.engine.dispose()
        if done.state == FAILED and done.error is not None:  # refused when mined: the state moved after the check
            raise ContractRevertError(done.error["name"], done.error["args"], action.function)
        return done
