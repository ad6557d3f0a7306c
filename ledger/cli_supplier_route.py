"""Where a supplier command's write goes: this data directory's outbox, or a remote gateway (`--gateway URL --token`).

Either way the supplier signs here, with its own keystore, reading what it signs over (nonce, gas, bidNonce) from
the chain at PROCLEDGER_RPC_URL; the gateway holds no supplier key. Remotely, the signed body is kept under
`DATA_DIR/remote-writes/` before it is posted, so running the command again posts the very same bytes under the
same Idempotency-Key and gets the same write back (a transaction signed again would carry another nonce once the
first is mined, and the gateway would refuse the key as used with another body). A body the gateway refused is
forgotten, since nothing was queued under its key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.setup import open_ledger
from ledger.chain.signing import sign_call
from ledger.cli_local_gateway import LocalGateway, console
from ledger.cli_writes import follow_remote, remote_target, send_remote
from ledger.errors import ConfigurationError, ContractRevertError, GatewayUnavailableError, LedgerError
from ledger.gateway.actions import Action
from ledger.gateway.outbox import FAILED
from ledger.gateway.remote import RemoteGateway
from ledger.gateway.signed_calls import SIGNED_TRANSACTION
from ledger.settings import Settings

GatewayOption = Annotated[
    str | None,
    typer.Option(
        "--gateway", help="a remote write gateway's URL (you still sign here); default PROCLEDGER_GATEWAY_URL"
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", help="your organisation's API token for --gateway; default PROCLEDGER_GATEWAY_TOKEN"),
]


@dataclass(frozen=True)
class Settled:
    """A write followed to its end."""

    id: int
    state: str
    tx_hash: str | None
    block_number: int | None


@dataclass(frozen=True)
class SupplierRoute:
    """The supplier's keystores and the chain it signs against, and where its writes go."""

    settings: Settings
    w3: Web3
    ledger: LedgerContract
    keystores: Keystores
    local: LocalGateway | None
    remote: tuple[str, str] | None  # the gateway's URL and token

    @classmethod
    def open(cls, settings: Settings, gateway: str | None, token: str | None) -> SupplierRoute:
        """The local outbox, or the remote gateway the options or the settings name."""
        target = remote_target(settings, gateway, token)
        if target is None:
            local = LocalGateway.open(settings)
            return cls(settings, local.w3, local.ledger, local.keystores, local, None)
        w3 = connect(settings.rpc_url)
        return cls(settings, w3, open_ledger(settings, w3), Keystores.from_settings(settings), None, target)

    def keep(self, path: Path, title: str) -> str:
        """The document's SHA-256 (0x-hex): kept in the document store locally; remotely it stays where it is and
        only its hash goes."""
        if self.local is not None:
            return self.local.store(path, title)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise ConfigurationError(f"cannot read {path} ({error.strerror}); check the path") from None
        console.print(f"{path} stays here: only its SHA-256 goes to the gateway")
        return "0x" + hashlib.sha256(content).hexdigest()

    def record(
        self, org_id: str, action: Action, endpoint: str, key: str, body: Callable[[], Mapping[str, Any]],
        checking: str,
    ) -> Settled:  # fmt: skip
        """Have the write `body()` makes accepted under `key` (locally, or by POST `endpoint`), and follow it until
        it settles; a refusal raises the decoded ContractRevertError."""
        if self.local is not None:
            done = self.local.record(org_id, action, key, body, checking)
            return Settled(done.id, done.state, done.tx_hash, done.block_number)
        assert self.remote is not None
        url, token = self.remote
        kept = _KeptBodies(self.settings.data_dir / "remote-writes", url, org_id, key)
        sent = kept.read()
        if sent is None:
            sent = dict(body())
            kept.write(sent)
        with RemoteGateway(url, token, self.settings.tx_timeout) as remote:
            try:
                accepted, created = send_remote(remote, endpoint, sent, key, action)
            except GatewayUnavailableError:
                raise  # it may have arrived: keep the body, to send the same one again
            except LedgerError:
                kept.forget()  # refused: nothing is queued under the key, so the next run signs afresh
                raise
            write_id = int(accepted["id"])
            said = "queued" if created else f"already accepted ({accepted['state']})"
            console.print(f"write {write_id} {said} ({action.name}) at {remote.url}")
            done = follow_remote(remote, self.settings, write_id)
        error = done.get("error")
        if done["state"] == FAILED and isinstance(error, dict):  # refused when mined: the state moved after the check
            raise ContractRevertError(str(error["name"]), error["args"], action.function)
        return Settled(write_id, str(done["state"]), done.get("tx_hash"), done.get("block_number"))

    def record_call(
        self, org_id: str, action: Action, endpoint: str, key: str, arguments: Sequence[Any], checking: str
    ) -> Settled:
        """`record` the transaction of `action`'s function on `arguments`, signed by the organisation's own account
        (the supplier's acts the gateway relays as they are)."""

        def body() -> dict[str, Any]:
            signed = sign_call(self.ledger, self.keystores.account(org_id), action.function, *arguments)
            return {SIGNED_TRANSACTION: signed}

        return self.record(org_id, action, endpoint, key, body, checking)


def print_settled(what: str, done: Settled) -> None:
    """A command's last line: `what` it did, and where its write settled."""
    console.print(f"{what}; {done.state} in transaction {done.tx_hash}, block {done.block_number}", soft_wrap=True)


@dataclass(frozen=True)
class _KeptBodies:
    """The signed body posted to `url` under one organisation's Idempotency-Key, kept in a folder."""

    folder: Path
    url: str
    org_id: str
    key: str

    @property
    def path(self) -> Path:
        name = hashlib.sha256(f"{self.url.rstrip('/')}|{self.org_id}|{self.key}".encode()).hexdigest()
        return self.folder / f"{name}.json"

    def read(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.path.read_text())["body"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigurationError(
                f"cannot read the kept request {self.path} ({error}); delete it to sign the write afresh"
            ) from None

    def write(self, body: Mapping[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"url": self.url, "org_id": self.org_id, "idempotency_key": self.key, "body": dict(body)}
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(record, indent=1))
        partial.replace(self.path)  # whole or absent, even after a crash

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
