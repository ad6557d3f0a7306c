"""A purchaser's writes up to the award: opening a process, publishing and amending its tender, recording the
evaluation, awarding, and cancelling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.gateway.actions import Action
from ledger.gateway.arguments import METHODS, hash32, optional_hash32, process_of, ref


def process_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """createProcess(ocid, budgetId, method, docHash, rationaleHash); the process id is keccak256(ocid)."""
    return (
        str(body["ocid"]),
        hash32(body["budget_id"]),
        METHODS[str(body["method"])],
        hash32(body["doc_sha256"]),
        optional_hash32(body.get("rationale_sha256")),
    )


def tender_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """openTender(processId, bidDeadline, revealDeadline, docHash), deadlines in unix seconds."""
    return process_of(body), int(body["bid_deadline"]), int(body["reveal_deadline"]), hash32(body["doc_sha256"])


def tender_amendment_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """amendTender(processId, amendmentId, docHash, rationaleHash, bidDeadline, revealDeadline)."""
    return (
        process_of(body),
        ref(body["amendment_ref"]),
        hash32(body["doc_sha256"]),
        hash32(body["rationale_sha256"]),
        int(body["bid_deadline"]),
        int(body["reveal_deadline"]),
    )


def process_decision_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """(processId, docHash): cancelProcess, terminateContract, completeProcess, recordEvaluation."""
    return process_of(body), hash32(body["doc_sha256"])


def award_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """awardProcess(processId, supplierOrg, amount, docHash)."""
    return process_of(body), hash32(body["supplier_org_id"]), int(body["amount"]), hash32(body["doc_sha256"])


PROCESS = Action("process", "purchaser", "createProcess", process_arguments)
TENDER = Action("tender", "purchaser", "openTender", tender_arguments)
TENDER_AMENDMENT = Action("tender_amendment", "purchaser", "amendTender", tender_amendment_arguments)
EVALUATION = Action("evaluation", "purchaser", "recordEvaluation", process_decision_arguments)
AWARD = Action("award", "purchaser", "awardProcess", award_arguments)
CANCELLATION = Action("cancellation", "purchaser", "cancelProcess", process_decision_arguments)
