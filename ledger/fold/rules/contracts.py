"""Rules for a signed contract: its payment schedule, amendments, milestones delivered and accepted, payments, and
the settlement at completion or termination."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ledger.fold.working_set import Args, Row, Rule, WorkingSet, process_of


def _schedule(working: WorkingSet, ref: Row, args: Args, contract_id: str) -> int:
    """Add the milestones an event schedules; returns their total amount."""
    ids: Sequence[str] = args["milestoneIds"]
    amounts: Sequence[int] = args["milestoneAmounts"]
    for milestone_id, amount in zip(ids, amounts, strict=True):
        working.put(
            "milestones",
            {
                **ref,
                "process_id": args["processId"],
                "contract_id": contract_id,
                "milestone_id": milestone_id,
                "amount": amount,
                "paid": 0,
                "state": "scheduled",
                "delivery_doc_hash": None,
                "delivered_by": None,
                "delivered_tx_hash": None,
                "delivered_time": None,
                "acceptance_doc_hash": None,
                "accepted_by": None,
                "accepted_tx_hash": None,
                "accepted_time": None,
            },
        )
    return sum(amounts)


def _contract_signed(working: WorkingSet, args: Args, ref: Row) -> None:
    process_of(working, args, ref)["stage"] = "contracted"
    scheduled = _schedule(working, ref, args, args["contractId"])
    working.put(
        "contracts",
        {
            **ref,
            "process_id": args["processId"],
            "contract_id": args["contractId"],
            "supplier_org": args["supplierOrg"],
            "value": args["value"],
            "original_value": args["value"],
            "amended_total": 0,
            "scheduled_total": scheduled,
            "accepted_total": 0,
            "paid": 0,
            "doc_hash": args["docHash"],
            "terminated": False,
            "termination_doc_hash": None,
            "released": None,
        },
    )


def _contract_amended(working: WorkingSet, args: Args, ref: Row) -> None:
    contract = working.get("contracts", args["processId"])
    contract_id = contract["contract_id"] if contract is not None else ""
    scheduled = _schedule(working, ref, args, contract_id)
    if contract is not None:
        contract.update(
            value=args["newValue"],
            amended_total=contract["amended_total"] + args["increase"],
            scheduled_total=contract["scheduled_total"] + scheduled,
        )
    working.append(
        "contract_amendments",
        {
            **ref,
            "process_id": args["processId"],
            "amendment_id": args["amendmentId"],
            "increase": args["increase"],
            "new_value": args["newValue"],
            "doc_hash": args["docHash"],
            "milestone_ids": json.dumps(args["milestoneIds"]),
            "milestone_amounts": json.dumps([str(amount) for amount in args["milestoneAmounts"]]),
        },
    )


def _contract_terminated(working: WorkingSet, args: Args, ref: Row) -> None:
    process_of(working, args, ref)["stage"] = "terminated"
    contract = working.get("contracts", args["processId"])
    if contract is not None:
        # Termination settles the contract at what was accepted; the rest went back to the budget line.
        contract.update(terminated=True, termination_doc_hash=args["docHash"], released=args["released"])


def _process_completed(working: WorkingSet, args: Args, ref: Row) -> None:
    process_of(working, args, ref)["stage"] = "completed"
    contract = working.get("contracts", args["processId"])
    if contract is not None:
        contract["released"] = args["released"]


def _milestone_delivered(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
    if process["stage"] == "contracted":
        process["stage"] = "implementation"
    milestone = working.get("milestones", args["processId"], args["milestoneId"])
    if milestone is not None:
        milestone.update(
            state="delivered", delivery_doc_hash=args["docHash"], delivered_by=args["account"],
            delivered_tx_hash=ref["tx_hash"], delivered_time=ref["block_time"],
        )  # fmt: skip


def _milestone_accepted(working: WorkingSet, args: Args, ref: Row) -> None:
    milestone = working.get("milestones", args["processId"], args["milestoneId"])
    if milestone is not None:
        milestone.update(
            state="accepted", acceptance_doc_hash=args["docHash"], accepted_by=args["account"],
            accepted_tx_hash=ref["tx_hash"], accepted_time=ref["block_time"],
        )  # fmt: skip
    contract = working.get("contracts", args["processId"])
    if contract is not None:
        contract["accepted_total"] += args["amount"]


def _payment_recorded(working: WorkingSet, args: Args, ref: Row) -> None:
    contract = working.get("contracts", args["processId"])
    paid_total = args["amount"]
    if contract is not None:
        paid_total += contract["paid"]
        contract["paid"] = paid_total
    milestone = working.get("milestones", args["processId"], args["milestoneId"])
    if milestone is not None:
        milestone["paid"] = args["milestonePaid"]
    working.append(
        "payments",
        {
            **ref,
            "process_id": args["processId"],
            "contract_id": contract["contract_id"] if contract is not None else "",
            "milestone_id": args["milestoneId"],
            "payment_id": args["paymentId"],
            "amount": args["amount"],
            "milestone_paid": args["milestonePaid"],
            "paid_total": paid_total,
            "payer_org": args["payerOrg"],
            "payee_org": args["payeeOrg"],
            "payee": args["payee"],
            "voucher_hash": args["voucherHash"],
        },
    )


RULES: dict[str, Rule] = {
    "ContractSigned": _contract_signed,
    "ContractAmended": _contract_amended,
    "ContractTerminated": _contract_terminated,
    "ProcessCompleted": _process_completed,
    "MilestoneDelivered": _milestone_delivered,
    "MilestoneAccepted": _milestone_accepted,
    "PaymentRecorded": _payment_recorded,
}
