"""An auditor's write: audit notes on processes."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas_authority_writes import AuditNoteIn
from api.write_routes import add_write_route
from ledger.gateway.audit_actions import AUDIT_NOTE

router = APIRouter(tags=["writes: auditor"])

add_write_route(router, "/audit-notes", AUDIT_NOTE, AuditNoteIn, "Attach an audit note to a process")
