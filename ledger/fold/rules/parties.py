"""Rules for the parties and the money behind them: organisations, their accounts, suspensions and ocid prefixes,
budget lines, and anchors."""

from __future__ import annotations

import json

from eth_utils.crypto import keccak

from ledger.fold.working_set import Args, Row, Rule, WorkingSet

ROLES = {
    "0x" + keccak(text=f"{name.upper()}_ROLE").hex(): name
    for name in ("finance", "purchaser", "supplier", "auditor", "publisher")
}


def role_name(role: str) -> str:
    """The short name of an organisation role hash (the hash itself if it is none of ours)."""
    return ROLES.get(role, role)


def _organisation_registered(working: WorkingSet, args: Args, ref: Row) -> None:
    working.put(
        "organisations",
        {
            **ref,
            "org_id": args["orgId"],
            "role": role_name(args["role"]),
            "suspended_by": None,
            "suspension_doc_hash": None,
            "suspended_tx_hash": None,
        },
    )


def _organisation_suspended(working: WorkingSet, args: Args, ref: Row) -> None:
    organisation = working.get("organisations", args["orgId"])
    if organisation is not None:
        organisation.update(
            suspended_by=args["byOrg"], suspension_doc_hash=args["docHash"], suspended_tx_hash=ref["tx_hash"]
        )


def _organisation_reinstated(working: WorkingSet, args: Args, ref: Row) -> None:
    organisation = working.get("organisations", args["orgId"])
    if organisation is not None:
        organisation.update(suspended_by=None, suspension_doc_hash=None, suspended_tx_hash=None)


def _ocid_prefix_registered(working: WorkingSet, args: Args, ref: Row) -> None:
    row = {**ref, "org_id": args["orgId"], "prefix_hash": args["prefixHash"], "prefix": args["prefix"]}
    working.append("ocid_prefixes", row)


def _account_added(working: WorkingSet, args: Args, ref: Row) -> None:
    row = {**ref, "org_id": args["orgId"], "account": args["account"], "role": ROLES.get(args["role"], "unknown")}
    existing = working.get("organisation_accounts", args["orgId"], args["account"])
    if existing is not None:  # added again after a removal: the row now names the latest addition
        existing.update(row, active=True, removed_tx_hash=None)
    else:
        working.put("organisation_accounts", {**row, "active": True, "removed_tx_hash": None})


def _account_removed(working: WorkingSet, args: Args, ref: Row) -> None:
    row = working.get("organisation_accounts", args["orgId"], args["account"])
    if row is not None:
        row.update(active=False, removed_tx_hash=ref["tx_hash"])


def _budget_approved(working: WorkingSet, args: Args, ref: Row) -> None:
    currency = bytes.fromhex(args["currency"][2:]).decode("ascii", errors="replace")
    working.put(
        "budgets",
        {
            **ref,
            "budget_id": args["budgetId"],
            "finance_org": args["financeOrg"],
            "budget_ref": args["budgetRef"],
            "purchaser_orgs": json.dumps(args["purchaserOrgs"]),
            "fiscal_year": args["fiscalYear"],
            "amount": args["amount"],
            "currency": currency,
            "doc_hash": args["docHash"],
            "committed": 0,
        },
    )


def _budget_commitment(working: WorkingSet, args: Args, ref: Row) -> None:
    budget = working.get("budgets", args["budgetId"])
    if budget is not None:
        budget["committed"] = args["committed"]


def _documents_anchored(working: WorkingSet, args: Args, ref: Row) -> None:
    process_id = args["processId"] if int(args["processId"], 16) else None
    working.append(
        "anchors",
        {
            **ref,
            "root": args["root"],
            "process_id": process_id,
            "anchorer_org": args["anchorerOrg"],
            "count": args["count"],
        },
    )


RULES: dict[str, Rule] = {
    "OrganisationRegistered": _organisation_registered,
    "OrganisationAccountAdded": _account_added,
    "OrganisationAccountRemoved": _account_removed,
    "OrganisationSuspended": _organisation_suspended,
    "OrganisationReinstated": _organisation_reinstated,
    "OcidPrefixRegistered": _ocid_prefix_registered,
    "BudgetApproved": _budget_approved,
    "BudgetCommitmentChanged": _budget_commitment,
    "DocumentsAnchored": _documents_anchored,
}
