"""The model's state and what every rule shares: the reads, as the contract's storage and views return them, and the
checks of the contract's internal helpers (caller organisation, suspension, document, process, stage, budget).
"""

from __future__ import annotations

from tests.contracts.conftest import ZERO_HASH, Stage
from tests.contracts.model.records import Agreement, Bid, Budget, Complaint, Milestone, Organisation, Process, Revert


class ModelBase:
    """The organisations, the membership and every record the ledger keeps, with the checks the rules share."""

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
