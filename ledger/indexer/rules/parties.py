"""Rules for the parties and the money behind them: organisations and their accounts, budget lines, anchors."""

from __future__ import annotations

from eth_utils.crypto import keccak

from ledger.indexer.working_set import Args, Row, Rule, WorkingSet

ROLES = {
    "0x" + keccak(text=f"{name.upper()}_ROLE").hex(): name for name in ("finance", "purchaser", "supplier", "auditor")
}


def _organisation_registered(working: WorkingSet, args: Args, ref: Row) -> None:
    working.append("organisations", {**ref, "org_id": args["orgId"], "role": ROLES.get(args["role"], args["role"])})


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
    "BudgetApproved": _budget_approved,
    "BudgetCommitmentChanged": _budget_commitment,
    "DocumentsAnchored": _documents_anchored,
}
