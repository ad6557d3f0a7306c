"""A Python model of the rules ProcurementLedger 2.0 enforces, for the stateful test.

Each action mirrors one contract function: it runs the contract's checks in the contract's order and raises
`Revert("<CustomErrorName>")` at the first one that fails, before changing anything (a reverted transaction changes
nothing); otherwise it applies the effects. Organisations act and accounts sign for them: the model keeps the
membership (account -> organisation), the organisations (role, suspending bureau) and the registered ocid prefixes,
and every record the contract keys by an id its writer chose. Addresses are checksummed strings, hashes and
organisation ids are 32-byte `bytes`, `now` is the timestamp of the block the next transaction lands in.

`recorded` holds every id the ledger recorded, as (kind, ...key) with the kind named after the event that records
it: the test compares it with the events on chain, so each id is recorded exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    AUDITOR_ROLE,
    COMPLAINT_NONE,
    DELIVERED,
    DELIVERY,
    DISMISSED,
    FINANCE_ROLE,
    NOT_SCHEDULED,
    OPEN,
    OPEN_TENDER,
    PUBLISHER_ROLE,
    PURCHASER_ROLE,
    SCHEDULED,
    SINGLE_SOURCE,
    SUPPLIER_ROLE,
    ZERO_ADDRESS,
    ZERO_HASH,
    Stage,
    commitment,
    scoped_id,
)

MAX_OCID_LENGTH = 128
MAX_OCID_PREFIX_LENGTH = 64
MAX_OPEN_COMPLAINTS_PER_ORGANISATION = 3
MAX_MILESTONES = 64
ORGANISATION_ROLES = (FINANCE_ROLE, PURCHASER_ROLE, SUPPLIER_ROLE, AUDITOR_ROLE, PUBLISHER_ROLE)

# The EIP-712 type of a relayed bid commitment (SealedBids.BID_COMMITMENT_TYPEHASH).
BID_COMMITMENT_TYPES = {
    "BidCommitment": [
        {"name": "processId", "type": "bytes32"},
        {"name": "bidderOrg", "type": "bytes32"},
        {"name": "commitment", "type": "bytes32"},
        {"name": "nonce", "type": "uint64"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def bid_commitment_message(
    process_id: bytes, bidder_org: bytes, sealed: bytes, nonce: int, deadline: int
) -> dict[str, object]:
    return {
        "processId": process_id,
        "bidderOrg": bidder_org,
        "commitment": sealed,
        "nonce": nonce,
        "deadline": deadline,
    }


def payment_parties(finance_org: bytes, supplier_org: bytes) -> bytes:
    """keccak256(abi.encode(financeOrg, supplierOrg)), as Agreements keeps it."""
    return keccak(encode(["bytes32", "bytes32"], [finance_org, supplier_org]))


class Revert(Exception):
    """The contract must revert with custom error `name`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Organisation:
    role: bytes
    suspended_by: bytes = ZERO_HASH


@dataclass
class Budget:
    amount: int
    fiscal_year: int
    currency: bytes
    finance_org: bytes
    purchasers: frozenset[bytes]
    committed: int = 0


@dataclass
class Process:
    budget_id: bytes = ZERO_HASH
    purchaser_org: bytes = ZERO_HASH
    finance_org: bytes = ZERO_HASH
    supplier_org: bytes = ZERO_HASH
    stage: int = Stage.NONE
    method: int = OPEN_TENDER
    bid_deadline: int = 0
    reveal_deadline: int = 0
    bid_count: int = 0
    reveal_count: int = 0
    open_complaints: int = 0
    award_amount: int = 0
    tender_amendments: int = 0


@dataclass
class Bid:
    commitment: bytes = ZERO_HASH
    amount: int = 0
    nonce_bump: int = 0
    revealed: bool = False

    @property
    def nonce(self) -> int:
        """`bidNonce`: every commit and cancellation moves it on."""
        return self.nonce_bump + (self.commitment != ZERO_HASH)


@dataclass
class Agreement:
    contract_id: bytes = ZERO_HASH
    value: int = 0
    original_value: int = 0
    scheduled_total: int = 0
    accepted_total: int = 0
    open_milestones: int = 0
    payment_parties: bytes = ZERO_HASH


@dataclass
class Milestone:
    amount: int = 0
    paid: int = 0
    state: int = NOT_SCHEDULED


@dataclass
class Complaint:
    complainant_org: bytes = ZERO_HASH
    status: int = COMPLAINT_NONE


class LedgerModel:
    """The rules, over the organisations, the membership and every record the ledger keeps."""

    def __init__(self, admin: str, domain: dict[str, object], now: int) -> None:
        self.admin = admin
        self.domain = domain  # the EIP-712 domain relayed bids are signed for
        self.now = now
        self.organisations: dict[bytes, Organisation] = {}
        self.organisation_of: dict[str, bytes] = {}
        self.ocid_prefix_owner: dict[bytes, bytes] = {}
        self.ocid_prefix_reserved: set[bytes] = set()
        self.budgets: dict[bytes, Budget] = {}
        self.processes: dict[bytes, Process] = {}
        self.tender_amendments: set[tuple[bytes, bytes]] = set()
        self.complaints: dict[tuple[bytes, bytes], Complaint] = {}
        self.open_complaints_of: dict[tuple[bytes, bytes], int] = {}
        self.audit_notes: set[tuple[bytes, bytes]] = set()
        self.bids: dict[tuple[bytes, bytes], Bid] = {}
        self.agreements: dict[bytes, Agreement] = {}
        self.milestones: dict[tuple[bytes, bytes], Milestone] = {}
        self.contract_amendments: set[tuple[bytes, bytes]] = set()
        self.payments: set[tuple[bytes, bytes]] = set()
        self.anchors: dict[tuple[bytes, bytes], int] = {}  # (anchorer, root) -> leaf count
        self.recorded: set[tuple[object, ...]] = set()

    # ─── Reads, as the contract's storage and views return them ─────────────────────────────────────────

    def process(self, process_id: bytes) -> Process:
        """The process, or a blank one (stage None) as the contract's storage would read."""
        return self.processes.get(process_id) or Process()

    def agreement(self, process_id: bytes) -> Agreement:
        return self.agreements.get(process_id) or Agreement()

    def milestone(self, process_id: bytes, milestone_id: bytes) -> Milestone:
        return self.milestones.get((process_id, milestone_id)) or Milestone()

    def bid(self, process_id: bytes, org: bytes) -> Bid:
        return self.bids.get((process_id, org)) or Bid()

    def complaint(self, process_id: bytes, complaint_id: bytes) -> Complaint:
        return self.complaints.get((process_id, complaint_id)) or Complaint()

    def org_of(self, account: str) -> bytes:
        """`organisationOf`: the organisation `account` signs for (zero if none)."""
        return self.organisation_of.get(account, ZERO_HASH)

    def role_of(self, org: bytes) -> bytes:
        return self.organisations[org].role if org in self.organisations else ZERO_HASH

    def suspended_by(self, org: bytes) -> bytes:
        return self.organisations[org].suspended_by if org in self.organisations else ZERO_HASH

    def ocid_owner(self, ocid: bytes) -> bytes:
        """`_ocidOwner`: the purchaser owning the registered "-"-delimited start of `ocid` (zero if none)."""
        for i in range(1, len(ocid)):
            if ocid[i : i + 1] == b"-" and ocid[:i] in self.ocid_prefix_owner:
                return self.ocid_prefix_owner[ocid[:i]]
        return ZERO_HASH

    # ─── Shared checks, as the contract's internal helpers ───────────────────────────────────────────────

    def _record(self, *key: object) -> None:
        assert key not in self.recorded, f"the model recorded {key} twice: its own checks should have refused"
        self.recorded.add(key)

    def _require_admin(self, sender: str) -> None:
        if sender != self.admin:  # onlyRole(DEFAULT_ADMIN_ROLE)
            raise Revert("AccessControlUnauthorizedAccount")

    def _caller_organisation(self, sender: str, role: bytes) -> bytes:
        org = self.org_of(sender)
        if org == ZERO_HASH or self.role_of(org) != role:
            raise Revert("AccessControlUnauthorizedAccount")
        return org

    def _active_caller_organisation(self, sender: str, role: bytes) -> bytes:
        org = self._caller_organisation(sender, role)
        self._require_not_suspended(org)
        return org

    def _require_not_suspended(self, org: bytes) -> None:
        if self.suspended_by(org) != ZERO_HASH:
            raise Revert("OrganisationUnderSuspension")

    @staticmethod
    def _require_document(doc_hash: bytes) -> None:
        if doc_hash == ZERO_HASH:
            raise Revert("DocumentHashMissing")

    def _existing(self, process_id: bytes) -> Process:
        process = self.processes.get(process_id)
        if process is None:
            raise Revert("ProcessUnknown")
        return process

    def _require_purchaser(self, sender: str, process: Process) -> None:
        if self.org_of(sender) != process.purchaser_org:
            raise Revert("ProcessNotPurchaser")

    def _require_finance_bureau(self, sender: str, process: Process) -> None:
        if self.org_of(sender) != process.finance_org:
            raise Revert("ProcessNotFinanceBureau")

    @staticmethod
    def _require_stage(process: Process, stage: int) -> None:
        if process.stage != stage:
            raise Revert("ProcessWrongStage")

    def _purchaser_process(self, sender: str, process_id: bytes, stage: int) -> Process:
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_stage(process, stage)
        return process

    @staticmethod
    def _require_no_open_complaints(process: Process) -> None:
        if process.open_complaints != 0:
            raise Revert("ProcessPausedByComplaints")

    @staticmethod
    def _require_active(process: Process) -> None:
        if process.stage not in (Stage.CONTRACTED, Stage.IMPLEMENTATION):
            raise Revert("ProcessUnknown" if process.stage == Stage.NONE else "ContractNotActive")

    def _check_budget(self, budget_id: bytes, amount: int) -> None:
        """The check of `_commitBudget`; the caller commits once every later check has passed."""
        line = self.budgets[budget_id]
        if amount > line.amount - line.committed:
            raise Revert("BudgetExceeded")

    # ─── Organisations ───────────────────────────────────────────────────────────────────────────────────

    def registerOrganisation(self, sender: str, org_id: bytes, role: bytes) -> None:
        self._require_admin(sender)
        if org_id == ZERO_HASH or role not in ORGANISATION_ROLES:
            raise Revert("OrganisationInvalid")
        if self.role_of(org_id) != ZERO_HASH:
            raise Revert("OrganisationAlreadyRegistered")
        self.organisations[org_id] = Organisation(role)

    def addOrganisationAccount(self, sender: str, org_id: bytes, account: str) -> None:
        self._require_admin(sender)
        if self.role_of(org_id) == ZERO_HASH:
            raise Revert("OrganisationUnknown")
        if account == ZERO_ADDRESS:
            raise Revert("OrganisationAccountInvalid")
        if account == self.admin:  # no admin transfer is ever pending here
            raise Revert("AdminAccountBound")
        if self.org_of(account) != ZERO_HASH:
            raise Revert("OrganisationAccountAlreadyBound")
        self.organisation_of[account] = org_id

    def removeOrganisationAccount(self, sender: str, org_id: bytes, account: str) -> None:
        self._require_admin(sender)
        if org_id == ZERO_HASH or self.org_of(account) != org_id:
            raise Revert("OrganisationAccountNotBound")
        del self.organisation_of[account]

    def registerOcidPrefix(self, sender: str, org_id: bytes, prefix: str) -> None:
        self._require_admin(sender)
        if self.role_of(org_id) != PURCHASER_ROLE:
            raise Revert("OrganisationInvalid")
        text = prefix.encode()
        if not 0 < len(text) <= MAX_OCID_PREFIX_LENGTH or text.endswith(b"-"):
            raise Revert("OcidPrefixInvalid")
        if text in self.ocid_prefix_owner or text in self.ocid_prefix_reserved:
            raise Revert("OcidPrefixUnavailable")
        starts = [text[:i] for i in range(1, len(text)) if text[i : i + 1] == b"-"]
        if any(start in self.ocid_prefix_owner for start in starts):
            raise Revert("OcidPrefixUnavailable")
        self.ocid_prefix_reserved.update(starts)
        self.ocid_prefix_owner[text] = org_id

    def suspendOrganisation(self, sender: str, org_id: bytes, doc_hash: bytes) -> None:
        bureau = self._caller_organisation(sender, FINANCE_ROLE)
        self._require_document(doc_hash)
        if self.role_of(org_id) not in (SUPPLIER_ROLE, PURCHASER_ROLE):
            raise Revert("OrganisationNotSuspendable")
        if self.suspended_by(org_id) != ZERO_HASH:
            raise Revert("OrganisationUnderSuspension")
        self.organisations[org_id].suspended_by = bureau

    def reinstateOrganisation(self, sender: str, org_id: bytes, doc_hash: bytes) -> None:
        bureau = self._caller_organisation(sender, FINANCE_ROLE)
        self._require_document(doc_hash)
        suspended_by = self.suspended_by(org_id)
        if suspended_by == ZERO_HASH:
            raise Revert("OrganisationNotSuspended")
        if suspended_by != bureau:
            raise Revert("OrganisationReinstatementOutOfScope")
        self.organisations[org_id].suspended_by = ZERO_HASH

    # ─── Budgets and the process lifecycle ───────────────────────────────────────────────────────────────

    def approveBudget(
        self,
        sender: str,
        budget_ref: bytes,
        fiscal_year: int,
        amount: int,
        currency: bytes,
        doc_hash: bytes,
        purchaser_orgs: list[bytes],
    ) -> None:
        bureau = self._caller_organisation(sender, FINANCE_ROLE)
        budget_id = scoped_id(bureau, budget_ref)
        if budget_id in self.budgets:
            raise Revert("BudgetAlreadyRecorded")
        self._require_document(doc_hash)
        if fiscal_year == 0 or amount == 0 or currency == bytes(3):
            raise Revert("BudgetInvalid")
        if not purchaser_orgs or any(self.role_of(org) != PURCHASER_ROLE for org in purchaser_orgs):
            raise Revert("BudgetPurchaserInvalid")
        self.budgets[budget_id] = Budget(amount, fiscal_year, currency, bureau, frozenset(purchaser_orgs))
        self._record("BudgetApproved", budget_id)

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

    # ─── Sealed bids, evaluation and award ───────────────────────────────────────────────────────────────

    def commitBid(self, sender: str, process_id: bytes, sealed: bytes) -> None:
        org = self._active_caller_organisation(sender, SUPPLIER_ROLE)
        self._commit(process_id, org, sealed)

    def commitBidFor(
        self,
        sender: str,
        process_id: bytes,
        bidder_org: bytes,
        signer: str,
        sealed: bytes,
        nonce: int,
        deadline: int,
        signature: bytes,
    ) -> None:
        if self.now > deadline:
            raise Revert("BidSignatureExpired")
        message = bid_commitment_message(process_id, bidder_org, sealed, nonce, deadline)
        digest = encode_typed_data(self.domain, BID_COMMITMENT_TYPES, message)
        if Account.recover_message(digest, signature=signature) != signer:
            raise Revert("BidSignatureInvalid")
        if self.org_of(signer) != bidder_org or self.role_of(bidder_org) != SUPPLIER_ROLE:
            raise Revert("AccessControlUnauthorizedAccount")
        self._require_not_suspended(bidder_org)
        if nonce != self.bid(process_id, bidder_org).nonce:
            raise Revert("BidNonceMismatch")
        self._commit(process_id, bidder_org, sealed)

    def _commit(self, process_id: bytes, org: bytes, sealed: bytes) -> None:
        if sealed == ZERO_HASH:
            raise Revert("BidCommitmentInvalid")
        process = self._existing(process_id)
        self._require_stage(process, Stage.TENDER)
        if self.now >= process.bid_deadline:
            raise Revert("TenderDeadlinePassed")
        bid = self.bids.setdefault((process_id, org), Bid())
        if bid.commitment != ZERO_HASH:
            bid.nonce_bump += 1
        else:
            process.bid_count += 1
        bid.commitment = sealed

    def cancelBidSignatures(self, sender: str, process_id: bytes) -> None:
        org = self._caller_organisation(sender, SUPPLIER_ROLE)
        self._existing(process_id)
        self.bids.setdefault((process_id, org), Bid()).nonce_bump += 1

    def revealBid(self, sender: str, process_id: bytes, amount: int, bid_doc_hash: bytes, salt: bytes) -> None:
        org = self._caller_organisation(sender, SUPPLIER_ROLE)
        process = self._existing(process_id)
        self._require_stage(process, Stage.TENDER)
        if self.now < process.bid_deadline or self.now >= process.reveal_deadline:
            raise Revert("BidRevealWindowClosed")
        bid = self.bid(process_id, org)
        if bid.commitment == ZERO_HASH:
            raise Revert("BidCommitmentMissing")
        if bid.revealed:
            raise Revert("BidAlreadyRevealed")
        if commitment(process_id, org, amount, bid_doc_hash, salt) != bid.commitment:
            raise Revert("BidRevealMismatch")
        if amount == 0:
            raise Revert("BidAmountInvalid")
        bid.amount, bid.revealed = amount, True
        process.reveal_count += 1

    def recordEvaluation(self, sender: str, process_id: bytes, report_hash: bytes) -> None:
        process = self._purchaser_process(sender, process_id, Stage.TENDER)
        self._require_document(report_hash)
        if self.now < process.reveal_deadline:
            raise Revert("EvaluationTooEarly")
        process.stage = Stage.EVALUATION

    def awardProcess(self, sender: str, process_id: bytes, supplier_org: bytes, amount: int, doc_hash: bytes) -> None:
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_not_suspended(process.purchaser_org)
        self._require_document(doc_hash)
        self._require_no_open_complaints(process)
        if amount == 0:
            raise Revert("AwardAmountInvalid")
        if self.role_of(supplier_org) != SUPPLIER_ROLE:
            raise Revert("AwardSupplierInvalid")
        self._require_not_suspended(supplier_org)
        if process.method == OPEN_TENDER:
            self._require_stage(process, Stage.EVALUATION)
            bid = self.bid(process_id, supplier_org)
            if not bid.revealed:
                raise Revert("AwardBidderNotRevealed")
            if bid.amount != amount:
                raise Revert("AwardAmountMismatch")
        else:
            self._require_stage(process, Stage.PLANNING)
        self._check_budget(process.budget_id, amount)
        self.budgets[process.budget_id].committed += amount
        process.stage, process.supplier_org, process.award_amount = Stage.AWARDED, supplier_org, amount

    # ─── Contract, implementation, payment ───────────────────────────────────────────────────────────────

    def _schedule(
        self, process_id: bytes, agreement: Agreement, value: int, ids: list[bytes], amounts: list[int]
    ) -> int:
        """The checks of `_schedule` against the contract's value after the call; returns the scheduled total."""
        if len(ids) != len(amounts) or len(ids) > MAX_MILESTONES:
            raise Revert("ContractScheduleInvalid")
        scheduled, seen = agreement.scheduled_total, set()
        for milestone_id, amount in zip(ids, amounts, strict=True):
            if milestone_id in seen or self.milestone(process_id, milestone_id).state != NOT_SCHEDULED:
                raise Revert("MilestoneAlreadyRecorded")  # the contract writes each milestone as it goes
            if milestone_id == ZERO_HASH or amount == 0:
                raise Revert("MilestoneInvalid")
            seen.add(milestone_id)
            scheduled += amount
        if scheduled > value:
            raise Revert("ContractScheduleExceedsValue")
        return scheduled

    def _apply_schedule(
        self, process_id: bytes, agreement: Agreement, scheduled: int, ids: list[bytes], amounts: list[int]
    ) -> None:
        for milestone_id, amount in zip(ids, amounts, strict=True):
            self.milestones[(process_id, milestone_id)] = Milestone(amount=amount, state=SCHEDULED)
            self._record("Milestone", process_id, milestone_id)
        agreement.scheduled_total = scheduled
        agreement.open_milestones += len(ids)

    def signContract(
        self,
        sender: str,
        process_id: bytes,
        contract_id: bytes,
        value: int,
        doc_hash: bytes,
        milestone_ids: list[bytes],
        milestone_amounts: list[int],
    ) -> None:
        process = self._existing(process_id)
        if contract_id != ZERO_HASH and self.agreement(process_id).contract_id == contract_id:
            raise Revert("ContractAlreadyRecorded")
        self._require_purchaser(sender, process)
        self._require_stage(process, Stage.AWARDED)
        self._require_not_suspended(process.purchaser_org)
        self._require_not_suspended(process.supplier_org)
        self._require_document(doc_hash)
        self._require_no_open_complaints(process)
        if contract_id == ZERO_HASH:
            raise Revert("ContractIdInvalid")
        if value == 0 or value > process.award_amount:
            raise Revert("ContractValueInvalid")
        if not milestone_ids:
            raise Revert("ContractScheduleInvalid")
        agreement = Agreement(
            contract_id=contract_id,
            value=value,
            original_value=value,
            payment_parties=payment_parties(process.finance_org, process.supplier_org),
        )
        scheduled = self._schedule(process_id, agreement, value, milestone_ids, milestone_amounts)
        self.agreements[process_id] = agreement
        self._apply_schedule(process_id, agreement, scheduled, milestone_ids, milestone_amounts)
        process.stage = Stage.CONTRACTED
        self.budgets[process.budget_id].committed -= process.award_amount - value
        self._record("ContractSigned", process_id, contract_id)

    def amendContract(
        self,
        sender: str,
        process_id: bytes,
        amendment_id: bytes,
        increase: int,
        doc_hash: bytes,
        milestone_ids: list[bytes],
        milestone_amounts: list[int],
    ) -> None:
        if (process_id, amendment_id) in self.contract_amendments:
            raise Revert("ContractAmendmentAlreadyRecorded")
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_active(process)
        self._require_not_suspended(process.purchaser_org)
        self._require_not_suspended(process.supplier_org)
        self._require_document(doc_hash)
        if increase == 0 and not milestone_ids:
            raise Revert("ContractAmendmentEmpty")
        agreement = self.agreements[process_id]
        if (agreement.value - agreement.original_value + increase) * 10 > agreement.original_value:
            raise Revert("ContractAmendmentCapExceeded")
        if increase:
            self._check_budget(process.budget_id, increase)
        value = agreement.value + increase
        scheduled = self._schedule(process_id, agreement, value, milestone_ids, milestone_amounts)
        self.contract_amendments.add((process_id, amendment_id))
        self.budgets[process.budget_id].committed += increase
        agreement.value = value
        self._apply_schedule(process_id, agreement, scheduled, milestone_ids, milestone_amounts)
        self._record("ContractAmended", process_id, amendment_id)

    def _settle(self, process: Process, agreement: Agreement) -> None:
        """Settle at what was accepted: the rest of the value goes back to the budget line."""
        self.budgets[process.budget_id].committed -= agreement.value - agreement.accepted_total

    def terminateContract(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_active(process)
        self._require_document(doc_hash)
        process.stage = Stage.TERMINATED
        self._settle(process, self.agreements[process_id])

    def completeProcess(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self._purchaser_process(sender, process_id, Stage.IMPLEMENTATION)
        self._require_document(doc_hash)
        agreement = self.agreements[process_id]
        if agreement.open_milestones != 0:
            raise Revert("ProcessMilestonesOpen")
        process.stage = Stage.COMPLETED
        self._settle(process, agreement)

    def recordMilestone(self, sender: str, process_id: bytes, milestone_id: bytes, kind: int, doc_hash: bytes) -> None:
        process = self.process(process_id)
        milestone = self.milestone(process_id, milestone_id)
        if kind == DELIVERY:
            if milestone.state >= DELIVERED:
                raise Revert("MilestoneAlreadyDelivered")
            self._require_active(process)
            if self.org_of(sender) != process.supplier_org:
                raise Revert("ProcessNotSupplier")
            if milestone.state == NOT_SCHEDULED:
                raise Revert("MilestoneUnknown")
            self._require_document(doc_hash)
            milestone.state = DELIVERED
            if process.stage == Stage.CONTRACTED:
                process.stage = Stage.IMPLEMENTATION
        else:
            assert kind == ACCEPTANCE
            if milestone.state == ACCEPTED:
                raise Revert("MilestoneAlreadyAccepted")
            self._require_active(process)
            if self.org_of(sender) != process.purchaser_org:
                raise Revert("ProcessNotPurchaser")
            if milestone.state != DELIVERED:
                raise Revert("MilestoneUnknown" if milestone.state == NOT_SCHEDULED else "MilestoneNotDelivered")
            self._require_document(doc_hash)
            milestone.state = ACCEPTED
            agreement = self.agreements[process_id]
            agreement.accepted_total += milestone.amount
            agreement.open_milestones -= 1

    def recordPayment(
        self,
        sender: str,
        process_id: bytes,
        payment_id: bytes,
        milestone_id: bytes,
        amount: int,
        payee: str,
        voucher_hash: bytes,
    ) -> None:
        if (process_id, payment_id) in self.payments:
            raise Revert("PaymentAlreadyRecorded")
        payer, payee_org = self.org_of(sender), self.org_of(payee)
        if payment_parties(payer, payee_org) != self.agreement(process_id).payment_parties:
            process = self._existing(process_id)
            if payer != process.finance_org:
                raise Revert("ProcessNotFinanceBureau")
            if self.agreement(process_id).contract_id == ZERO_HASH:
                raise Revert("ContractNotActive")
            raise Revert("PaymentPayeeNotSupplier")
        self._require_document(voucher_hash)
        if amount == 0:
            raise Revert("PaymentAmountInvalid")
        milestone = self.milestone(process_id, milestone_id)
        if milestone.state != ACCEPTED:
            raise Revert("PaymentMilestoneNotAccepted")
        if amount > milestone.amount - milestone.paid:
            raise Revert("PaymentExceedsMilestone")
        self.payments.add((process_id, payment_id))
        milestone.paid += amount
        self._record("PaymentRecorded", process_id, payment_id)

    # ─── Document anchors ────────────────────────────────────────────────────────────────────────────────

    def anchorDocuments(self, sender: str, root: bytes, count: int, process_id: bytes) -> None:
        org = self.org_of(sender)
        if org == ZERO_HASH:
            raise Revert("AccountNotRegistered")
        if (org, root) in self.anchors:
            raise Revert("AnchorAlreadyRecorded")
        if root == ZERO_HASH or count == 0:
            raise Revert("AnchorInvalid")
        if process_id != ZERO_HASH:
            process = self._existing(process_id)
            if org not in (process.purchaser_org, process.finance_org):
                raise Revert("AnchorNotProcessParty")
        self.anchors[(org, root)] = count
        self._record("DocumentsAnchored", org, root)
