"""The working set the projection rules change: one block range's rows, preloaded by apply, written back in bulk."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
Key = tuple[Any, ...]
Args = Mapping[str, Any]

# Tables whose rows change after they are written, with the columns that identify a row.
MUTABLE_KEYS: dict[str, tuple[str, ...]] = {
    "organisations": ("org_id",),
    "organisation_accounts": ("org_id", "account"),
    "budgets": ("budget_id",),
    "processes": ("process_id",),
    "bids": ("process_id", "bidder_org"),
    "contracts": ("process_id",),
    "milestones": ("process_id", "milestone_id"),
    "complaints": ("process_id", "complaint_id"),
}

# Tables whose rows never change once appended, with the columns that identify a row (besides the chain id).
APPENDED_KEYS: dict[str, tuple[str, ...]] = {
    "ocid_prefixes": ("prefix_hash",),
    "anchors": ("anchorer_org", "root"),
    "tender_amendments": ("process_id", "amendment_id"),
    "evaluations": ("process_id",),
    "awards": ("process_id",),
    "contract_amendments": ("process_id", "amendment_id"),
    "payments": ("process_id", "payment_id"),
    "audit_notes": ("process_id", "note_id"),
}

ROW_KEYS: dict[str, tuple[str, ...]] = {**MUTABLE_KEYS, **APPENDED_KEYS}
"""Every projection table's row key: its unique constraint without the chain id (tests/fold pins them)."""


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


def process_of(working: WorkingSet, args: Args, ref: Row) -> Row:
    """The row of the process an event names; every process event comes after its ProcessCreated."""
    process = working.get("processes", args["processId"])
    if process is None:  # the contract emits nothing for a process before ProcessCreated
        raise ValueError(f"event for unknown process {args['processId']} at block {ref['block_number']}")
    return process


Rule = Callable[[WorkingSet, Args, Row], None]
"""How one event changes the working set: (working set, the event's fields, its chain reference)."""
