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
from collections.abc import Callable
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
from ledger.gateway.outbox import FAILED, body_digest, find_write
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
class Attachment:
    """A file a write records by its SHA-256: the body field its hash goes in, and its title in the document store."""

    path: Path
    field: str  # e.g. voucher_sha256
    title: str


@dataclass(frozen=True)
class UserWrite:
    """One write a command records: the action, its gateway endpoint, its body but for the documents' hashes, and
    how the command names it and its evidence."""

    action: Action
    path: str
    body: dict[str, Any]
    key: str  # what it is about, e.g. pay:OCID:REF; the idempotency key adds the body's digest
    what: str  # how the result line names it, e.g. "payment TV-2026-000188"
    evidence: Callable[[str], str]  # given the writing organisation's id, e.g. "payment id 0x…"
    documents: tuple[Attachment, ...]


def fixed(text: str) -> Callable[[str], str]:
    """Evidence that does not depend on the writing organisation."""
    return lambda _org_id: text


def milestone_id_of(milestone: str) -> str:
    """A milestone's on-chain id, given as such (0x…) or as its reference (e.g. CT-2026-0002/Q2)."""
    if _HASH32.fullmatch(milestone):
        return milestone.lower()
    return "0x" + reference(milestone).hex()


def record(write: UserWrite, as_org: str | None, gateway: str | None, token: str | None) -> None:
    """Record `write` locally as `as_org`, or through the remote gateway if one is given or configured."""
    settings = settings_from_environment()
    contents = [_read(attachment.path) for attachment in write.documents]
    target = remote_target(settings, gateway, token)
    if target is not None:
        _record_remotely(settings, write, contents, *target)
        return
    if as_org is None:
        raise ConfigurationError(
            "say which organisation writes: --as ORG (its id or keystore label) to sign locally, or --gateway URL "
            "--token TOKEN to write through a remote gateway"
        )
    _record_locally(settings, write, contents, resolve_org(settings, as_org))


def remote_target(settings: Settings, gateway: str | None, token: str | None) -> tuple[str, str] | None:
    """The remote gateway's URL and token, from the options or the settings; None to write locally."""
    url = gateway or settings.gateway_url
    if not url:
        return None
    secret = token or (settings.gateway_token.get_secret_value() if settings.gateway_token else None)
    if not secret:
        raise ConfigurationError(
            f"writing through the gateway at {url} needs your organisation's API token: pass --token or set "
            "PROCLEDGER_GATEWAY_TOKEN (the gateway's operator issues one with `procledger tokens create ORG`)"
        )
    return url, secret


def send_remote(
    remote: RemoteGateway, path: str, body: dict[str, Any], key: str, action: Action
) -> tuple[dict[str, Any], bool]:
    """POST the write to the gateway with a progress line; the write, and whether it is new."""
    with console.status(f"Sending the {action.name} to {remote.url}…"):
        return remote.post_write(path, body, key, action.function)


def follow_remote(remote: RemoteGateway, settings: Settings, write_id: int, timeout: float | None = None) -> Any:
    """Follow write `write_id` at the gateway with a progress line until it is confirmed or failed."""
    with console.status("Waiting for the gateway to confirm it…") as status:
        return remote.wait(
            write_id, timeout or 3 * settings.tx_timeout, settings.poll_interval,
            lambda state: status.update(f"write {write_id} is {state}; waiting for confirmation…"),
        )  # fmt: skip


def _read(document: Path) -> bytes:
    try:
        return document.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read {document} ({error.strerror}); check the path") from None


def _record_locally(settings: Settings, write: UserWrite, contents: list[bytes], org_id: str) -> None:
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    w3 = connect(settings.rpc_url)
    gateway = WriteGateway(open_ledger(settings, w3), Keystores.from_settings(settings))
    store = DocumentStore(DocumentFiles(settings.documents_dir))
    with Session(engine) as session:
        with session.begin():
            hashes = [
                store.add(session, content, _media_type(attachment.path), attachment.title, added_by=org_id).sha256
                for attachment, content in zip(write.documents, contents, strict=True)
            ]
        body = {**write.body, **_hash_fields(write, hashes)}
        with console.status(f"Checking the {write.action.name} against the contract…"):
            view, created = gateway.accept(session, org_id, write.action, body, _key(write, body))
    _accepted(view.id, created, write, org_id, hashes)
    with console.status("Submitting and waiting for confirmation…"):
        submit_until_settled(build_submitter(settings, w3, engine), settings.tx_timeout, settings.poll_interval)
    with Session(engine) as session:
        done = find_write(session, view.id, org_id)
    engine.dispose()
    _settled(write, done.state, done.error, done.tx_hash, done.block_number)


def _record_remotely(settings: Settings, write: UserWrite, contents: list[bytes], url: str, token: str) -> None:
    hashes = ["0x" + hashlib.sha256(content).hexdigest() for content in contents]
    body = {**write.body, **_hash_fields(write, hashes)}
    with RemoteGateway(url, token, settings.tx_timeout) as remote:
        accepted, created = send_remote(remote, write.path, body, _key(write, body), write.action)
        _accepted(int(accepted["id"]), created, write, str(accepted["org_id"]), hashes)
        names = ", ".join(str(attachment.path) for attachment in write.documents)
        kept = "stays here: only its SHA-256" if len(write.documents) == 1 else "stay here: only their SHA-256s"
        console.print(f"{names} {kept} went to the gateway")
        done = follow_remote(remote, settings, int(accepted["id"]))
    _settled(write, str(done["state"]), done.get("error"), done.get("tx_hash"), done.get("block_number"))


def _key(write: UserWrite, body: dict[str, Any]) -> str:
    """The same command with the same values (documents included) gives the same key, so running it again returns
    the first write; other values give a new write, which the contract then accepts or refuses on its own ids."""
    return f"{write.key}:{body_digest(body)[:16]}"


def _media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _hash_fields(write: UserWrite, hashes: list[str]) -> dict[str, str]:
    return {attachment.field: sha256 for attachment, sha256 in zip(write.documents, hashes, strict=True)}


def _accepted(write_id: int, created: bool, write: UserWrite, org_id: str, hashes: list[str]) -> None:
    labels = ", ".join(
        f"{attachment.field.removesuffix('_sha256')} {sha256}"
        for attachment, sha256 in zip(write.documents, hashes, strict=True)
    )
    state = "queued" if created else "already accepted"
    console.print(f"write {write_id} {state} ({write.evidence(org_id)}, {labels})")


def _settled(write: UserWrite, state: str, error: Any, tx_hash: Any, block_number: Any) -> None:
    if state == FAILED and isinstance(error, dict):  # refused when mined: the state moved after the check
        raise ContractRevertError(str(error["name"]), error["args"], write.action.function)
    console.print(f"{write.what}: {state} in transaction {tx_hash}, block {block_number}")
