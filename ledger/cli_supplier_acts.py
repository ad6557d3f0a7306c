"""`procledger complain` and `procledger deliver`: a supplier's acts from the terminal, signed by its own account.

The transaction is signed locally with the supplier's keystore and relayed unchanged through the local outbox, as
`POST /complaints` and `POST /deliveries` relay it. The document goes into the document store first, so every
hash sent on chain has its bytes kept. With `--gateway URL --token …` the signed transaction goes to a remote
gateway instead (ledger.cli_supplier_route), and the document stays with the supplier: only its hash is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.chain.ledger_contract import process_id_of, reference, scoped_id
from ledger.cli_keys import resolve_org
from ledger.cli_supplier_route import GatewayOption, SupplierRoute, TokenOption, print_settled
from ledger.cli_writes import milestone_id_of
from ledger.gateway.supplier_actions import COMPLAINT, DELIVERY
from ledger.settings import settings_from_environment

DELIVERY_KIND = 0  # IProcurementLedger.MilestoneKind.Delivery

AsOption = Annotated[str, typer.Option("--as", help="the supplier: its organisation id or keystore label")]


def complain(
    ocid: Annotated[str, typer.Argument(help="the process complained about, e.g. ocds-pl0001-2026-0001")],
    ref: Annotated[str, typer.Option("--ref", help="your reference for the complaint, e.g. your letter's number")],
    doc: Annotated[Path, typer.Option("--doc", help="the complaint letter; kept in the document store")],
    as_org: AsOption,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """File a complaint about a process: award and signing pause until the finance bureau resolves it."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    route = SupplierRoute.open(settings, gateway, token)
    sha256 = route.keep(doc, f"Complaint {ref}")
    complaint_ref = reference(ref)
    arguments = (process_id_of(ocid), complaint_ref, bytes.fromhex(sha256[2:]))
    checking = "Checking the complaint against the contract…"
    done = route.record_call(org_id, COMPLAINT, "/complaints", f"complaint:{ocid}:{ref}", arguments, checking)
    complaint_id = "0x" + scoped_id(bytes.fromhex(org_id[2:]), complaint_ref).hex()
    print_settled(f"complaint {ref} on {ocid} filed (complaint id {complaint_id}, letter {sha256})", done)


def deliver(
    ocid: Annotated[str, typer.Argument(help="the process whose contract the milestone belongs to")],
    milestone: Annotated[
        str, typer.Option("--milestone", help="the scheduled milestone's id (0x…) or reference (CT-2026-0002/Q2)")
    ],
    report: Annotated[Path, typer.Option("--report", help="the delivery report; kept in the document store")],
    as_org: AsOption,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Record the delivery of a contract milestone; the purchaser then accepts it."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    milestone_id = bytes.fromhex(milestone_id_of(milestone)[2:])
    route = SupplierRoute.open(settings, gateway, token)
    sha256 = route.keep(report, f"Delivery report {milestone}")
    arguments = (process_id_of(ocid), milestone_id, DELIVERY_KIND, bytes.fromhex(sha256[2:]))
    key = f"delivery:{ocid}:0x{milestone_id.hex()}"
    checking = "Checking the delivery against the contract…"
    done = route.record_call(org_id, DELIVERY, "/deliveries", key, arguments, checking)
    print_settled(f"milestone {milestone} (0x{milestone_id.hex()}) of {ocid} delivered (report {sha256})", done)
