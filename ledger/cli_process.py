"""A purchaser's acts up to the award, from the terminal: opening a process, publishing and amending its tender,
recording the evaluation, awarding, and cancelling. Each goes through the shared write flow (ledger.cli_writes):
locally as the purchaser's keystore account, or through a remote gateway with `--gateway URL --token …`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ledger.chain.ledger_contract import process_id_of, reference
from ledger.cli_write_options import OcidArgument, document_option, on_chain_id, organisation, unix_time
from ledger.cli_writes import AsOption, Attachment, GatewayOption, TokenOption, UserWrite, fixed, record
from ledger.gateway.actions import Action
from ledger.gateway.process_actions import AWARD, CANCELLATION, EVALUATION, PROCESS, TENDER, TENDER_AMENDMENT
from ledger.settings import settings_from_environment

DeadlineOption = Annotated[str, typer.Option(help="ISO 8601 with its zone (2026-12-31T17:00+08:00) or unix seconds")]


class Method(StrEnum):
    """How the process is procured, as the command line spells it."""

    open_tender = "open-tender"
    single_source = "single-source"


def open_process(
    ocid: Annotated[str, typer.Argument(help="the new process's ocid; it must begin with your ocid prefix")],
    budget: Annotated[str, typer.Option("--budget", help="the budget line's id (0x…), as approve-budget printed")],
    method: Annotated[Method, typer.Option("--method", help="how it is procured")],
    doc: Annotated[Path, document_option("procurement notice")],
    rationale: Annotated[
        Path | None, typer.Option("--rationale", help="single source: the justification (required for it)")
    ] = None,
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Open a procurement process on a budget line you may draw on."""
    body = {"ocid": ocid, "budget_id": on_chain_id("--budget", budget), "method": method.name}
    documents = [Attachment(doc, "doc_sha256", f"Procurement notice {ocid}")]
    if rationale is not None:
        documents.append(Attachment(rationale, "rationale_sha256", f"Single-source justification {ocid}"))
    write = UserWrite(PROCESS, "/processes", body, f"process:{ocid}", f"process {ocid}", _process_id(ocid),
                      tuple(documents))  # fmt: skip
    record(write, as_org, gateway, token)


def publish_tender(
    ocid: OcidArgument,
    bid_deadline: DeadlineOption,
    reveal_deadline: DeadlineOption,
    doc: Annotated[Path, document_option("tender documents")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Publish the open tender: sealed bids until the bid deadline, reveals until the reveal deadline."""
    bids, reveals = unix_time("--bid-deadline", bid_deadline), unix_time("--reveal-deadline", reveal_deadline)
    body = {"ocid": ocid, "bid_deadline": bids, "reveal_deadline": reveals}
    write = UserWrite(
        TENDER, "/tenders", body, f"tender:{ocid}", f"tender of {ocid}",
        fixed(f"bids close {_moment(bids)}, reveals close {_moment(reveals)}"),
        (Attachment(doc, "doc_sha256", f"Tender documents {ocid}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)


def amend_tender(
    ocid: OcidArgument,
    ref: Annotated[str, typer.Option("--ref", help="the amendment's number, e.g. AMD-1")],
    bid_deadline: DeadlineOption,
    reveal_deadline: DeadlineOption,
    doc: Annotated[Path, document_option("amended tender documents")],
    rationale: Annotated[Path, typer.Option("--rationale", help="why it is amended; kept in the document store")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Amend the tender before its bid deadline; deadlines may be extended, never shortened."""
    bids, reveals = unix_time("--bid-deadline", bid_deadline), unix_time("--reveal-deadline", reveal_deadline)
    body = {"ocid": ocid, "amendment_ref": ref, "bid_deadline": bids, "reveal_deadline": reveals}
    write = UserWrite(
        TENDER_AMENDMENT, "/tender-amendments", body, f"tender-amendment:{ocid}:{ref}", f"tender amendment {ref}",
        fixed(f"amendment id 0x{reference(ref).hex()}, bids close {_moment(bids)}"),
        (Attachment(doc, "doc_sha256", f"Amended tender documents {ref}"),
         Attachment(rationale, "rationale_sha256", f"Rationale of tender amendment {ref}")),
    )  # fmt: skip
    record(write, as_org, gateway, token)


def evaluate(
    ocid: OcidArgument,
    doc: Annotated[Path, document_option("evaluation report")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Record the evaluation of the revealed bids, after the reveal deadline."""
    record(decision(EVALUATION, "/evaluations", ocid, doc, "Evaluation report"), as_org, gateway, token)


def award(
    ocid: OcidArgument,
    supplier: Annotated[str, typer.Option("--supplier", help="the supplier: its id (0x…) or keystore label")],
    amount: Annotated[int, typer.Option("--amount", min=1, max=2**96 - 1, help="in minor units; a revealed bid's")],
    doc: Annotated[Path, document_option("award decision")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Award the process: to a revealed bid at its amount, or directly under single source."""
    supplier_id = organisation(settings_from_environment(), "--supplier", supplier)
    body = {"ocid": ocid, "supplier_org_id": supplier_id, "amount": amount}
    write = UserWrite(
        AWARD, "/awards", body, f"award:{ocid}", f"award of {ocid}", fixed(f"supplier {supplier_id}, amount {amount}"),
        (Attachment(doc, "doc_sha256", f"Award decision {ocid}"),),
    )  # fmt: skip
    record(write, as_org, gateway, token)


def cancel(
    ocid: OcidArgument,
    doc: Annotated[Path, document_option("cancellation decision")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Cancel a process before its contract is signed."""
    record(decision(CANCELLATION, "/cancellations", ocid, doc, "Cancellation decision"), as_org, gateway, token)


def decision(action: Action, path: str, ocid: str, doc: Path, title: str) -> UserWrite:
    """A purchaser's once-per-process decision on one document (evaluation, cancellation, termination, completion)."""
    what = action.name.replace("_", " ")
    return UserWrite(action, path, {"ocid": ocid}, f"{action.name}:{ocid}", f"{what} of {ocid}", _process_id(ocid),
                     (Attachment(doc, "doc_sha256", f"{title} {ocid}"),))  # fmt: skip


def _process_id(ocid: str) -> Callable[[str], str]:
    return fixed(f"process id 0x{process_id_of(ocid).hex()}")


def _moment(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="seconds")
