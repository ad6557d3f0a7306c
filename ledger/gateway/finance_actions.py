"""A finance bureau's writes besides payments: budget lines, suspending and reinstating organisations, and
resolving complaints on the processes its budget lines fund."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.gateway.actions import Action
from ledger.gateway.arguments import COMPLAINT_OUTCOMES, hash32, process_of, ref


def budget_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """approveBudget(budgetRef, fiscalYear, amount, currency, docHash, purchaserOrgs); the line's id is then
    scopedId(bureau, keccak256(budget_ref)), as the demo's."""
    return (
        ref(body["budget_ref"]),
        int(body["fiscal_year"]),
        int(body["amount"]),
        str(body["currency"]).encode("ascii"),
        hash32(body["doc_sha256"]),
        [hash32(org) for org in body["purchaser_org_ids"]],
    )


def organisation_decision_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """suspendOrganisation / reinstateOrganisation(orgId, docHash)."""
    return hash32(body["org_id"]), hash32(body["doc_sha256"])


def complaint_resolution_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """resolveComplaint(processId, complaintId, outcome, docHash)."""
    outcome = COMPLAINT_OUTCOMES[str(body["outcome"])]
    return process_of(body), hash32(body["complaint_id"]), outcome, hash32(body["doc_sha256"])


BUDGET = Action("budget", "finance", "approveBudget", budget_arguments)
SUSPENSION = Action("suspension", "finance", "suspendOrganisation", organisation_decision_arguments)
REINSTATEMENT = Action("reinstatement", "finance", "reinstateOrganisation", organisation_decision_arguments)
COMPLAINT_RESOLUTION = Action("complaint_resolution", "finance", "resolveComplaint", complaint_resolution_arguments)
