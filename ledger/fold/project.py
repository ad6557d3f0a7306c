"""Projection: which entity each event belongs to, which rows its rule reads, and applying the rule.

The indexer's apply stage hands in a working set preloaded with the rows of the entities an event range touches,
and writes the result back in bulk; the verifier starts from an empty one and folds a process's whole history.
The rules (ledger.fold.rules, one per event) update those rows or append new ones. Pure: rows in, rows out, no I/O.
"""

from __future__ import annotations

from ledger.fold.rules import RULES
from ledger.fold.working_set import Row, WorkingSet
from ledger.indexer.decode import DecodedEvent

# Every event names its entity's id as its first field (topic 1): raw_logs' topic1 index serves a replay.
_ENTITY_OF_EVENT = {
    "OrganisationRegistered": ("org", "orgId"),
    "OrganisationAccountAdded": ("org", "orgId"),
    "OrganisationAccountRemoved": ("org", "orgId"),
    "OrganisationSuspended": ("org", "orgId"),
    "OrganisationReinstated": ("org", "orgId"),
    "OcidPrefixRegistered": ("org", "orgId"),
    "BudgetApproved": ("budget", "budgetId"),
    "BudgetCommitmentChanged": ("budget", "budgetId"),
    "DocumentsAnchored": ("anchor", "root"),
}


# The mutable tables each rule reads or changes: apply preloads only those rows of the range's entities.
TABLES_READ: dict[str, tuple[str, ...]] = {
    "OrganisationAccountAdded": ("organisation_accounts",),
    "OrganisationAccountRemoved": ("organisation_accounts",),
    "OrganisationSuspended": ("organisations",),
    "OrganisationReinstated": ("organisations",),
    "BudgetCommitmentChanged": ("budgets",),
    "TenderOpened": ("processes",),
    "TenderAmended": ("processes",),
    "BidCommitted": ("processes", "bids"),
    "BidSignaturesCancelled": ("bids",),
    "BidRevealed": ("processes", "bids"),
    "EvaluationRecorded": ("processes",),
    "ProcessAwarded": ("processes",),
    "ProcessCancelled": ("processes",),
    "ProcessCompleted": ("processes", "contracts"),
    "ContractSigned": ("processes",),
    "ContractAmended": ("contracts",),
    "ContractTerminated": ("processes", "contracts"),
    "MilestoneDelivered": ("processes", "milestones"),
    "MilestoneAccepted": ("milestones", "contracts"),
    "PaymentRecorded": ("contracts", "milestones"),
    "ComplaintFiled": ("processes",),
    "ComplaintResolved": ("processes", "complaints"),
}


def entity_of(event: DecodedEvent) -> tuple[str, str] | None:
    """(kind, id) of the entity an event belongs to, or None for events with no projection (e.g. role grants)."""
    kind_field = _ENTITY_OF_EVENT.get(event.name)
    if kind_field is not None:
        return kind_field[0], str(event.args[kind_field[1]])
    if event.name in RULES:
        return "process", str(event.args["processId"])
    return None


def project(working: WorkingSet, event: DecodedEvent, block_time: int) -> None:
    """Apply one event's rule to the working set; events without a rule change nothing here."""
    rule = RULES.get(event.name)
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
