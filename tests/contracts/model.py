"""A small Python model of the rules ProcurementLedger enforces, for the stateful test.

Each action mirrors one contract function: it runs the contract's checks in the contract's order and raises
`Revert("<CustomErrorName>")` at the first one that fails, before changing anything (a reverted transaction changes
nothing); otherwise it applies the effects. Addresses are checksummed strings, hashes are 32-byte `bytes`, `now`
is the timestamp of the block the next transaction lands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    DELIVERY,
    FINANCE_ROLE,
    OPEN_TENDER,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    SUPPLIER_ROLE,
    Stage,
    commitment,
)

ZERO_HASH = bytes(32)
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_OCID_LENGTH = 128

# MilestoneState and ComplaintOutcome
NOT_RECORDED, DELIVERED, ACCEPTED = 0, 1, 2
OUTCOME_NONE = 0


def contract_tag(contract_id: bytes) -> int:
    """The low 96 bits of keccak256(abi.encode(contractId)), kept beside the supplier to check a contract id."""
    return int.from_bytes(keccak(contract_id)) & (2**96 - 1)


class Revert(Exception):
    """The contract must revert with custom error `name`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Budget:
    amount: int
    committed: int = 0


@dataclass
class Bid:
    commitment: bytes = ZERO_HASH
    amount: int = 0
    revealed: bool = False


@dataclass
class Agreement:
    contract_id: bytes = ZERO_HASH
    value: int = 0
    paid: int = 0
    payment_count: int = 0
    original_value: int = 0
    amended_total: int = 0
    accepted_milestones: int = 0
    supplier: str = ZERO_ADDRESS
    contract_tag: int = 0


@dataclass
class Process:
    budget_id: bytes = ZERO_HASH
    purchaser_org: bytes = ZERO_HASH
    bid_deadline: int = 0
    reveal_deadline: int = 0
    stage: int = Stage.NONE
    method: int = OPEN_TENDER
    open_complaints: int = 0
    amendments: int = 0
    bid_count: int = 0
    reveal_count: int = 0
    awardee: str = ZERO_ADDRESS
    award_amount: int = 0
    bids: dict[str, Bid] = field(default_factory=dict)
    agreement: Agreement = field(default_factory=Agreement)
    milestones: dict[bytes, int] = field(default_factory=dict)
    complaints: dict[bytes, int] = field(default_factory=dict)  # filed complaint id -> outcome (0 while open)


class LedgerModel:
    """The rules, over a registry of accounts (address -> (organisation id, role)) and approved budget lines."""

    def __init__(self, members: dict[str, tuple[bytes, bytes]], budgets: dict[bytes, int], now: int) -> None:
        self.members = members
        self.budgets = {budget_id: Budget(amount) for budget_id, amount in budgets.items()}
        self.processes: dict[bytes, Process] = {}
        self.now = now

    # ─── Lookups and shared checks, as the contract's internal helpers ──────────────────────────────────

    def process(self, process_id: bytes) -> Process:
        """The process, or a blank one (stage None) as the contract's storage would read."""
        return self.processes.get(process_id) or Process()

    def bid(self, process_id: bytes, bidder: str) -> Bid:
        return self.process(process_id).bids.get(bidder) or Bid()

    def has_role(self, account: str, role: bytes) -> bool:
        return account in self.members and self.members[account][1] == role

    def check_role(self, account: str, role: bytes) -> bytes:
        """`_checkRole` / `_callerOrganisation`: the caller's organisation."""
        if not self.has_role(account, role):
            raise Revert("AccessControlUnauthorizedAccount")
        return self.members[account][0]

    def existing(self, process_id: bytes) -> Process:
        process = self.processes.get(process_id)
        if process is None:
            raise Revert("ProcessUnknown")
        return process

    def require_purchaser(self, sender: str, process: Process) -> None:
        if self.check_role(sender, PURCHASER_ROLE) != process.purchaser_org:
            raise Revert("ProcessNotPurchaser")

    @staticmethod
    def require_stage(process: Process, stage: int) -> None:
        if process.stage != stage:
            raise Revert("ProcessWrongStage")

    def purchaser_process(self, sender: str, process_id: bytes, stage: int) -> Process:
        process = self.existing(process_id)
        self.require_purchaser(sender, process)
        self.require_stage(process, stage)
        return process

    @staticmethod
    def require_document(doc_hash: bytes) -> None:
        if doc_hash == ZERO_HASH:
            raise Revert("DocumentHashMissing")

    @staticmethod
    def require_no_open_complaints(process: Process) -> None:
        if process.open_complaints != 0:
            raise Revert("ProcessPausedByComplaints")

    @staticmethod
    def require_active(process: Process) -> None:
        if process.stage not in (Stage.CONTRACTED, Stage.IMPLEMENTATION):
            raise Revert("ProcessUnknown" if process.stage == Stage.NONE else "ContractNotActive")

    @staticmethod
    def agreement_of(process: Process, contract_id: bytes) -> Agreement:
        if contract_id == ZERO_HASH or process.agreement.contract_tag != contract_tag(contract_id):
            raise Revert("ContractUnknown")
        return process.agreement

    def check_budget(self, budget_id: bytes, amount: int) -> None:
        line = self.budgets[budget_id]
        if amount > line.amount - line.committed:
            raise Revert("BudgetExceeded")

    # ─── Process lifecycle ───────────────────────────────────────────────────────────────────────────────

    def createProcess(
        self, sender: str, ocid: str, budget_id: bytes, method: int, doc_hash: bytes, rationale_hash: bytes
    ) -> None:
        org = self.check_role(sender, PURCHASER_ROLE)
        if not 0 < len(ocid.encode()) <= MAX_OCID_LENGTH:
            raise Revert("ProcessInvalidOcid")
        self.require_document(doc_hash)
        if method == SINGLE_SOURCE and rationale_hash == ZERO_HASH:
            raise Revert("SingleSourceRationaleMissing")
        if budget_id not in self.budgets:
            raise Revert("BudgetUnknown")
        process_id = keccak(text=ocid)
        if process_id in self.processes:
            raise Revert("ProcessAlreadyExists")
        self.processes[process_id] = Process(
            budget_id=budget_id, purchaser_org=org, stage=Stage.PLANNING, method=method
        )

    def openTender(
        self, sender: str, process_id: bytes, bid_deadline: int, reveal_deadline: int, doc_hash: bytes
    ) -> None:
        process = self.purchaser_process(sender, process_id, Stage.PLANNING)
        self.require_document(doc_hash)
        if process.method != OPEN_TENDER:
            raise Revert("ProcessWrongMethod")
        if bid_deadline <= self.now or reveal_deadline <= bid_deadline:
            raise Revert("TenderInvalidDeadlines")
        process.bid_deadline, process.reveal_deadline, process.stage = bid_deadline, reveal_deadline, Stage.TENDER

    def amendTender(
        self,
        sender: str,
        process_id: bytes,
        doc_hash: bytes,
        rationale_hash: bytes,
        bid_deadline: int,
        reveal_deadline: int,
    ) -> None:
        process = self.purchaser_process(sender, process_id, Stage.TENDER)
        self.require_document(doc_hash)
        self.require_document(rationale_hash)
        if self.now >= process.bid_deadline:
            raise Revert("TenderDeadlinePassed")
        if bid_deadline < process.bid_deadline or reveal_deadline < process.reveal_deadline:
            raise Revert("TenderDeadlineShortened")
        if reveal_deadline <= bid_deadline:
            raise Revert("TenderInvalidDeadlines")
        process.bid_deadline, process.reveal_deadline = bid_deadline, reveal_deadline
        process.amendments += 1

    def cancelProcess(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self.existing(process_id)
        self.require_purchaser(sender, process)
        self.require_document(doc_hash)
        if process.stage > Stage.AWARDED:
            raise Revert("ProcessNotCancellable")
        if process.stage == Stage.AWARDED:
            self.budgets[process.budget_id].committed -= process.award_amount
        process.stage = Stage.CANCELLED

    # ─── Sealed bids ─────────────────────────────────────────────────────────────────────────────────────

    def commitBid(self, sender: str, process_id: bytes, commitment: bytes) -> None:
        self.check_role(sender, SUPPLIER_ROLE)
        if commitment == ZERO_HASH:
            raise Revert("BidInvalidCommitment")
        process = self.existing(process_id)
        if process.stage != Stage.TENDER:
            raise Revert("ProcessWrongStage")
        if self.now >= process.bid_deadline:
            raise Revert("TenderDeadlinePassed")
        bid = process.bids.setdefault(sender, Bid())
        if bid.commitment == ZERO_HASH:
            process.bid_count += 1
        bid.commitment = commitment

    def revealBid(self, sender: str, process_id: bytes, amount: int, bid_doc_hash: bytes, salt: bytes) -> None:
        self.check_role(sender, SUPPLIER_ROLE)
        process = self.existing(process_id)
        if process.stage != Stage.TENDER:
            raise Revert("ProcessWrongStage")
        if self.now < process.bid_deadline or self.now >= process.reveal_deadline:
            raise Revert("BidRevealWindowClosed")
        bid = process.bids.get(sender) or Bid()
        if bid.commitment == ZERO_HASH:
            raise Revert("BidCommitmentMissing")
        if bid.revealed:
            raise Revert("BidAlreadyRevealed")
        if commitment(process_id, sender, amount, bid_doc_hash, salt) != bid.commitment:
            raise Revert("BidRevealMismatch")
        if amount == 0:
            raise Revert("BidInvalidAmount")
        bid.amount, bid.revealed = amount, True
        process.reveal_count += 1

    # ─── Evaluation and award ────────────────────────────────────────────────────────────────────────────

    def recordEvaluation(self, sender: str, process_id: bytes, report_hash: bytes) -> None:
        process = self.purchaser_process(sender, process_id, Stage.TENDER)
        self.require_document(report_hash)
        if self.now < process.reveal_deadline:
            raise Revert("EvaluationTooEarly")
        process.stage = Stage.EVALUATION

    def awardProcess(self, sender: str, process_id: bytes, supplier: str, amount: int, doc_hash: bytes) -> None:
        process = self.existing(process_id)
        self.require_purchaser(sender, process)
        self.require_document(doc_hash)
        self.require_no_open_complaints(process)
        if amount == 0:
            raise Revert("AwardInvalidAmount")
        if not self.has_role(supplier, SUPPLIER_ROLE):
            raise Revert("AwardSupplierNotRegistered")
        if process.method == OPEN_TENDER:
            self.require_stage(process, Stage.EVALUATION)
            bid = process.bids.get(supplier) or Bid()
            if not bid.revealed:
                raise Revert("AwardBidderNotRevealed")
            if bid.amount != amount:
                raise Revert("AwardAmountMismatch")
        else:
            self.require_stage(process, Stage.PLANNING)
        self.check_budget(process.budget_id, amount)
        self.budgets[process.budget_id].committed += amount
        process.stage, process.awardee, process.award_amount = Stage.AWARDED, supplier, amount

    # ─── Complaints ──────────────────────────────────────────────────────────────────────────────────────

    def fileComplaint(self, sender: str, process_id: bytes, complaint_id: bytes, doc_hash: bytes) -> None:
        if sender not in self.members:
            raise Revert("AccountNotRegistered")
        process = self.existing(process_id)
        if process.stage >= Stage.COMPLETED:
            raise Revert("ProcessClosed")
        self.require_document(doc_hash)
        if complaint_id in process.complaints:
            raise Revert("ComplaintAlreadyExists")
        process.complaints[complaint_id] = OUTCOME_NONE
        process.open_complaints += 1

    def resolveComplaint(
        self, sender: str, process_id: bytes, complaint_id: bytes, outcome: int, doc_hash: bytes
    ) -> None:
        self.check_role(sender, FINANCE_ROLE)
        self.require_document(doc_hash)
        if outcome == OUTCOME_NONE:
            raise Revert("ComplaintOutcomeInvalid")
        process = self.process(process_id)
        if process.complaints.get(complaint_id, None) != OUTCOME_NONE:  # never filed, or already resolved
            raise Revert("ComplaintNotOpen")
        process.complaints[complaint_id] = outcome
        process.open_complaints -= 1

    # ─── Contract, implementation, payment ───────────────────────────────────────────────────────────────

    def signContract(self, sender: str, process_id: bytes, contract_id: bytes, value: int, doc_hash: bytes) -> None:
        process = self.purchaser_process(sender, process_id, Stage.AWARDED)
        self.require_document(doc_hash)
        self.require_no_open_complaints(process)
        if contract_id == ZERO_HASH:
            raise Revert("ContractInvalidId")
        if value == 0 or value > process.award_amount:
            raise Revert("ContractValueInvalid")
        process.agreement = Agreement(
            contract_id=contract_id,
            value=value,
            original_value=value,
            supplier=process.awardee,
            contract_tag=contract_tag(contract_id),
        )
        process.stage = Stage.CONTRACTED
        self.budgets[process.budget_id].committed -= process.award_amount - value

    def amendContract(self, sender: str, process_id: bytes, contract_id: bytes, increase: int, doc_hash: bytes) -> None:
        process = self.existing(process_id)
        self.require_purchaser(sender, process)
        self.require_active(process)
        self.require_document(doc_hash)
        agreement = self.agreement_of(process, contract_id)
        if increase == 0:
            raise Revert("ContractAmendmentInvalid")
        total = agreement.amended_total + increase
        if total * 10 > agreement.original_value:
            raise Revert("ContractAmendmentCapExceeded")
        self.check_budget(process.budget_id, increase)
        self.budgets[process.budget_id].committed += increase
        agreement.amended_total, agreement.value = total, agreement.value + increase

    def terminateContract(self, sender: str, process_id: bytes, contract_id: bytes, doc_hash: bytes) -> None:
        process = self.existing(process_id)
        self.require_purchaser(sender, process)
        self.require_active(process)
        self.require_document(doc_hash)
        agreement = self.agreement_of(process, contract_id)
        process.stage = Stage.TERMINATED
        self.budgets[process.budget_id].committed -= agreement.value - agreement.paid
        agreement.value = agreement.paid  # termination settles the value at what was paid

    def recordMilestone(
        self, sender: str, process_id: bytes, contract_id: bytes, milestone_id: bytes, kind: int, doc_hash: bytes
    ) -> None:
        process = self.existing(process_id)
        self.require_active(process)
        self.require_document(doc_hash)
        agreement = self.agreement_of(process, contract_id)
        state = process.milestones.get(milestone_id, NOT_RECORDED)
        if kind == DELIVERY:
            self.check_role(sender, SUPPLIER_ROLE)
            if sender != agreement.supplier:
                raise Revert("MilestoneNotSupplier")
            if state != NOT_RECORDED:
                raise Revert("MilestoneAlreadyRecorded")
            process.milestones[milestone_id] = DELIVERED
            if process.stage == Stage.CONTRACTED:
                process.stage = Stage.IMPLEMENTATION
        else:
            assert kind == ACCEPTANCE
            self.require_purchaser(sender, process)
            if state != DELIVERED:
                raise Revert("MilestoneAlreadyRecorded" if state == ACCEPTED else "MilestoneNotDelivered")
            process.milestones[milestone_id] = ACCEPTED
            agreement.accepted_milestones += 1

    def recordPayment(
        self,
        sender: str,
        process_id: bytes,
        contract_id: bytes,
        milestone_id: bytes,
        amount: int,
        payee: str,
        voucher_hash: bytes,
    ) -> None:
        self.check_role(sender, FINANCE_ROLE)
        self.require_document(voucher_hash)
        if amount == 0:
            raise Revert("PaymentInvalidAmount")
        process = self.process(process_id)
        if process.stage not in (Stage.IMPLEMENTATION, Stage.COMPLETED):  # not after termination
            raise Revert("ProcessUnknown" if process.stage == Stage.NONE else "PaymentNotPayable")
        agreement = self.agreement_of(process, contract_id)
        if process.milestones.get(milestone_id, NOT_RECORDED) != ACCEPTED:
            raise Revert("PaymentMilestoneNotAccepted")
        if payee != agreement.supplier:
            raise Revert("PaymentPayeeNotSupplier")
        if agreement.paid + amount > agreement.value:
            raise Revert("PaymentExceedsContractValue")
        agreement.paid += amount
        agreement.payment_count += 1

    def completeProcess(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self.purchaser_process(sender, process_id, Stage.IMPLEMENTATION)
        self.require_document(doc_hash)
        if process.agreement.accepted_milestones == 0:
            raise Revert("ProcessNothingAccepted")
        process.stage = Stage.COMPLETED
