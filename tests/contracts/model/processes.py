"""The rules of the process lifecycle before the award, and of the oversight around it: creation under an owned
ocid, the tender and its amendments, cancellation, complaints (standing, the per-organisation cap, resolution)
and audit notes.
"""

from __future__ import annotations

from eth_utils import keccak

from tests.contracts.conftest import (
    AUDITOR_ROLE,
    COMPLAINT_NONE,
    DISMISSED,
    OPEN,
    OPEN_TENDER,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    SUPPLIER_ROLE,
    ZERO_HASH,
    Stage,
    scoped_id,
)
from tests.contracts.model.base import ModelBase
from tests.contracts.model.records import (
    MAX_OCID_LENGTH,
    MAX_OPEN_COMPLAINTS_PER_ORGANISATION,
    Complaint,
    Process,
    Revert,
)


class ProcessRules(ModelBase):
    """The process lifecycle up to the award, and its oversight: createProcess, openTender, amendTender,
    cancelProcess, fileComplaint, resolveComplaint and recordAuditNote."""

    # ─── The process lifecycle ───────────────────────────────────────────────────────────────────────────

    def createProcess(
        self, sender: str, ocid: str, budget_id: bytes, method: int, doc_hash: bytes, rationale_hash: bytes
    ) -> None:
        process_id = keccak(text=ocid)
        if process_id in self.processes:
            raise Revert("ProcessAlreadyRecorded")
        org = self._active_caller_organisation(sender, PURCHASER_ROLE)
        if not 0 < len(ocid.encode()) <= MAX_OCID_LENGTH:
            raise Revert("ProcessInvalidOcid")
        if self.ocid_owner(ocid.encode()) != org:
            raise Revert("ProcessOcidNotOwned")
        self._require_document(doc_hash)
        if method == SINGLE_SOURCE:
            self._require_document(rationale_hash)
        line = self.budgets.get(budget_id)
        if line is None:
            raise Revert("BudgetUnknown")
        if org not in line.purchasers:
            raise Revert("BudgetNotForPurchaser")
        self.processes[process_id] = Process(
            budget_id=budget_id, purchaser_org=org, finance_org=line.finance_org, stage=Stage.PLANNING, method=method
        )
        self._record("ProcessCreated", process_id)

    def openTender(
        self, sender: str, process_id: bytes, bid_deadline: int, reveal_deadline: int, doc_hash: bytes
    ) -> None:
        process = self._purchaser_process(sender, process_id, Stage.PLANNING)
        self._require_not_suspended(process.purchaser_org)
        self._require_document(doc_hash)
        if process.method != OPEN_TENDER:
            raise Revert("ProcessWrongMethod")
        if bid_deadline <= self.now or reveal_deadline <= bid_deadline:
            raise Revert("TenderInvalidDeadlines")
        process.bid_deadline, process.reveal_deadline, process.stage = bid_deadline, reveal_deadline, Stage.TENDER

    def amendTender(
        self,
        sender: str,
        process_id: bytes,
        amendment_id: bytes,
        doc_hash: bytes,
        rationale_hash: bytes,
        bid_deadline: int,
        reveal_deadline: int,
    ) -> None:
        if (process_id, amendment_id) in self.tender_amendments:
            raise Revert("TenderAmendmentAlreadyRecorded")
        process = self._purchaser_process(sender, process_id, Stage.TENDER)
        self._require_document(doc_hash)
        self._require_document(rationale_hash)
        if self.now >= process.bid_deadline:
            raise Revert("TenderDeadlinePassed")
        if bid_deadline < process.bid_deadline or reveal_deadline < process.reveal_deadline:
            raise Revert("TenderDeadlineShortened")
        if reveal_deadline <= bid_deadline:
            raise Revert("TenderInvalidDeadlines")
        self.tender_amendments.add((process_id, amendment_id))
        process.bid_deadline, process.reveal_deadline = bid_deadline, reveal_deadline
        process.tender_amendments += 1
        self._record("TenderAmended", process_id, amendment_id)

    def cancelProcess(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_document(doc_hash)
        if process.stage > Stage.AWARDED:
            raise Revert("ProcessNotCancellable")
        if process.stage == Stage.AWARDED:
            self.budgets[process.budget_id].committed -= process.award_amount
        process.stage = Stage.CANCELLED

    # ─── Complaints and audit notes ──────────────────────────────────────────────────────────────────────

    def fileComplaint(self, sender: str, process_id: bytes, complaint_ref: bytes, doc_hash: bytes) -> None:
        org = self._caller_organisation(sender, SUPPLIER_ROLE)
        complaint_id = scoped_id(org, complaint_ref)
        if self.complaint(process_id, complaint_id).status != COMPLAINT_NONE:
            raise Revert("ComplaintAlreadyRecorded")
        process = self._existing(process_id)
        self._require_document(doc_hash)
        if process.stage >= Stage.CONTRACTED:
            raise Revert("ComplaintWindowClosed")
        terms_open = (
            process.method == SINGLE_SOURCE
            or process.stage == Stage.PLANNING
            or (process.stage == Stage.TENDER and self.now < process.bid_deadline)
        )
        if not terms_open and self.bid(process_id, org).commitment == ZERO_HASH:
            raise Revert("ComplaintNoStanding")
        open_ = self.open_complaints_of.get((process_id, org), 0)
        if open_ >= MAX_OPEN_COMPLAINTS_PER_ORGANISATION:
            raise Revert("ComplaintLimitReached")
        self.open_complaints_of[(process_id, org)] = open_ + 1
        self.complaints[(process_id, complaint_id)] = Complaint(org, OPEN)
        process.open_complaints += 1
        self._record("ComplaintFiled", process_id, complaint_id)

    def resolveComplaint(
        self, sender: str, process_id: bytes, complaint_id: bytes, outcome: int, doc_hash: bytes
    ) -> None:
        process = self._existing(process_id)
        self._require_finance_bureau(sender, process)
        complaint = self.complaint(process_id, complaint_id)
        if complaint.status != OPEN:
            raise Revert("ComplaintNotOpen")
        self._require_document(doc_hash)
        if outcome < DISMISSED:
            raise Revert("ComplaintOutcomeInvalid")
        complaint.status = outcome
        self.open_complaints_of[(process_id, complaint.complainant_org)] -= 1
        process.open_complaints -= 1

    def recordAuditNote(self, sender: str, process_id: bytes, note_ref: bytes, findings_hash: bytes) -> None:
        org = self._caller_organisation(sender, AUDITOR_ROLE)
        note_id = scoped_id(org, note_ref)
        if (process_id, note_id) in self.audit_notes:
            raise Revert("AuditNoteAlreadyRecorded")
        self._existing(process_id)
        self._require_document(findings_hash)
        self.audit_notes.add((process_id, note_id))
        self._record("AuditNoteRecorded", process_id, note_id)
