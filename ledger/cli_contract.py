"""A purchaser's acts from the award on, from the terminal (besides `procledger accept`): signing and amending the
contract with its payment schedule, terminating it, and completing the process. Each goes through the shared
write flow (ledger.cli_writes): locally as the purchaser's keystore account, or through a remote gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.chain.ledger_contract import reference
from ledger.cli_process import decision
from ledger.cli_write_options import OcidArgument, document_option, schedule
from ledger.cli_writes import AsOption, Attachment, GatewayOption, TokenOption, UserWrite, fixed, record
from ledger.gateway.contract_actions import COMPLETION, CONTRACT, CONTRACT_AMENDMENT, TERMINATION

MilestonesOption = Annotated[
    list[str],
    typer.Option("--milestone", help="a scheduled milestone as REFERENCE=AMOUNT, e.g. CT-2026-0104/M1=1000000; repeat"),
]


def sign_contract(
    ocid: OcidArgument,
    ref: Annotated[str, typer.Option("--ref", help="the contract number, e.g. CT-2026-0104")],
    value: Annotated[int, typer.Option("--value", min=1, max=2**96 - 1, help="in minor units; at most the award")],
    milestones: MilestonesOption,
    doc: Annotated[Path, document_option("signed contract")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Sign the contract with the awarded supplier, with its payment schedule (milestones summing to the value)."""
    body = {"ocid": ocid, "contract_ref": ref, "value": value, "milestones": schedule("--milestone", milestones)}
    write = UserWrite(
        CONTRACT, "/contracts", body, f"contract:{ocid}:{ref}", f"contract {ref}",
        fixed(f"contract id 0x{reference(ref).hex()}, {len(milestones)} milestones"),
        (Attachment(doc, "doc_sha256", f"Contract {ref}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)


def amend_contract(
    ocid: OcidArgument,
    ref: Annotated[str, typer.Option("--ref", help="the amendment's number, e.g. CT-2026-0104/A1")],
    doc: Annotated[Path, document_option("supplementary agreement")],
    increase: Annotated[int, typer.Option("--increase", min=0, max=2**96 - 1, help="added to the value")] = 0,
    milestones: Annotated[
        list[str] | None,
        typer.Option("--milestone", help="a milestone to add, as REFERENCE=AMOUNT; repeat"),
    ] = None,
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Amend the contract: raise its value (at most 10% of the original in all) and/or add milestones."""
    added = schedule("--milestone", milestones or [])
    body = {"ocid": ocid, "amendment_ref": ref, "increase": increase, "milestones": added}
    write = UserWrite(
        CONTRACT_AMENDMENT, "/contract-amendments", body, f"contract-amendment:{ocid}:{ref}",
        f"contract amendment {ref}", fixed(f"amendment id 0x{reference(ref).hex()}, increase {increase}"),
        (Attachment(doc, "doc_sha256", f"Contract amendment {ref}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)


def terminate(
    ocid: OcidArgument,
    doc: Annotated[Path, document_option("termination decision")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Terminate the contract in implementation."""
    record(decision(TERMINATION, "/terminations", ocid, doc, "Termination decision"), as_org, gateway, token)


def complete(
    ocid: OcidArgument,
    doc: Annotated[Path, document_option("completion report")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Complete the process once every milestone is accepted."""
    record(decision(COMPLETION, "/completions", ocid, doc, "Completion report"), as_org, gateway, token)
