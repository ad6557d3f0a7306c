"""An auditor's write: a note of findings attached to a process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.gateway.actions import Action
from ledger.gateway.arguments import hash32, process_of, ref


def audit_note_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """recordAuditNote(processId, noteRef, findingsHash); the note's id is scopedId(auditor, keccak256(note_ref))."""
    return process_of(body), ref(body["note_ref"]), hash32(body["findings_sha256"])


AUDIT_NOTE = Action("audit_note", "auditor", "recordAuditNote", audit_note_arguments)
