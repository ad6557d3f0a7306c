"""`procledger accept`: a purchaser accepts a milestone the supplier delivered (履约验收), which makes it payable.

The same flow as `procledger pay` (ledger.cli_writes): the acceptance report goes into the document store, the
acceptance through the outbox (or a remote gateway), and the command prints the evidence once it is confirmed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.cli_writes import (
    AsOption,
    Attachment,
    GatewayOption,
    TokenOption,
    UserWrite,
    fixed,
    milestone_id_of,
    record,
)
from ledger.gateway.contract_actions import ACCEPTANCE


def accept(
    ocid: Annotated[str, typer.Argument(help="the process whose contract the milestone belongs to")],
    milestone: Annotated[
        str, typer.Option("--milestone", help="the delivered milestone: its id (0x…) or reference (CT-2026-0002/Q2)")
    ],
    doc: Annotated[Path, typer.Option("--doc", help="the acceptance report; kept in the document store")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Accept a delivered milestone, signed with the purchaser's keystore key."""
    milestone_id = milestone_id_of(milestone)
    write = UserWrite(
        ACCEPTANCE, "/acceptances", {"ocid": ocid, "milestone_id": milestone_id}, f"accept:{ocid}:{milestone_id}",
        f"acceptance of milestone {milestone}", fixed(f"milestone id {milestone_id}"),
        (Attachment(doc, "report_sha256", f"Acceptance report: {milestone}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)
