"""A finance bureau's acts from the terminal, besides `procledger pay`: approving budget lines, suspending and
reinstating organisations, and resolving complaints. Each goes through the shared write flow (ledger.cli_writes):
locally as the bureau's keystore account, or through a remote gateway with `--gateway URL --token …`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ledger.chain.ledger_contract import reference, scoped_id
from ledger.cli_write_options import OcidArgument, document_option, on_chain_id, organisation
from ledger.cli_writes import (
    AsOption,
    Attachment,
    GatewayOption,
    TokenOption,
    UserWrite,
    fixed,
    record,
)
from ledger.gateway.actions import Action
from ledger.gateway.finance_actions import BUDGET, COMPLAINT_RESOLUTION, REINSTATEMENT, SUSPENSION
from ledger.settings import settings_from_environment

OrgArgument = Annotated[str, typer.Argument(help="the organisation: its id (0x…) or keystore label")]


class Outcome(StrEnum):
    """How a complaint ends, as the contract names it."""

    dismissed = "dismissed"
    upheld = "upheld"
    withdrawn = "withdrawn"


def approve_budget(
    ref: Annotated[str, typer.Argument(help="your budget code, e.g. 2026-RIVERSIDE-ROADS-001")],
    year: Annotated[int, typer.Option("--year", min=1, max=2**16 - 1, help="the fiscal year")],
    amount: Annotated[int, typer.Option("--amount", min=1, max=2**96 - 1, help="in minor units of the currency")],
    purchasers: Annotated[
        list[str], typer.Option("--purchaser", help="a purchaser that may draw on it (id or keystore label); repeat")
    ],
    doc: Annotated[Path, document_option("budget approval document")],
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code")] = "CNY",
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Approve a budget line that the named purchasers may open processes on."""
    settings = settings_from_environment()
    body = {"budget_ref": ref, "fiscal_year": year, "amount": amount, "currency": currency.upper(),
            "purchaser_org_ids": [organisation(settings, "--purchaser", each) for each in purchasers]}  # fmt: skip

    def evidence(org_id: str) -> str:
        return f"budget line id 0x{scoped_id(bytes.fromhex(org_id[2:]), reference(ref)).hex()}"

    attachment = Attachment(doc, "doc_sha256", f"Budget approval {ref}")
    record(UserWrite(BUDGET, "/budgets", body, f"budget:{ref}", f"budget line {ref}", evidence, (attachment,)),
           as_org, gateway, token)  # fmt: skip


def suspend(
    org: OrgArgument,
    doc: Annotated[Path, document_option("suspension decision")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Suspend an organisation: it may not act until reinstated."""
    _decide(SUSPENSION, "/suspensions", "suspension", org, doc, as_org, gateway, token)


def reinstate(
    org: OrgArgument,
    doc: Annotated[Path, document_option("reinstatement decision")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Reinstate a suspended organisation."""
    _decide(REINSTATEMENT, "/reinstatements", "reinstatement", org, doc, as_org, gateway, token)


def resolve(
    ocid: OcidArgument,
    complaint: Annotated[str, typer.Option("--complaint", help="the complaint's id (0x…), as the timeline shows")],
    outcome: Annotated[Outcome, typer.Option("--outcome", help="how it ends")],
    doc: Annotated[Path, document_option("decision document")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Resolve an open complaint on a process your budget line funds."""
    complaint_id = on_chain_id("--complaint", complaint)
    body = {"ocid": ocid, "complaint_id": complaint_id, "outcome": outcome.value}
    write = UserWrite(
        COMPLAINT_RESOLUTION, "/complaint-resolutions", body, f"resolve:{ocid}:{complaint_id}",
        f"complaint {complaint_id} {outcome.value}", fixed(f"complaint id {complaint_id}"),
        (Attachment(doc, "doc_sha256", f"Complaint decision {complaint_id}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)


def _decide(
    action: Action, path: str, what: str, org: str, doc: Path, as_org: str | None, gateway: str | None,
    token: str | None,
) -> None:  # fmt: skip
    org_id = organisation(settings_from_environment(), "ORG", org)
    key = f"{action.name}:{org_id}"
    attachment = Attachment(doc, "doc_sha256", f"{what.capitalize()} decision: {org_id}")
    write = UserWrite(action, path, {"org_id": org_id}, key, f"{what} of {org_id}", fixed(f"organisation {org_id}"),
                      (attachment,))  # fmt: skip
    record(write, as_org, gateway, token)
