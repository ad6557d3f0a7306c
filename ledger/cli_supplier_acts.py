"""`procledger complain` and `procledger deliver`: a supplier's acts from the terminal, signed by its own account.

The transaction is signed locally with the supplier's keystore and relayed unchanged through the local outbox, as
`POST /complaints` and `POST /deliveries` relay it. The document goes into the document store first, so every
hash sent on chain has its bytes kept.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from ledger.chain.ledger_contract import process_id_of, reference, scoped_id
from ledger.chain.signing import sign_call
from ledger.cli_keys import resolve_org
from ledger.cli_local_gateway import LocalGateway, console
from ledger.cli_writes import milestone_id_of
from ledger.errors import ConfigurationError
from ledger.gateway.signed_calls import SIGNED_TRANSACTION
from ledger.gateway.supplier_actions import COMPLAINT, DELIVERY
from ledger.settings import settings_from_environment
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore

DELIVERY_KIND = 0  # IProcurementLedger.MilestoneKind.Delivery

AsOption = Annotated[str, typer.Option("--as", help="the supplier: its organisation id or keystore label")]


def complain(
    ocid: Annotated[str, typer.Argument(help="the process complained about, e.g. ocds-pl0001-2026-0001")],
    ref: Annotated[str, typer.Option("--ref", help="your reference for the complaint, e.g. your letter's number")],
    doc: Annotated[Path, typer.Option("--doc", help="the complaint letter; kept in the document store")],
    as_org: AsOption,
) -> None:
    """File a complaint about a process: award and signing pause until the finance bureau resolves it."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    local = LocalGateway.open(settings)
    sha256 = _store(local, doc, f"Complaint {ref}")
    complaint_ref = reference(ref)

    def body() -> dict[str, Any]:
        signed = sign_call(
            local.ledger, local.keystores.account(org_id), "fileComplaint", process_id_of(ocid), complaint_ref,
            bytes.fromhex(sha256[2:]),
        )  # fmt: skip
        return {SIGNED_TRANSACTION: signed}

    done = local.record(
        org_id, COMPLAINT, f"complaint:{ocid}:{ref}", body, "Checking the complaint against the contract…"
    )
    complaint_id = "0x" + scoped_id(bytes.fromhex(org_id[2:]), complaint_ref).hex()
    console.print(
        f"complaint {ref} on {ocid} filed (complaint id {complaint_id}, letter {sha256}); {done.state} in "
        f"transaction {done.tx_hash}, block {done.block_number}",
        soft_wrap=True,
    )


def deliver(
    ocid: Annotated[str, typer.Argument(help="the process whose contract the milestone belongs to")],
    milestone: Annotated[
        str, typer.Option("--milestone", help="the scheduled milestone's id (0x…) or reference (CT-2026-0002/Q2)")
    ],
    report: Annotated[Path, typer.Option("--report", help="the delivery report; kept in the document store")],
    as_org: AsOption,
) -> None:
    """Record the delivery of a contract milestone; the purchaser then accepts it."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    milestone_id = bytes.fromhex(milestone_id_of(milestone)[2:])
    local = LocalGateway.open(settings)
    sha256 = _store(local, report, f"Delivery report {milestone}")

    def body() -> dict[str, Any]:
        signed = sign_call(
            local.ledger, local.keystores.account(org_id), "recordMilestone", process_id_of(ocid), milestone_id,
            DELIVERY_KIND, bytes.fromhex(sha256[2:]),
        )  # fmt: skip
        return {SIGNED_TRANSACTION: signed}

    key = f"delivery:{ocid}:0x{milestone_id.hex()}"
    done = local.record(org_id, DELIVERY, key, body, "Checking the delivery against the contract…")
    console.print(
        f"milestone {milestone} (0x{milestone_id.hex()}) of {ocid} delivered (report {sha256}); {done.state} in "
        f"transaction {done.tx_hash}, block {done.block_number}",
        soft_wrap=True,
    )


def _store(local: LocalGateway, path: Path, title: str) -> str:
    """Keep the document in the store; returns its SHA-256 as 0x-hex."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read {path} ({error.strerror}); check the path") from None
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with Session(local.engine) as session, session.begin():
        stored = DocumentStore(DocumentFiles(local.settings.documents_dir)).add(session, content, media_type, title)
    return str(stored.sha256)
