"""Projection rules: how each event changes the mirror's tables. Pure: rows in, rows out, no I/O.

The apply stage hands in a working set preloaded with the rows of the entities an event range touches; the
rules below update those rows or append new ones, and apply writes the result back in bulk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak

from ledger.indexer.decode import DecodedEvent

STAGES = (
    "none", "planning", "tender", "evaluation", "awarded", "contracted", "implementation", "completed",
    "cancelled", "terminated",
)  # fmt: skip
METHODS = ("open_tender", "single_source")
COMPLAINT_OUTCOMES = ("open", "dismissed", "upheld", "withdrawn")
ROLES = {
    "0x" + keccak(text=f"{name.upper()}_ROLE").hex(): name for name in ("finance", "purchaser", "supplier", "auditor")
}

Row = dict[str, Any]
Args = Mapping[str, Any]
Key = tuple[Any, ...]

# Tables whose rows change after they are written, with the columns that identify a row.
MUTABLE_KEYS: dict[str, tuple[str, ...]] = {
    "organisation_accounts": ("org_id", "account"),
    "budgets": ("budget_id",),
    "processes": ("process_id",),
    "bids": ("process_id", "bidder"),
    "contracts": ("process_id",),
    "milestones": ("process_id", "milestone_id"),
    "complaints": ("process_id", "complaint_id"),
}
_PROCESS_TABLES = (
    "processes", "tender_amendments", "bids", "evaluations", "awards", "contracts",
    "contract_amendments", "milestones", "payments", "complaints", "audit_notes",
)  # fmt: skip
# The entity every table's rows belong to: rollback deletes and replays whole entities.
ENTITY_COLUMN: dict[str, str] = {
    "organisations": "org_id",
    "organisation_accounts": "org_id",
    "budgets": "budget_id",
    "anchors": "root",
    **dict.fromkeys(_PROCESS_TABLES, "process_id"),
}
ENTITY_KIND_OF_TABLE = {
    table: {"org_id": "org", "budget_id": "budget", "root": "anchor", "process_id": "process"}[column]
    for table, column in ENTITY_COLUMN.items()
}
_ENTITY_OF_EVENT = {
    "OrganisationRegistered": ("org", "orgId"),
    "OrganisationAccountAdded": ("org", "orgId"),
    "OrganisationAccountRemoved": ("org", "orgId"),
    "BudgetApproved": ("budget", "budgetId"),
    "BudgetCommitmentChanged": ("budget", "budgetId"),
    "DocumentsAnchored": ("anchor", "root"),
}


# The mutable tables each rule reads or changes: apply preloads only those rows of the range's entities.
TABLES_READ: dict[str, tuple[str, ...]] = {
    "OrganisationAccountAdded": ("organisation_accounts",),
    "OrganisationAccountRemoved": ("organisation_accounts",),
    "BudgetCommitmentChanged": ("budgets",),
    "TenderOpened": ("processes",),
    "TenderAmended": ("processes",),
    "BidCommitted": ("processes", "bids"),
    "BidRevealed": ("processes", "bids"),
    "EvaluationRecorded": ("processes",),
    "ProcessAwarded": ("processes",),
    "ProcessCancelled": ("processes",),
    "ProcessCompleted": ("processes",),
    "ContractSigned": ("processes",),
    "ContractAmended": ("contracts",),
    "ContractTerminated": ("processes", "contracts"),
    "MilestoneDelivered": ("processes", "contracts"),
    "MilestoneAccepted": ("milestones",),
    "PaymentRecorded": ("contracts",),
    "ComplaintFiled": ("processes",),
    "ComplaintResolved": ("processes", "complaints"),
}


def entity_of(event: DecodedEvent) -> tuple[str, str] | None:
    """(kind, id) of the entity an event belongs to, or None for events with no projection (e.g. role grants)."""
    kind_field = _ENTITY_OF_EVENT.get(event.name)
    if kind_field is not None:
        return kind_field[0], str(event.args[kind_field[1]])
    if event.name in _RULES:
        return "process", str(event.args["processId"])
    return None


@dataclass
class WorkingSet:
    """Rows of one range's entities: mutable rows by key (preloaded), and rows to append."""

    chain_id: int
    rows: dict[str, dict[Key, Row]] = field(default_factory=dict)
    appended: dict[str, list[Row]] = field(default_factory=dict)

    def get(self, table: str, *key: Any) -> Row | None:
        """The current row of `table` with this key, or None."""
        return self.rows.setdefault(table, {}).get(key)

    def put(self, table: str, row: Row) -> Row:
        """Add a new mutable row."""
        key = tuple(row[column] for column in MUTABLE_KEYS[table])
        self.rows.setdefault(table, {})[key] = row
        return row

    def append(self, table: str, row: Row) -> None:
        """Add a row that never changes afterwards."""
        self.appended.setdefault(table, []).append(row)


def project(working: WorkingSet, event: DecodedEvent, block_time: int) -> None:
    """Apply one event's rule to the working set; events without a rule change nothing here."""
    rule = _RULES.get(event.name)
    if rule is None:
        return
    rule(working, event.args, _ref(working.chain_id, event, block_time))
    if event.name == "ProcessCreated":  # the one row that records which contract it lives in
        created = working.get("processes", event.args["processId"])
        assert created is not None
        created["contract_address"] = event.log.address


def _ref(chain_id: int, event: DecodedEvent, block_time: int) -> Row:
    log = event.log
    return {
        "chain_id": chain_id,
        "block_number": log.block_number,
        "block_hash": log.block_hash,
        "tx_hash": log.tx_hash,
        "log_index": log.log_index,
        "block_time": block_time,
    }


def _process(working: WorkingSet, args: Args, ref: Row) -> Row:
    process = working.get("processes", args["processId"])
    if process is None:  # the contract emits nothing for a process before ProcessCreated
        raise ValueError(f"event for unknown process {args['processId']} at block {ref['block_number']}")
    return process


# ─── Rules, one per event ────────────────────────────────────────────────────────────────────────────────


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


def _process_created(working: WorkingSet, args: Args, ref: Row) -> None:
    rationale = args["rationaleHash"] if int(args["rationaleHash"], 16) else None
    working.put(
        "processes",
        {
            **ref,
            "contract_address": "",  # set by project(), which sees the log
            "process_id": args["processId"],
            "ocid": args["ocid"],
            "budget_id": args["budgetId"],
            "purchaser_org": args["purchaserOrg"],
            "purchaser": args["purchaser"],
            "method": METHODS[args["method"]],
            "stage": "planning",
            "doc_hash": args["docHash"],
            "rationale_hash": rationale,
            "bid_deadline": None,
            "reveal_deadline": None,
            "amendments": 0,
            "bid_count": 0,
            "reveal_count": 0,
            "open_complaints": 0,
            "awardee": None,
            "award_amount": None,
        },
    )


def _tender_opened(working: WorkingSet, args: Args, ref: Row) -> None:
    process = _process(working, args, ref)
    process.update(stage="tender", bid_deadline=args["bidDeadline"], reveal_deadline=args["revealDeadline"])


def _tender_amended(working: WorkingSet, args: Args, ref: Row) -> None:
    process = _process(working, args, ref)
    process.update(
        amendments=args["amendment"], bid_deadline=args["bidDeadline"], reveal_deadline=args["revealDeadline"]
    )
    working.append(
        "tender_amendments",
        {
            **ref,
            "process_id": args["processId"],
            "amendment": args["amendment"],
            "doc_hash": args["docHash"],
            "rationale_hash": args["rationaleHash"],
            "bid_deadline": args["bidDeadline"],
            "reveal_deadline": args["revealDeadline"],
        },
    )


def _bid_committed(working: WorkingSet, args: Args, ref: Row) -> None:
    process = _process(working, args, ref)
    relayer = args["relayer"] if int(args["relayer"], 16) else None
    bid = working.get("bids", args["processId"], args["bidder"])
    if bid is None:
        process["bid_count"] += 1
        bid = working.put(
            "bids",
            {
                **ref,
                "process_id": args["processId"],
                "bidder": args["bidder"],
                "commitments": 0,
                "revealed": False,
                "amount": None,
                "bid_doc_hash": None,
                "revealed_tx_hash": None,
            },
        )
    bid.update(
        commitment=args["commitment"],
        commitments=bid["commitments"] + 1,
        relayer=relayer,
        committed_tx_hash=ref["tx_hash"],
    )


def _bid_revealed(working: WorkingSet, args: Args, ref: Row) -> None:
    process = _process(working, args, ref)
    process["reveal_count"] += 1
    bid = working.get("bids", args["processId"], args["bidder"])
    if bid is not None:
        bid.update(
            revealed=True, amount=args["amount"], bid_doc_hash=args["bidDocHash"], revealed_tx_hash=ref["tx_hash"]
        )


def _evaluation_recorded(working: WorkingSet, args: Args, ref: Row) -> None:
    _process(working, args, ref)["stage"] = "evaluation"
    working.append(
        "evaluations",
        {
            **ref,
            "process_id": args["processId"],
            "report_hash": args["reportHash"],
            "bid_count": args["bidCount"],
            "revealed_bidders": json.dumps(args["revealedBidders"]),
            "revealed_amounts": json.dumps([str(amount) for amount in args["revealedAmounts"]]),
        },
    )


def _process_awarded(working: WorkingSet, args: Args, ref: Row) -> None:
    _process(working, args, ref).update(stage="awarded", awardee=args["supplier"], award_amount=args["amount"])
    working.append(
        "awards",
        {
            **ref,
            "process_id": args["processId"],
            "supplier": args["supplier"],
            "amount": args["amount"],
            "doc_hash": args["docHash"],
            "bid_count": args["bidCount"],
            "reveal_count": args["revealCount"],
        },
    )


def _stage_event(stage: str) -> Callable[[WorkingSet, Args, Row], None]:
    def rule(working: WorkingSet, args: Args, ref: Row) -> None:
        _process(working, args, ref)["stage"] = stage

    return rule


def _contract_signed(working: WorkingSet, args: Args, ref: Row) -> None:
    _process(working, args, ref)["stage"] = "contracted"
    working.put(
        "contracts",
        {
            **ref,
            "process_id": args["processId"],
            "contract_id": args["contractId"],
            "supplier": args["supplier"],
            "value": args["value"],
            "original_value": args["value"],
            "amended_total": 0,
            "paid": 0,
            "doc_hash": args["docHash"],
            "terminated": False,
            "termination_doc_hash": None,
        },
    )


def _contract_amended(working: WorkingSet, args: Args, ref: Row) -> None:
    contract = working.get("contracts", args["processId"])
    if contract is not None:
        contract.update(value=args["newValue"], amended_total=contract["amended_total"] + args["increase"])
    working.append(
        "contract_amendments",
        {
            **ref,
            "process_id": args["processId"],
            "contract_id": args["contractId"],
            "increase": args["increase"],
            "new_value": args["newValue"],
            "doc_hash": args["docHash"],
        },
    )


def _contract_terminated(working: WorkingSet, args: Args, ref: Row) -> None:
    _process(working, args, ref)["stage"] = "terminated"
    contract = working.get("contracts", args["processId"])
    if contract is not None:
        # Termination settles the value at what was paid; the rest went back to the budget line.
        contract.update(terminated=True, termination_doc_hash=args["docHash"], paid=args["paid"], value=args["paid"])


def _milestone_delivered(working: WorkingSet, args: Args, ref: Row) -> None:
    process = _process(working, args, ref)
    if process["stage"] == "contracted":
        process["stage"] = "implementation"
    contract = working.get("contracts", args["processId"])
    working.put(
        "milestones",
        {
            **ref,
            "process_id": args["processId"],
            "contract_id": args["contractId"],
            "milestone_id": args["milestoneId"],
            "state": "delivered",
            "delivery_doc_hash": args["docHash"],
            "delivered_by": contract["supplier"] if contract is not None else "",
            "acceptance_doc_hash": None,
            "accepted_by": None,
            "accepted_tx_hash": None,
        },
    )


def _milestone_accepted(working: WorkingSet, args: Args, ref: Row) -> None:
    milestone = working.get("milestones", args["processId"], args["milestoneId"])
    if milestone is not None:
        milestone.update(
            state="accepted", acceptance_doc_hash=args["docHash"], accepted_by=args["acceptedBy"],
            accepted_tx_hash=ref["tx_hash"],
        )  # fmt: skip


def _payment_recorded(working: WorkingSet, args: Args, ref: Row) -> None:
    contract = working.get("contracts", args["processId"])
    value = contract["value"] if contract is not None else args["paidTotal"]
    if contract is not None:
        contract["paid"] = args["paidTotal"]
    working.append(
        "payments",
        {
            **ref,
            "process_id": args["processId"],
            "contract_id": args["contractId"],
            "milestone_id": args["milestoneId"],
            "payment_id": args["paymentId"],
            "amount": args["amount"],
            "paid_total": args["paidTotal"],
            "remaining": value - args["paidTotal"],
            "payee": args["payee"],
            "voucher_hash": args["voucherHash"],
        },
    )


def _complaint_filed(working: WorkingSet, args: Args, ref: Row) -> None:
    _process(working, args, ref)["open_complaints"] += 1
    working.put(
        "complaints",
        {
            **ref,
            "process_id": args["processId"],
            "complaint_id": args["complaintId"],
            "complainant_org": args["complainantOrg"],
            "doc_hash": args["docHash"],
            "status": "open",
            "resolution_doc_hash": None,
            "resolved_tx_hash": None,
        },
    )


def _complaint_resolved(working: WorkingSet, args: Args, ref: Row) -> None:
    _process(working, args, ref)["open_complaints"] = args["openComplaints"]
    complaint = working.get("complaints", args["processId"], args["complaintId"])
    if complaint is not None:
        complaint.update(
            status=COMPLAINT_OUTCOMES[args["outcome"]],
            resolution_doc_hash=args["docHash"],
            resolved_tx_hash=ref["tx_hash"],
        )


def _audit_note(working: WorkingSet, args: Args, ref: Row) -> None:
    working.append(
        "audit_notes",
        {
            **ref,
            "process_id": args["processId"],
            "auditor_org": args["auditorOrg"],
            "findings_hash": args["findingsHash"],
        },
    )


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


_RULES: dict[str, Callable[[WorkingSet, Args, Row], None]] = {
    "OrganisationRegistered": _organisation_registered,
    "OrganisationAccountAdded": _account_added,
    "OrganisationAccountRemoved": _account_removed,
    "BudgetApproved": _budget_approved,
    "BudgetCommitmentChanged": _budget_commitment,
    "ProcessCreated": _process_created,
    "TenderOpened": _tender_opened,
    "TenderAmended": _tender_amended,
    "BidCommitted": _bid_committed,
    "BidRevealed": _bid_revealed,
    "EvaluationRecorded": _evaluation_recorded,
    "ProcessAwarded": _process_awarded,
    "ProcessCancelled": _stage_event("cancelled"),
    "ProcessCompleted": _stage_event("completed"),
    "ContractSigned": _contract_signed,
    "ContractAmended": _contract_amended,
    "ContractTerminated": _contract_terminated,
    "MilestoneDelivered": _milestone_delivered,
    "MilestoneAccepted": _milestone_accepted,
    "PaymentRecorded": _payment_recorded,
    "ComplaintFiled": _complaint_filed,
    "ComplaintResolved": _complaint_resolved,
    "AuditNoteRecorded": _audit_note,
    "DocumentsAnchored": _documents_anchored,
}
