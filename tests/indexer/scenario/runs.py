"""What the scenario did, in the mirror's representation (lower-case 0x-hex): one dataclass per record the mirror
holds (organisation, bid, tender amendment, contract and its amendments, milestone, payment, complaint, audit
note, process, anchor) and `Scenario`, which gathers them; with the names the mirror gives the ledger's enums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.chain.ledger_contract import (
    AUDITOR_ROLE,
    FINANCE_ROLE,
    PUBLISHER_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    process_id_of,
    reference,
)

STAGES = (
    "none", "planning", "tender", "evaluation", "awarded", "contracted", "implementation", "completed", "cancelled",
    "terminated",
)  # fmt: skip  # IProcurementLedger.Stage, as the mirror names them
METHODS = ("open_tender", "single_source")  # IProcurementLedger.Method, as the mirror names them
MILESTONE_STATES = ("none", "scheduled", "delivered", "accepted")  # IProcurementLedger.MilestoneState
COMPLAINT_STATUSES = ("none", "open", "dismissed", "upheld", "withdrawn")  # IProcurementLedger.ComplaintStatus
ROLE_NAMES = {
    bytes(FINANCE_ROLE): "finance",
    bytes(PURCHASER_ROLE): "purchaser",
    bytes(SUPPLIER_ROLE): "supplier",
    bytes(AUDITOR_ROLE): "auditor",
    bytes(PUBLISHER_ROLE): "publisher",
}


def hex_of(value: bytes) -> str:
    """`value` as the mirror stores hashes: lower-case 0x-hex."""
    return "0x" + value.hex()


@dataclass
class OrganisationRun:
    """A registered organisation as the mirror must show it: its role and the suspension in force, if any."""

    role: str
    suspended_by: str | None = None
    suspension_doc_hash: str | None = None
    suspended_tx_hash: str | None = None


@dataclass
class BidRun:
    """A supplier organisation's sealed bid as the mirror must show it."""

    account: str  # the account that signed the latest commitment
    commitment: str
    commitments: int
    nonce: int
    relayer: str | None
    committed_tx_hash: str
    amount: int | None = None
    bid_doc_hash: str | None = None
    revealed_by: str | None = None
    revealed_tx_hash: str | None = None


@dataclass(frozen=True)
class TenderAmendmentRun:
    """An amendment of the tender, with the deadlines it set."""

    amendment_id: str
    number: int
    bid_deadline: int
    reveal_deadline: int


@dataclass
class ContractRun:
    """The procurement contract of a process after everything the scenario did to it."""

    contract_id: str
    supplier_org: str
    original_value: int
    value: int
    amended_total: int = 0
    scheduled_total: int = 0
    accepted_total: int = 0
    paid: int = 0
    terminated: bool = False
    released: int | None = None


@dataclass(frozen=True)
class ContractAmendmentRun:
    """A supplementary amendment: the value it added and the milestones (with amounts) it scheduled."""

    amendment_id: str
    increase: int
    new_value: int
    milestone_ids: tuple[str, ...]
    milestone_amounts: tuple[int, ...]


@dataclass
class MilestoneRun:
    """A milestone of a contract's payment schedule."""

    amount: int
    paid: int = 0
    state: str = "scheduled"
    delivered_by: str | None = None
    delivered_tx_hash: str | None = None
    accepted_by: str | None = None
    accepted_tx_hash: str | None = None


@dataclass(frozen=True)
class PaymentRun:
    """One recorded payment."""

    payment_id: str
    milestone_id: str
    amount: int
    milestone_paid: int
    paid_total: int
    payer_org: str
    payee_org: str
    payee: str
    tx_hash: str


@dataclass
class ComplaintRun:
    """A complaint: the complainant's reference, who filed it, and where it stands."""

    complaint_ref: str
    complainant_org: str
    status: str = "open"
    resolved_tx_hash: str | None = None


@dataclass(frozen=True)
class AuditNoteRun:
    """Findings an auditor attached to a process."""

    note_id: str
    note_ref: str
    auditor_org: str
    findings_hash: str


@dataclass
class ProcessRun:
    """One process: its final expected state and its timeline (event name, tx hash) in chain order."""

    ocid: str
    method: str
    purchaser_org: str
    purchaser: str  # the account that created it
    stage: str = "planning"
    bid_deadline: int | None = None
    reveal_deadline: int | None = None
    tender_amendments: list[TenderAmendmentRun] = field(default_factory=list)
    bids: dict[str, BidRun] = field(default_factory=dict)  # by bidder organisation
    reveal_order: list[str] = field(default_factory=list)  # bidder organisations
    award: tuple[str, int] | None = None  # (supplier organisation, amount)
    contract: ContractRun | None = None
    contract_amendments: list[ContractAmendmentRun] = field(default_factory=list)
    milestones: dict[str, MilestoneRun] = field(default_factory=dict)  # by milestone id
    payments: list[PaymentRun] = field(default_factory=list)
    complaints: dict[str, ComplaintRun] = field(default_factory=dict)  # by complaint id
    audit_notes: list[AuditNoteRun] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (event, tx hash)

    @property
    def pid(self) -> bytes:
        """keccak256 of the ocid."""
        return process_id_of(self.ocid)

    @property
    def process_id(self) -> str:
        """keccak256 of the ocid, as the mirror stores it."""
        return hex_of(self.pid)

    def milestone_id(self, name: str) -> bytes:
        """The id the purchaser gives milestone `name` of this process's contract."""
        return reference(f"{self.ocid}/{name}")


@dataclass(frozen=True)
class AnchorRun:
    """A batch of documents anchored as one Merkle root by one organisation."""

    root: str
    process_id: str | None
    anchorer_org: str
    count: int
    tx_hash: str


@dataclass
class Scenario:
    """Everything the scenario wrote, and the state it leaves on chain."""

    budget_id: str
    budget_ref: str
    finance_org: str
    purchaser_orgs: list[str]
    budget_amount: int
    committed: int = 0
    organisations: dict[str, OrganisationRun] = field(default_factory=dict)  # by organisation id
    ocid_prefixes: list[tuple[str, str, str]] = field(default_factory=list)  # (organisation, prefix hash, prefix)
    accounts: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)  # (org, account) → role, active
    processes: dict[str, ProcessRun] = field(default_factory=dict)  # "open_tender", "single_source", ...
    anchors: list[AnchorRun] = field(default_factory=list)
    # The events of organisations and of the budget line (their id is topic 1): those the set-up wrote before the
    # scenario (by name; their transactions are not the scenario's), then those the scenario wrote (event, tx hash).
    set_up_timelines: dict[str, list[str]] = field(default_factory=dict)
    timelines: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tx_hashes: list[str] = field(default_factory=list)
