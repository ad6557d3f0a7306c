"""A finance bureau's writes: budget lines, suspending and reinstating organisations, resolving complaints
(payments are in api.routes.writes)."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas_authority_writes import BudgetIn, ComplaintResolutionIn, OrganisationDecisionIn
from api.write_routes import add_write_route
from ledger.gateway.finance_actions import BUDGET, COMPLAINT_RESOLUTION, REINSTATEMENT, SUSPENSION

router = APIRouter(tags=["writes: finance bureau"])

add_write_route(router, "/budgets", BUDGET, BudgetIn, "Approve a budget line")
add_write_route(router, "/suspensions", SUSPENSION, OrganisationDecisionIn, "Suspend a supplier or purchaser")
add_write_route(
    router, "/reinstatements", REINSTATEMENT, OrganisationDecisionIn, "Reinstate an organisation you suspended"
)
add_write_route(
    router, "/complaint-resolutions", COMPLAINT_RESOLUTION, ComplaintResolutionIn, "Resolve an open complaint"
)
