"""`procledger note`: an auditor attaches findings to a process from the terminal, through the shared write flow
(ledger.cli_writes): locally as the auditor's keystore account, or through a remote gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.chain.ledger_contract import reference, scoped_id
from ledger.cli_write_options import OcidArgument, document_option
from ledger.cli_writes import AsOption, Attachment, GatewayOption, TokenOption, UserWrite, record
from ledger.gateway.audit_actions import AUDIT_NOTE


def note(
    ocid: OcidArgument,
    ref: Annotated[str, typer.Option("--ref", help="your note's reference, e.g. AUD-2026-031; once per process")],
    doc: Annotated[Path, document_option("findings")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Attach an audit note with your findings to a process."""

    def evidence(org_id: str) -> str:
        return f"audit note id 0x{scoped_id(bytes.fromhex(org_id[2:]), reference(ref)).hex()}"

    body = {"ocid": ocid, "note_ref": ref}
    write = UserWrite(AUDIT_NOTE, "/audit-notes", body, f"audit-note:{ocid}:{ref}", f"audit note {ref} on {ocid}",
                      evidence, (Attachment(doc, "findings_sha256", f"Audit findings {ref}"),))  # fmt: skip
    record(write, as_org, gateway, token)
