"""`procledger pay`: a finance bureau records a payment from the terminal, through the same outbox as the API.

It keeps the voucher in the document store, checks the payment against the contract as the bureau's signing
account, queues it under an idempotency key derived from the process and the payment reference (running the same
command again returns the same write), then submits it and prints the evidence; or, with `--gateway URL --token
…`, does the same through a remote gateway (ledger.cli_writes).
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
from ledger.gateway.actions import PAYMENT, payment_id_of


def pay(
    ocid: Annotated[str, typer.Argument(help="the process whose contract is paid, e.g. ocds-pl0001-2026-0002")],
    milestone: Annotated[
        str, typer.Option("--milestone", help="the accepted milestone: its id (0x…) or reference (CT-2026-0002/Q2)")
    ],
    amount: Annotated[int, typer.Option("--amount", min=1, help="in minor units of the process's currency")],
    payee: Annotated[str, typer.Option("--payee", help="an account of the contracted supplier (0x…)")],
    voucher: Annotated[Path, typer.Option("--voucher", help="the payment voucher; kept in the document store")],
    ref: Annotated[str, typer.Option("--ref", help="your payment reference, e.g. the voucher number")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Record a payment for an accepted milestone, signed with the finance bureau's keystore key."""
    body = {"ocid": ocid, "payment_ref": ref, "milestone_id": milestone_id_of(milestone), "amount": amount,
            "payee": payee.lower()}  # fmt: skip
    evidence = fixed(f"payment id 0x{payment_id_of(ref).hex()}")
    write = UserWrite(
        PAYMENT, "/payments", body, f"pay:{ocid}:{ref}", f"payment {ref}", evidence,
        (Attachment(voucher, "voucher_sha256", f"Payment voucher {ref}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)
