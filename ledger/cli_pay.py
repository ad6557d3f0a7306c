"""`procledger pay`: a finance bureau records a payment from the terminal, through the same outbox as the API.

It keeps the voucher in the document store, checks the payment against the contract as the bureau's signing
account, queues it under an idempotency key derived from the process and the payment reference (running the same
command again returns the same write), then submits it and prints the evidence.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.setup import open_ledger
from ledger.cli_keys import resolve_org
from ledger.cli_submit import build_submitter
from ledger.errors import ConfigurationError, ContractRevertError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.actions import PAYMENT, payment_id_of
from ledger.gateway.outbox import FAILED, find_write
from ledger.gateway.submitter import submit_until_settled
from ledger.settings import settings_from_environment
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore

console = Console(stderr=True)


def pay(
    ocid: Annotated[str, typer.Argument(help="the process whose contract is paid, e.g. ocds-pl0001-2026-0002")],
    milestone: Annotated[str, typer.Option("--milestone", help="the accepted milestone's id (0x…)")],
    amount: Annotated[int, typer.Option("--amount", min=1, help="in minor units of the process's currency")],
    payee: Annotated[str, typer.Option("--payee", help="an account of the contracted supplier (0x…)")],
    voucher: Annotated[Path, typer.Option("--voucher", help="the payment voucher; kept in the document store")],
    ref: Annotated[str, typer.Option("--ref", help="your payment reference, e.g. the voucher number")],
    as_org: Annotated[str, typer.Option("--as", help="the paying finance bureau: its id or keystore label")],
) -> None:
    """Record a payment for an accepted milestone, signed with the finance bureau's keystore key."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    try:
        content = voucher.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read the voucher {voucher} ({error.strerror}); check the path") from None
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    w3 = connect(settings.rpc_url)
    gateway = WriteGateway(open_ledger(settings, w3), Keystores.from_settings(settings))
    media_type = mimetypes.guess_type(voucher.name)[0] or "application/octet-stream"
    with Session(engine) as session:
        with session.begin():
            stored = DocumentStore(DocumentFiles(settings.documents_dir)).add(
                session, content, media_type, f"Payment voucher {ref}"
            )
        body = {"ocid": ocid, "payment_ref": ref, "milestone_id": milestone.lower(), "amount": amount,
                "payee": payee.lower(), "voucher_sha256": stored.sha256}  # fmt: skip
        with console.status("Checking the payment against the contract…"):
            write, created = gateway.accept(session, org_id, PAYMENT, body, f"pay:{ocid}:{ref}")
    console.print(f"write {write.id} {'queued' if created else 'already accepted'} (payment id 0x"
                  f"{payment_id_of(ref).hex()}, voucher {stored.sha256})")  # fmt: skip
    with console.status("Submitting and waiting for confirmation…"):
        submit_until_settled(build_submitter(settings, w3, engine), settings.tx_timeout, settings.poll_interval)
    with Session(engine) as session:
        done = find_write(session, write.id, org_id)
    engine.dispose()
    if done.state == FAILED and done.error is not None:  # refused when mined: the state moved after the check
        raise ContractRevertError(done.error["name"], done.error["args"], PAYMENT.function)
    console.print(f"payment {ref}: {done.state} in transaction {done.tx_hash}, block {done.block_number}")
