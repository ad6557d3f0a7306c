"""Rules for a process up to its award: creation, tender and amendments, sealed bids, evaluation, award, the
stage changes around them, complaints and audit notes."""

from __future__ import annotations

import json
from collections.abc import Callable

from ledger.indexer.working_set import Args, Row, Rule, WorkingSet, process_of

METHODS = ("open_tender", "single_source")
COMPLAINT_OUTCOMES = ("open", "dismissed", "upheld", "withdrawn")


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
    process = process_of(working, args, ref)
    process.update(stage="tender", bid_deadline=args["bidDeadline"], reveal_deadline=args["revealDeadline"])


def _tender_amended(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
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
    process = process_of(working, args, ref)
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
    process = process_of(working, args, ref)
    process["reveal_count"] += 1
    bid = working.get("bids", args["processId"], args["bidder"])
    if bid is not None:
        bid.update(
            revealed=True, amount=args["amount"], bid_doc_hash=args["bidDocHash"], revealed_tx_hash=ref["tx_hash"]
        )


def _evaluation_recorded(working: WorkingSet, args: Args, ref: Row) -> None:
    process_of(working, args, ref)["stage"] = "evaluation"
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
    process_of(working, args, ref).update(stage="awarded", awardee=args["supplier"], award_amount=args["amount"])
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
        process_of(working, args, ref)["stage"] = stage

    return rule


def _complaint_filed(working: WorkingSet, args: Args, ref: Row) -> None:
    process_of(working, args, ref)["open_complaints"] += 1
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
    process_of(working, args, ref)["open_complaints"] = args["openComplaints"]
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


RULES: dict[str, Rule] = {
    "ProcessCreated": _process_created,
    "TenderOpened": _tender_opened,
    "TenderAmended": _tender_amended,
    "BidCommitted": _bid_committed,
    "BidRevealed": _bid_revealed,
    "EvaluationRecorded": _evaluation_recorded,
    "ProcessAwarded": _process_awarded,
    "ProcessCancelled": _stage_event("cancelled"),
    "ProcessCompleted": _stage_event("completed"),
    "ComplaintFiled": _complaint_filed,
    "ComplaintResolved": _complaint_resolved,
    "AuditNoteRecorded": _audit_note,
}
