"""A purchaser's writes from the award on: signing and amending the contract, accepting delivered milestones,
terminating the contract and completing the process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.gateway.actions import Action
from ledger.gateway.arguments import MILESTONE_KINDS, hash32, process_of, ref, schedule
from ledger.gateway.process_actions import process_decision_arguments


def contract_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """signContract(processId, contractId, value, docHash, milestoneIds, milestoneAmounts); ids are keccak256 of
    the contract number and of each milestone's reference, as the demo's."""
    ids, amounts = schedule(body["milestones"])
    return process_of(body), ref(body["contract_ref"]), int(body["value"]), hash32(body["doc_sha256"]), ids, amounts


def contract_amendment_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """amendContract(processId, amendmentId, increase, docHash, milestoneIds, milestoneAmounts)."""
    ids, amounts = schedule(body.get("milestones", []))
    return (
        process_of(body), ref(body["amendment_ref"]), int(body["increase"]), hash32(body["doc_sha256"]), ids, amounts
    )  # fmt: skip


def acceptance_arguments(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """recordMilestone(processId, milestoneId, Acceptance, docHash): the purchaser accepts a delivered milestone."""
    kind = MILESTONE_KINDS["acceptance"]
    return process_of(body), hash32(body["milestone_id"]), kind, hash32(body["report_sha256"])


CONTRACT = Action("contract", "purchaser", "signContract", contract_arguments)
CONTRACT_AMENDMENT = Action("contract_amendment", "purchaser", "amendContract", contract_amendment_arguments)
ACCEPTANCE = Action("acceptance", "purchaser", "recordMilestone", acceptance_arguments)
TERMINATION = Action("termination", "purchaser", "terminateContract", process_decision_arguments)
COMPLETION = Action("completion", "purchaser", "completeProcess", process_decision_arguments)
