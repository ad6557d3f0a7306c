"""The `anchor` write: one closed batch of documents as `anchorDocuments(root, count, processId)`.

Any registered organisation anchors its own documents; filed under a process, only that process's purchaser or
finance bureau may. The chain keys anchors by (organisation, root), so a resend of the same batch is refused as
`AnchorAlreadyRecorded` and the submitter counts its own earlier transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.chain.ledger_contract import ZERO_HASH, process_id_of, reference
from ledger.gateway.actions import Action

# A root nobody anchors: pre-flight simulates an anchor of it to ask the contract whether the caller may anchor
# (registered, and a party of the process), before the batch's real root exists.
PREFLIGHT_ROOT = "0x" + reference("procledger: may this organisation anchor documents?").hex()


def anchor_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """anchorDocuments(root, count, processId) from an anchor body {"batch_id", "root", "count", "ocid"}."""
    ocid = body.get("ocid")
    return (
        bytes.fromhex(str(body["root"]).removeprefix("0x")),
        int(body["count"]),
        process_id_of(str(ocid)) if ocid else ZERO_HASH,
    )


def preflight_body(ocid: str | None) -> dict[str, Any]:
    """The body pre-flight simulates for a document filed under `ocid`: one leaf under PREFLIGHT_ROOT."""
    return {"batch_id": 0, "root": PREFLIGHT_ROOT, "count": 1, "ocid": ocid}


ANCHOR = Action("anchor", "any", "anchorDocuments", anchor_arguments)  # "any": every registered organisation
