"""Rules for a signed contract: amendments, termination, milestones delivered and accepted, payments."""

from __future__ import annotations

from ledger.indexer.working_set import Args, Row, Rule, WorkingSet, process_of


def _contract_signed(working: WorkingSet, args: Args, ref: Row) -> None:
    process_of(working, args, ref)["stage"] = "contracted"
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
    process_of(working, args, ref)["stage"] = "terminated"
    contract = working.get("contracts", args["processId"])
    if contract is not None:
        # Termination settles the value at what was paid; the rest went back to the budget line.
        contract.update(terminated=True, termination_doc_hash=args["docHash"], paid=args["paid"], value=args["paid"])


def _milestone_delivered(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
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


RULES: dict[str, Rule] = {
    "ContractSigned": _contract_signed,
    "ContractAmended": _contract_amended,
    "ContractTerminated": _contract_terminated,
    "MilestoneDelivered": _milestone_delivered,
    "MilestoneAccepted": _milestone_accepted,
    "PaymentRecorded": _payment_recorded,
}
