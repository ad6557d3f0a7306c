"""The flow every user write command shares (`procledger pay`, `procledger accept`, …): keep the document, have the
write accepted, follow it to the chain, and print what was recorded and the evidence.

Locally, the document goes into the document store, the write into this data directory's outbox (checked against
the contract as the organisation's keystore account), and the submitter takes it to the chain. With a remote
gateway (`--gateway URL --token …`, or PROCLEDGER_GATEWAY_URL / PROCLEDGER_GATEWAY_TOKEN), the write is posted to
it and followed by GET /writes/{id}; the document stays here, and only its SHA-256 is sent. Either way the
idempotency key derives from what is recorded, so running the same command again returns the same write.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import reference
from ledger.chain.setup import open_ledger
from ledger.cli_keys import resolve_org
from ledger.cli_submit import build_submitter
from ledger.errors import ConfigurationError, ContractRevertError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.actions import Action
from ledger.gateway.outbox import FAILED, find_write
from ledger.gateway.remote import RemoteGateway
from ledger.gateway.submitter import submit_until_settled
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore

console = Console(stderr=True)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="the organisation writing: its id or keystore label (local mode; remote: the token's)"),
]
GatewayOption = Annotated[
    str | None,
    typer.Option(
        "--gateway", help="a remote write gateway's URL; default PROCLEDGER_GATEWAY_URL, unset writes locally"
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", help="your organisation's API token for --gateway; default PROCLEDGER_GATEWAY_TOKEN"),
]
_HASH32 = re.compile(r"0x[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class UserWrite:
    """One write a command records: the action, its gateway endpoint, and its body but for the document's hash."""

    action: Action
    path: str
    body: dict[str, Any]
    key: str
    what: str  # how the result line names it, e.g. "payment TV-2026-000188"
    evidence: str  # what the accepted line adds, e.g. "payment id 0x…"
    document: Path
    document_field: str  # the body field the document's SHA-256 goes in, e.g. voucher_sha256
    document_title: str


def milestone_id_of(milestone: str) -> str:
    """A milestone's on-chain id, given as such (0x…) or as its reference (e.g. CT-2026-0002/Q2)."""
    if _HASH32.fullmatch(milestone):
        return milestone.lower()
    return "0x" + reference(milestone).hex()


def record(write: UserWrite, as_org: str | None, gateway: str | None, token: str | None) -> None:
    """Record `write` locally as `as_org`, or through the remote gateway if one is given or configured."""
    settings = settings_from_environment()
    content = _read(write.document)
    url = gateway or settings.gateway_url
    if url:
        secret = token or (settings.gateway_token.get_secret_value() if settings.gateway_token else None)
        if not secret:
            raise ConfigurationError(
                f"writing through the gateway at {url} needs your organisation's API token: pass --token or set "
                "PROCLEDGER_GATEWAY_TOKEN (the gateway's operator issues one with `procledger tokens create ORG`)"
            )
        _record_remotely(settings, write, content, url, secret)
        return
    if as_org is None:
        raise ConfigurationError(
            "say which organisation writes: --as ORG (its id or keystore label) to sign locally, or --gateway URL "
            "--token TOKEN to write through a remote gateway"
        )
    _record_locally(settings, write, content, resolve_org(settings, as_org))


def _read(document: Path) -> bytes:
    try:
        return document.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read {document} ({error.strerror}); check the path") from None


def _record_locally(settings: Settings, write: UserWrite, content: bytes, org_id: str) -> None:
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    w3 = connect(settings.rpc_url)
    gateway = WriteGateway(open_ledger(settings, w3), Keystores.from_settings(settings))
    media_type = mimetypes.guess_type(write.document.name)[0] or "application/octet-stream"
    with Session(engine) as session:
        with session.begin():
            stored = DocumentStore(DocumentFiles(settings.documents_dir)).add(
                session, content, media_type, write.document_title
            )
        body = {**write.body, write.document_field: stored.sha256}
        with console.status(f"Checking the {write.action.name} against the contract…"):
            view, created = gateway.accept(session, org_id, write.action, body, write.key)
    _accepted(view.id, created, write, stored.sha256)
    with console.status("Submitting and waiting for confirmation…"):
        submit_until_settled(build_submitter(settings, w3, engine), settings.tx_timeout, settings.poll_interval)
    with Session(engine) as session:
        done = find_write(session, view.id, org_id)
    engine.dispose()
    _settled(write, done.state, done.error, done.tx_hash, done.block_number)


def _record_remotely(settings: Settings, write: UserWrite, content: bytes, url: str, token: str) -> None:
    sha256 = "0x" + hashlib.sha256(content).hexdigest()
    body = {**write.body, write.document_field: sha256}
    with RemoteGateway(url, token, settings.tx_timeout) as remote:
        with console.status(f"Sending the {write.action.name} to {remote.url}…"):
            accepted, created = remote.post_write(write.path, body, write.key, write.action.function)
        _accepted(int(accepted["id"]), created, write, sha256)
        console.print(f"{write.document} stays here: only its SHA-256 went to the gateway")
        with console.status("Waiting for the gateway to confirm it…") as status:
            done = remote.wait(
                int(accepted["id"]), 3 * settings.tx_timeout, settings.poll_interval,
                lambda state: status.update(f"write {accepted['id']} is {state}; waiting for confirmation…"),
            )  # fmt: skip
    _settled(write, str(done["state"]), done.get("error"), done.get("tx_hash"), done.get("block_number"))


def _accepted(write_id: int, created: bool, write: UserWrite, sha256: str) -> None:
    label = write.document_field.removesuffix("_sha256")
    console.print(
        f"write {write_id} {'queued' if created else 'already accepted'} ({write.evidence}, {label} {sha256})"
    )


def _settled(write: UserWrite, state: str, error: Any, tx_hash: Any, block_number: Any) -> None:
    if state == FAILED and isinstance(error, dict):  # refused when mined: the state moved after the check
        raise ContractRevertError(str(error["name"]), error["args"], write.action.function)
    console.print(f"{write.what}: {state} in transaction {tx_hash}, block {block_number}")
