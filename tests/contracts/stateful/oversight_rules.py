"""The machine's rules on oversight: complaints (filed under fresh or reused references, up to the per-organisation
cap, resolved by the right bureau or another) and audit notes.
"""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.contracts.conftest import COMPLAINT_NONE, DISMISSED, OPEN, UPHELD, WITHDRAWN, Stage, scoped_id
from tests.contracts.model import MAX_OPEN_COMPLAINTS_PER_ORGANISATION
from tests.contracts.stateful.base import MachineBase
from tests.contracts.stateful.domains import (
    ACTIVE,
    COMPLAINTS,
    NOTES,
    OPEN_STAGES,
    ORG_IDS,
    SUPPLIERS,
    actor,
    doc_ok,
    hash_or_zero,
    process_ref,
)


class OversightRules(MachineBase):
    """Complaints and audit notes."""

    @rule(
        who=actor(*SUPPLIERS),
        ocid=process_ref,
        ref=st.sampled_from(["fresh", "fresh", *sorted(COMPLAINTS)]),
        filing=doc_ok,
    )
    def file_complaint(self, who: str, ocid: str, ref: str, filing: bool) -> None:
        """File a complaint under a reference its organisation has not used on the process yet, or any."""
        ocid = self.resolve(ocid, Stage.EVALUATION, Stage.AWARDED, Stage.TENDER, Stage.PLANNING, *ACTIVE)
        self.complain(who, ocid, ref, filing)

    @rule(who=actor(*SUPPLIERS), ocid=process_ref)
    def complaints_up_to_the_cap(self, who: str, ocid: str) -> None:
        """A supplier files complaint after complaint on one process: with three open, the next one reverts."""
        ocid = self.resolve(ocid, Stage.PLANNING, Stage.AWARDED, Stage.EVALUATION, Stage.TENDER)
        for _ in range(MAX_OPEN_COMPLAINTS_PER_ORGANISATION + 1):
            if not self.complain(who, ocid, "fresh", True):
                break

    def complain(self, who: str, ocid: str, ref: str, filing: bool) -> bool:
        process_id, org_id = keccak(text=ocid), self.model.org_of(self.address[who])
        if ref == "fresh":
            ref = self.fresh(
                COMPLAINTS, lambda ref_id: bool(self.model.complaint(process_id, scoped_id(org_id, ref_id)).status)
            )
        return self.send("fileComplaint", who, process_id, COMPLAINTS[ref], hash_or_zero(filing, "complaint"))

    def open_complaint(self, process_id: bytes) -> tuple[str, str]:
        """The complainant and reference of the first open complaint of the process (A's first if none)."""
        return next(
            (
                (name, ref)
                for name in ("A", "B", "C")
                for ref, ref_id in COMPLAINTS.items()
                if self.model.complaint(process_id, scoped_id(ORG_IDS[name], ref_id)).status == OPEN
            ),
            ("A", "c1"),
        )

    @rule(
        who=actor("@finance"),
        ocid=process_ref,
        complainant=st.sampled_from(["open", "open", "A", "B", "C"]),
        ref=st.sampled_from(sorted(COMPLAINTS)),
        outcome=st.sampled_from([DISMISSED, UPHELD, WITHDRAWN, COMPLAINT_NONE, OPEN]),
        decision=doc_ok,
    )
    def resolve_complaint(self, who: str, ocid: str, complainant: str, ref: str, outcome: int, decision: bool) -> None:
        """Resolve an open complaint of the process ("open"), or any, with an outcome or an invalid one."""
        ocid = self.resolve(ocid, *OPEN_STAGES)
        if complainant == "open":
            complainant, ref = self.open_complaint(keccak(text=ocid))
        complaint_id = scoped_id(ORG_IDS[complainant], COMPLAINTS[ref])
        self.send(
            "resolveComplaint",
            self.who(who, ocid),
            keccak(text=ocid),
            complaint_id,
            outcome,
            hash_or_zero(decision, "decision"),
        )

    @rule(who=actor("auditor"), ocid=process_ref, ref=st.sampled_from(sorted(NOTES)), findings=doc_ok)
    def record_audit_note(self, who: str, ocid: str, ref: str, findings: bool) -> None:
        ocid = self.resolve(ocid, *range(Stage.PLANNING, Stage.TERMINATED + 1))
        self.send("recordAuditNote", who, keccak(text=ocid), NOTES[ref], hash_or_zero(findings, "findings"))
