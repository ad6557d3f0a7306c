"""Rules for a process up to its award: creation, tender and amendments, sealed bids, evaluation, award, the
stage changes around them, complaints and audit notes."""

from __future__ import annotations

import json
from collections.abc import Callable

from ledger.fold.working_set import Args, Row, Rule, WorkingSet, process_of

METHODS = ("open_tender", "single_source")
COMPLAINT_STATUSES = ("none", "open", "dismissed", "upheld", "withdrawn")


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
            "purchaser": args["account"],
            "method": METHODS[args["method"]],
            "stage": "planning",
            "doc_hash": args["docHash"],
            "rationale_hash": rationale,
            "bid_deadline": None,
            "reveal_deadline": None,
            "tender_amendments": 0,
            "bid_count": 0,
            "reveal_count": 0,
            "open_complaints": 0,
            "supplier_org": None,
            "award_amount": None,
        },
    )


def _tender_opened(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
    process.update(stage="tender", bid_deadline=args["bidDeadline"], reveal_deadline=args["revealDeadline"])


def _tender_amended(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
    process.update(
        tender_amendments=args["number"], bid_deadline=args["bidDeadline"], reveal_deadline=args["revealDeadline"]
    )
    working.append(
        "tender_amendments",
        {
            **ref,
            "process_id": args["processId"],
            "amendment_id": args["amendmentId"],
            "number": args["number"],
            "doc_hash": args["docHash"],
            "rationale_hash": args["rationaleHash"],
            "bid_deadline": args["bidDeadline"],
            "reveal_deadline": args["revealDeadline"],
        },
    )


def _bid_committed(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
    relayer = args["relayer"] if int(args["relayer"], 16) else None
    bid = working.get("bids", args["processId"], args["bidderOrg"])
    if bid is None:
        process["bid_count"] += 1
        bid = working.put(
            "bids",
            {
                **ref,
                "process_id": args["processId"],
                "bidder_org": args["bidderOrg"],
                "commitments": 0,
                "revealed": False,
                "amount": None,
                "bid_doc_hash": None,
                "revealed_by": None,
                "revealed_tx_hash": None,
            },
        )
    bid.update(
        account=args["account"],
        commitment=args["commitment"],
        commitments=bid["commitments"] + 1,
        nonce=args["nonce"],
        relayer=relayer,
        committed_tx_hash=ref["tx_hash"],
    )


def _bid_signatures_cancelled(working: WorkingSet, args: Args, ref: Row) -> None:
    # Before a first commit there is no bid row; that commit's event carries the nonce then.
    bid = working.get("bids", args["processId"], args["bidderOrg"])
    if bid is not None:
        bid["nonce"] = args["nonce"]


def _bid_revealed(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
    process["reveal_count"] += 1
    bid = working.get("bids", args["processId"], args["bidderOrg"])
    if bid is not None:
        bid.update(
            revealed=True,
            amount=args["amount"],
            bid_doc_hash=args["bidDocHash"],
            revealed_by=args["account"],
            revealed_tx_hash=ref["tx_hash"],
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
            "unrevealed_count": args["unrevealedCount"],
            "revealed_bidders": json.dumps(args["revealedBidders"]),
            "revealed_amounts": json.dumps([str(amount) for amount in args["revealedAmounts"]]),
        },
    )


def _process_awarded(working: WorkingSet, args: Args, ref: Row) -> None:
    process = process_of(working, args, ref)
    process.update(stage="awarded", supplier_org=args["supplierOrg"], award_amount=args["amount"])
    working.append(
        "awards",
        {
            **ref,
            "process_id": args["processId"],
            "supplier_org": args["supplierOrg"],
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
            "complaint_ref": args["complaintRef"],
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
            status=COMPLAINT_STATUSES[args["outcome"]],
            resolution_doc_hash=args["docHash"],
            resolved_tx_hash=ref["tx_hash"],
        )


def _audit_note(working: WorkingSet, args: Args, ref: Row) -> None:
    working.append(
        "audit_notes",
        {
            **ref,
            "process_id": args["processId"],
            "note_id": args["noteId"],
            "note_ref": args["noteRef"],
            "auditor_org": args["auditorOrg"],
            "findings_hash": args["findingsHash"],
        },
    )


RULES: dict[str, Rule] = {
    "ProcessCreated": _process_created,
    "TenderOpened": _tender_opened,
    "TenderAmended": _tender_amended,
    "BidCommitted": _bid_committed,
    "BidSignaturesCancelled": _bid_signatures_cancelled,
    "BidRevealed": _bid_revealed,
    "EvaluationRecorded": _evaluation_recorded,
    "ProcessAwarded": _process_awarded,
    "ProcessCancelled": _stage_event("cancelled"),
    "ComplaintFiled": _complaint_filed,
    "ComplaintResolved": _complaint_resolved,
    "AuditNoteRecorded": _audit_note,
}
