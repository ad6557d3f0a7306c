"""A scripted procurement history for indexer tests: every event the indexer projects, written through the Python
client.

`run_scenario` sets up the demo organisations, the purchaser's ocid prefix ("ocds-pl0001") and the demo budget
line (if missing), gives supplier A a second account, and drives four processes through the 2.0 rules as the demo
organisations would:
- an open tender from publication to completion: a tender amendment; sealed bids by organisation (supplier A's
  bid committed by one of its accounts and replaced by the other; supplier B cancelling bid signatures before and
  after a commit relayed by EIP-712 signature at the bid's nonce); supplier B suspended by the finance bureau after
  the bid deadline, revealing and complaining while suspended (only bidders have standing then), its complaint
  dismissed and its suspension lifted; evaluation, award, a contract with a three-milestone schedule signed below
  the award, a supplementary amendment adding value and a milestone, every milestone delivered and accepted,
  payments on two milestones (two on the first, to each of supplier A's accounts), an audit note, completion
  (releasing what was never scheduled) and a payment after completion;
- a single-source process through a payment, after a complaint any supplier may file before signing, withdrawn;
- a single-source process awarded, complained about (left open) and then cancelled;
- a single-source contract terminated after an acceptance and a partial payment, with a note from an auditor
  account that is then removed, and a payment after termination for the accepted milestone;
then anchors batches of documents by three organisations (the same root by two of them, one batch filed under a
process by its finance bureau, one by its purchaser), and suspends the purchaser for good.

It returns what it did (ids, amounts, accounts, transaction hashes) in the mirror's representation (lower-case
0x-hex), so a test can state the state the mirror must hold. Time moves with `evm_increaseTime` + `evm_mine`,
which anvil and Hardhat both answer; nothing here calls an anvil-only method.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.accounts import ADMIN_INDEX, derive_account
from ledger.chain.bids import bid_commitment, sign_bid_commitment
from ledger.chain.ledger_contract import (
    AUDITOR_ROLE,
    FINANCE_ROLE,
    PUBLISHER_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    ZERO_HASH,
    LedgerContract,
    process_id_of,
    reference,
    scoped_id,
)
from ledger.chain.sender import TransactionSender
from ledger.demo import (
    AUDITOR,
    BUDGET_AMOUNT,
    BUDGET_CODE,
    FINANCE,
    OCID_PREFIX,
    ORGANISATIONS,
    PURCHASER,
    SUPPLIER_A,
    SUPPLIER_B,
    DemoOrganisation,
    set_up_organisations_and_budget,
)
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings

DAY = 86_400
OPEN_TENDER, SINGLE_SOURCE = 0, 1  # IProcurementLedger.Method
DELIVERY, ACCEPTANCE = 0, 1  # IProcurementLedger.MilestoneKind
DISMISSED, UPHELD, WITHDRAWN = 2, 3, 4  # IProcurementLedger.ComplaintStatus
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
RELAYER_INDEX = 7  # an unregistered dev account that relays a supplier's signed bid, as the API gateway would
SECOND_AUDITOR_INDEX = 8  # an auditor's second account, added and later removed
SECOND_SUPPLIER_A_INDEX = 9  # supplier A's second account: it replaces A's bid, delivers and is paid

AfterTransaction = Callable[[TxReceipt], None]


def hex_of(value: bytes) -> str:
    """`value` as the mirror stores hashes: lower-case 0x-hex."""
    return "0x" + value.hex()


def document(text: str) -> bytes:
    """The SHA-256 of a (fictional) document, as it goes on chain."""
    return hashlib.sha256(text.encode()).digest()


def advance_time(w3: Web3, seconds: int) -> None:
    """Move the chain's clock forward and mine a block at the new time (dev RPCs both anvil and Hardhat answer)."""
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def chain_time(w3: Web3) -> int:
    """The timestamp of the newest block."""
    return int(w3.eth.get_block("latest")["timestamp"])


# ─── What the scenario did ───────────────────────────────────────────────────────────────────────────────


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


# ─── The driver ──────────────────────────────────────────────────────────────────────────────────────────

Who = DemoOrganisation | TransactionSender


@dataclass
class _Writer:
    """Sends as the demo organisations' accounts, records what was sent, and calls `after` after every transaction."""

    w3: Web3
    ledger: LedgerContract
    accounts: dict[DemoOrganisation, LocalAccount]
    senders: dict[DemoOrganisation, TransactionSender]
    admin: TransactionSender
    relayer: TransactionSender
    second_auditor: TransactionSender
    second_supplier_a: TransactionSender
    scenario: Scenario
    after: AfterTransaction | None

    def send(self, who: Who, function: str, *args: Any) -> str:
        sender = who if isinstance(who, TransactionSender) else self.senders[who]
        receipt = self.ledger.send(sender, function, *args)
        tx_hash = receipt["transactionHash"].to_0x_hex()
        self.scenario.tx_hashes.append(tx_hash)
        if self.after is not None:
            self.after(receipt)
        return tx_hash

    def address(self, who: Who) -> str:
        """The sending account, as the mirror stores addresses."""
        return (who.address if isinstance(who, TransactionSender) else self.accounts[who].address).lower()

    def act_on(self, entity: bytes, event: str, who: Who, function: str, *args: Any) -> str:
        """Send a write whose event belongs to an organisation or the budget line, and add it to its timeline."""
        tx_hash = self.send(who, function, *args)
        self.scenario.timelines.setdefault(hex_of(entity), []).append((event, tx_hash))
        return tx_hash

    def commitment_changed(self, tx_hash: str, change: int) -> None:
        """`tx_hash` changed the budget line's commitment by `change` (BudgetCommitmentChanged, on its timeline)."""
        self.scenario.committed += change
        self.scenario.timelines.setdefault(self.scenario.budget_id, []).append(("BudgetCommitmentChanged", tx_hash))


@dataclass
class _Process:
    """One process being written: each step sends a transaction and states the timeline event it must add."""

    writer: _Writer
    run: ProcessRun

    def act(self, event: str, who: Who, function: str, *args: Any) -> str:
        tx_hash = self.writer.send(who, function, *args)
        self.run.timeline.append((event, tx_hash))
        return tx_hash

    @property
    def contract(self) -> ContractRun:
        assert self.run.contract is not None, f"{self.run.ocid} has no contract"
        return self.run.contract

    @property
    def supplier(self) -> DemoOrganisation:
        """The supplier organisation the process was awarded to."""
        assert self.run.award is not None, f"{self.run.ocid} is not awarded"
        return next(org for org in (SUPPLIER_A, SUPPLIER_B) if hex_of(org.org_id) == self.run.award[0])


def run_scenario(
    settings: Settings, w3: Web3, ledger: LedgerContract, after_each: AfterTransaction | None = None
) -> Scenario:
    """Write the whole history (organisations, ocid prefix and budget first, if missing); `after_each` sees every
    receipt of the scenario's own transactions."""
    budget_id = set_up_organisations_and_budget(settings, ledger)
    accounts = {org: derive_account(settings, org.account_index) for org in ORGANISATIONS}
    scenario = Scenario(
        budget_id=hex_of(budget_id),
        budget_ref=hex_of(reference(BUDGET_CODE)),
        finance_org=hex_of(FINANCE.org_id),
        purchaser_orgs=[hex_of(PURCHASER.org_id)],
        budget_amount=BUDGET_AMOUNT,
    )
    writer = _Writer(
        w3=w3,
        ledger=ledger,
        accounts=accounts,
        senders={org: ledger.sender(account) for org, account in accounts.items()},
        admin=ledger.sender(derive_account(settings, ADMIN_INDEX)),
        relayer=ledger.sender(derive_account(settings, RELAYER_INDEX)),
        second_auditor=ledger.sender(derive_account(settings, SECOND_AUDITOR_INDEX)),
        second_supplier_a=ledger.sender(derive_account(settings, SECOND_SUPPLIER_A_INDEX)),
        scenario=scenario,
        after=after_each,
    )
    _what_the_set_up_wrote(writer)
    second = writer.second_supplier_a
    writer.act_on(SUPPLIER_A.org_id, "OrganisationAccountAdded", writer.admin, "addOrganisationAccount",
                  SUPPLIER_A.org_id, second.address)  # fmt: skip
    scenario.accounts[(hex_of(SUPPLIER_A.org_id), writer.address(second))] = ("supplier", True)

    _open_tender(writer, budget_id)
    _single_source_paid(writer, budget_id)
    _single_source_cancelled(writer, budget_id)
    _contract_terminated(writer, budget_id)
    tender_file = [document(f"tender file {number}") for number in range(5)]
    _anchor(writer, PURCHASER, scenario.processes["open_tender"], tender_file)
    _anchor(writer, AUDITOR, None, tender_file)  # the same root, anchored by another organisation: its own anchor
    vouchers = [document(f"payment voucher {number}") for number in range(3)]
    _anchor(writer, FINANCE, scenario.processes["terminated"], vouchers)  # filed by the process's finance bureau
    _suspend(writer, PURCHASER, "debarment decision for the purchaser")  # left in force
    return scenario


def _what_the_set_up_wrote(writer: _Writer) -> None:
    """The organisations, accounts, ocid prefix and budget line set_up_organisations_and_budget leaves."""
    scenario = writer.scenario
    for org in ORGANISATIONS:
        org_id, role = hex_of(org.org_id), ROLE_NAMES[bytes(org.role)]
        scenario.organisations[org_id] = OrganisationRun(role)
        scenario.accounts[(org_id, writer.address(org))] = (role, True)
        scenario.set_up_timelines[org_id] = ["OrganisationRegistered", "OrganisationAccountAdded"]
    scenario.set_up_timelines[hex_of(PURCHASER.org_id)].append("OcidPrefixRegistered")
    prefix_hash = hex_of(Web3.keccak(text=OCID_PREFIX))
    scenario.ocid_prefixes.append((hex_of(PURCHASER.org_id), prefix_hash, OCID_PREFIX))
    scenario.set_up_timelines[scenario.budget_id] = ["BudgetApproved"]


def _open_tender(writer: _Writer, budget_id: bytes) -> None:
    run = ProcessRun(f"{OCID_PREFIX}-scn-0001", "open_tender", hex_of(PURCHASER.org_id), writer.address(PURCHASER))
    writer.scenario.processes["open_tender"] = run
    process, pid, w3 = _Process(writer, run), run.pid, writer.w3
    process.act("ProcessCreated", PURCHASER, "createProcess", run.ocid, budget_id, OPEN_TENDER, document(run.ocid),
                ZERO_HASH)  # fmt: skip
    bids_until, reveals_until = chain_time(w3) + DAY, chain_time(w3) + 2 * DAY
    process.act("TenderOpened", PURCHASER, "openTender", pid, bids_until, reveals_until, document("tender"))
    run.stage = "tender"
    bids_until, reveals_until = bids_until + 3_600, reveals_until + 3_600  # an amendment may only extend
    amendment = reference(f"{run.ocid}/tender amendment 1")
    process.act("TenderAmended", PURCHASER, "amendTender", pid, amendment, document("tender v2"), document("why v2"),
                bids_until, reveals_until)  # fmt: skip
    run.tender_amendments.append(TenderAmendmentRun(hex_of(amendment), 1, bids_until, reveals_until))
    run.bid_deadline, run.reveal_deadline = bids_until, reveals_until

    # Supplier A's bid: one account commits a draft, the organisation's other account replaces it with a lower bid.
    a, b = hex_of(SUPPLIER_A.org_id), hex_of(SUPPLIER_B.org_id)
    draft = bid_commitment(pid, SUPPLIER_A.org_id, 1_990_000_00, document("bid A draft"), document("salt A1"))
    process.act("BidCommitted", SUPPLIER_A, "commitBid", pid, draft)
    amount_a, doc_a, salt_a = 1_874_500_00, document("bid A"), document("salt A2")
    final = bid_commitment(pid, SUPPLIER_A.org_id, amount_a, doc_a, salt_a)
    second_a = writer.second_supplier_a
    replaced = process.act("BidCommitted", second_a, "commitBid", pid, final)
    run.bids[a] = BidRun(writer.address(second_a), hex_of(final), commitments=2, nonce=2, relayer=None,
                         committed_tx_hash=replaced)  # fmt: skip

    # Supplier B cancels whatever it signed before (no bid yet: the nonce moves on all the same), signs its
    # commitment (EIP-712) at the bid's nonce for the gateway to relay, then cancels any other signature it gave.
    process.act("BidSignaturesCancelled", SUPPLIER_B, "cancelBidSignatures", pid)
    amount_b, doc_b, salt_b = 1_912_000_00, document("bid B"), document("salt B")
    sealed_b = bid_commitment(pid, SUPPLIER_B.org_id, amount_b, doc_b, salt_b)
    nonce = int(writer.ledger.call("bidNonce", pid, SUPPLIER_B.org_id))
    signature = _sign_bid(writer, SUPPLIER_B, pid, sealed_b, nonce, bids_until)
    relayed = process.act("BidCommitted", writer.relayer, "commitBidFor", pid, SUPPLIER_B.org_id,
                          writer.accounts[SUPPLIER_B].address, sealed_b, nonce, bids_until, signature)  # fmt: skip
    process.act("BidSignaturesCancelled", SUPPLIER_B, "cancelBidSignatures", pid)
    run.bids[b] = BidRun(writer.address(SUPPLIER_B), hex_of(sealed_b), commitments=1, nonce=3,  # 2 cancels, 1 commit
                         relayer=writer.address(writer.relayer), committed_tx_hash=relayed)  # fmt: skip

    # After the bid deadline the finance bureau suspends supplier B; suspended, B still opens its bid and, having
    # bid, still has standing to complain. The bureau dismisses the complaint and lifts the suspension.
    advance_time(w3, bids_until - chain_time(w3))
    _suspend(writer, SUPPLIER_B, "suspension decision for supplier B")
    for org, amount, doc, salt in ((SUPPLIER_B, amount_b, doc_b, salt_b), (SUPPLIER_A, amount_a, doc_a, salt_a)):
        revealed = process.act("BidRevealed", org, "revealBid", pid, amount, doc, salt)
        bid = run.bids[hex_of(org.org_id)]
        bid.amount, bid.bid_doc_hash = amount, hex_of(doc)
        bid.revealed_by, bid.revealed_tx_hash = writer.address(org), revealed
        run.reveal_order.append(hex_of(org.org_id))
    complaint = _complain(process, SUPPLIER_B, "CP-B-0001")
    _resolve(process, complaint, DISMISSED)
    _reinstate(writer, SUPPLIER_B, "reinstatement of supplier B")
    advance_time(w3, reveals_until - chain_time(w3))
    process.act("EvaluationRecorded", PURCHASER, "recordEvaluation", pid, document("evaluation report"))
    run.stage = "evaluation"

    _award(process, SUPPLIER_A, amount_a)
    _sign(process, "CT-SCN-0001", 1_870_000_00, {"M1": 600_000_00, "M2": 900_000_00, "M3": 250_000_00})
    _amend_contract(process, "CT-SCN-0001/supplement 1", 100_000_00, {"M4": 150_000_00})

    _deliver(process, "M1", by=second_a)
    _accept(process, "M1")
    _pay(process, "PV-0001-1", "M1", 400_000_00, payee=SUPPLIER_A)
    _pay(process, "PV-0001-2", "M1", 200_000_00, payee=second_a)  # the rest of M1, to A's other account
    for name in ("M2", "M3", "M4"):
        _deliver(process, name)
        _accept(process, name)
    _pay(process, "PV-0001-3", "M2", 500_000_00, payee=second_a)
    _audit_note(process, AUDITOR, "AUD-0001", "audit findings 0001")
    _complete(process)
    _pay(process, "PV-0001-4", "M4", 150_000_00, payee=SUPPLIER_A)  # accepted work stays payable after completion


def _single_source_paid(writer: _Writer, budget_id: bytes) -> None:
    process = _single_source(writer, budget_id, "single_source", f"{OCID_PREFIX}-scn-0002")
    complaint = _complain(process, SUPPLIER_B, "CP-B-0002")  # single source: any supplier, until signing
    _resolve(process, complaint, WITHDRAWN)
    _award(process, SUPPLIER_A, 420_000_00)
    _sign(process, "CT-SCN-0002", 420_000_00, {f"Q{quarter}": 105_000_00 for quarter in range(1, 5)})
    _deliver(process, "Q1")
    _accept(process, "Q1")
    _pay(process, "PV-0002-1", "Q1", 105_000_00, payee=SUPPLIER_A)
    _audit_note(process, AUDITOR, "AUD-0002", "audit findings 0002")


def _single_source_cancelled(writer: _Writer, budget_id: bytes) -> None:
    process = _single_source(writer, budget_id, "cancelled", f"{OCID_PREFIX}-scn-0003")
    _award(process, SUPPLIER_B, 300_000_00)
    _complain(process, SUPPLIER_A, "CP-A-0003")  # left open: the process is cancelled before it is resolved
    tx_hash = process.act("ProcessCancelled", PURCHASER, "cancelProcess", process.run.pid, document("cancellation"))
    process.run.stage = "cancelled"
    writer.commitment_changed(tx_hash, -300_000_00)  # the award's commitment goes back to the budget line


def _contract_terminated(writer: _Writer, budget_id: bytes) -> None:
    process = _single_source(writer, budget_id, "terminated", f"{OCID_PREFIX}-scn-0004")
    _award(process, SUPPLIER_B, 800_000_00)
    _sign(process, "CT-SCN-0004", 800_000_00, {"M1": 200_000_00, "M2": 300_000_00, "M3": 300_000_00})
    _deliver(process, "M1")
    _accept(process, "M1")
    _pay(process, "PV-0004-1", "M1", 150_000_00, payee=SUPPLIER_B)
    _deliver(process, "M2")  # delivered, never accepted

    # A second auditor account joins, leaves a note, and is removed again.
    second, auditor_org = writer.second_auditor, hex_of(AUDITOR.org_id)
    writer.act_on(AUDITOR.org_id, "OrganisationAccountAdded", writer.admin, "addOrganisationAccount",
                  AUDITOR.org_id, second.address)  # fmt: skip
    _audit_note(process, second, "AUD-0004", "audit findings 0004")
    writer.act_on(AUDITOR.org_id, "OrganisationAccountRemoved", writer.admin, "removeOrganisationAccount",
                  AUDITOR.org_id, second.address)  # fmt: skip
    writer.scenario.accounts[(auditor_org, writer.address(second))] = ("auditor", False)

    tx_hash = process.act("ContractTerminated", PURCHASER, "terminateContract", process.run.pid,
                          document("termination"))  # fmt: skip
    contract = process.contract
    contract.terminated, contract.released = True, contract.value - contract.accepted_total
    process.run.stage = "terminated"
    writer.commitment_changed(tx_hash, -contract.released)  # it settles at what was accepted
    _pay(process, "PV-0004-2", "M1", 50_000_00, payee=SUPPLIER_B)  # the accepted milestone's rest, after termination


# ─── Steps shared by the processes ───────────────────────────────────────────────────────────────────────


def _single_source(writer: _Writer, budget_id: bytes, label: str, ocid: str) -> _Process:
    run = ProcessRun(ocid, "single_source", hex_of(PURCHASER.org_id), writer.address(PURCHASER))
    writer.scenario.processes[label] = run
    process = _Process(writer, run)
    process.act("ProcessCreated", PURCHASER, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid),
                document(f"single-source rationale {ocid}"))  # fmt: skip
    return process


def _award(process: _Process, supplier: DemoOrganisation, amount: int) -> None:
    run = process.run
    tx_hash = process.act("ProcessAwarded", PURCHASER, "awardProcess", run.pid, supplier.org_id, amount,
                          document(f"award {run.ocid}"))  # fmt: skip
    run.award, run.stage = (hex_of(supplier.org_id), amount), "awarded"
    process.writer.commitment_changed(tx_hash, amount)


def _schedule(run: ProcessRun, schedule: Mapping[str, int]) -> tuple[list[bytes], list[int]]:
    """Add milestones (name → amount) to the process's schedule; returns their ids and amounts, as the ledger
    takes them."""
    ids, amounts = [run.milestone_id(name) for name in schedule], list(schedule.values())
    run.milestones.update({hex_of(id_): MilestoneRun(amount) for id_, amount in zip(ids, amounts, strict=True)})
    return ids, amounts


def _sign(process: _Process, number: str, value: int, schedule: Mapping[str, int]) -> None:
    run, contract_id = process.run, reference(number)
    assert run.award is not None
    ids, amounts = _schedule(run, schedule)
    tx_hash = process.act("ContractSigned", PURCHASER, "signContract", run.pid, contract_id, value, document(number),
                          ids, amounts)  # fmt: skip
    run.contract = ContractRun(hex_of(contract_id), run.award[0], original_value=value, value=value)
    run.contract.scheduled_total = sum(amounts)
    run.stage = "contracted"
    if value < run.award[1]:  # signing below the award releases the difference
        process.writer.commitment_changed(tx_hash, value - run.award[1])


def _amend_contract(process: _Process, name: str, increase: int, schedule: Mapping[str, int]) -> None:
    run, contract, amendment = process.run, process.contract, reference(name)
    ids, amounts = _schedule(run, schedule)
    tx_hash = process.act("ContractAmended", PURCHASER, "amendContract", run.pid, amendment, increase, document(name),
                          ids, amounts)  # fmt: skip
    contract.value += increase
    contract.amended_total += increase
    contract.scheduled_total += sum(amounts)
    added = ContractAmendmentRun(hex_of(amendment), increase, contract.value, tuple(map(hex_of, ids)), tuple(amounts))
    run.contract_amendments.append(added)
    if increase:
        process.writer.commitment_changed(tx_hash, increase)


def _deliver(process: _Process, name: str, by: TransactionSender | None = None) -> None:
    run, who = process.run, by if by is not None else process.supplier
    tx_hash = process.act("MilestoneDelivered", who, "recordMilestone", run.pid, run.milestone_id(name), DELIVERY,
                          document(f"{run.ocid} delivery {name}"))  # fmt: skip
    milestone = run.milestones[hex_of(run.milestone_id(name))]
    milestone.state = "delivered"
    milestone.delivered_by, milestone.delivered_tx_hash = process.writer.address(who), tx_hash
    run.stage = "implementation"


def _accept(process: _Process, name: str) -> None:
    run = process.run
    tx_hash = process.act("MilestoneAccepted", PURCHASER, "recordMilestone", run.pid, run.milestone_id(name),
                          ACCEPTANCE, document(f"{run.ocid} acceptance {name}"))  # fmt: skip
    milestone = run.milestones[hex_of(run.milestone_id(name))]
    milestone.state = "accepted"
    milestone.accepted_by, milestone.accepted_tx_hash = process.writer.address(PURCHASER), tx_hash
    process.contract.accepted_total += milestone.amount


def _pay(process: _Process, voucher: str, name: str, amount: int, payee: Who) -> None:
    run, contract, writer = process.run, process.contract, process.writer
    payment_id, milestone_id = reference(voucher), run.milestone_id(name)
    payee_address = Web3.to_checksum_address(writer.address(payee))
    tx_hash = process.act("PaymentRecorded", FINANCE, "recordPayment", run.pid, payment_id, milestone_id, amount,
                          payee_address, document(f"voucher {voucher}"))  # fmt: skip
    milestone = run.milestones[hex_of(milestone_id)]
    milestone.paid += amount
    contract.paid += amount
    payment = PaymentRun(
        hex_of(payment_id), hex_of(milestone_id), amount, milestone.paid, contract.paid, hex_of(FINANCE.org_id),
        contract.supplier_org, writer.address(payee), tx_hash,
    )  # fmt: skip
    run.payments.append(payment)


def _complete(process: _Process) -> None:
    run, contract = process.run, process.contract
    tx_hash = process.act("ProcessCompleted", PURCHASER, "completeProcess", run.pid, document("completion report"))
    contract.released = contract.value - contract.accepted_total
    run.stage = "completed"
    if contract.released:  # what was never accepted goes back to the budget line
        process.writer.commitment_changed(tx_hash, -contract.released)


def _complain(process: _Process, supplier: DemoOrganisation, ref: str) -> str:
    """Supplier files complaint `ref`; returns its id (scopedId(supplier, ref))."""
    run, complaint_ref = process.run, reference(ref)
    process.act("ComplaintFiled", supplier, "fileComplaint", run.pid, complaint_ref, document(f"complaint {ref}"))
    complaint_id = hex_of(scoped_id(supplier.org_id, complaint_ref))
    run.complaints[complaint_id] = ComplaintRun(hex_of(complaint_ref), hex_of(supplier.org_id))
    return complaint_id


def _resolve(process: _Process, complaint_id: str, outcome: int) -> None:
    run = process.run
    tx_hash = process.act("ComplaintResolved", FINANCE, "resolveComplaint", run.pid, bytes.fromhex(complaint_id[2:]),
                          outcome, document(f"decision on {complaint_id}"))  # fmt: skip
    complaint = run.complaints[complaint_id]
    complaint.status, complaint.resolved_tx_hash = COMPLAINT_STATUSES[outcome], tx_hash


def _audit_note(process: _Process, auditor: Who, ref: str, findings: str) -> None:
    run, note_ref = process.run, reference(ref)
    process.act("AuditNoteRecorded", auditor, "recordAuditNote", run.pid, note_ref, document(findings))
    note_id = scoped_id(AUDITOR.org_id, note_ref)
    run.audit_notes.append(
        AuditNoteRun(hex_of(note_id), hex_of(note_ref), hex_of(AUDITOR.org_id), hex_of(document(findings)))
    )


def _suspend(writer: _Writer, org: DemoOrganisation, decision: str) -> None:
    tx_hash = writer.act_on(org.org_id, "OrganisationSuspended", FINANCE, "suspendOrganisation", org.org_id,
                            document(decision))  # fmt: skip
    expected = writer.scenario.organisations[hex_of(org.org_id)]
    expected.suspended_by, expected.suspension_doc_hash = hex_of(FINANCE.org_id), hex_of(document(decision))
    expected.suspended_tx_hash = tx_hash


def _reinstate(writer: _Writer, org: DemoOrganisation, decision: str) -> None:
    writer.act_on(org.org_id, "OrganisationReinstated", FINANCE, "reinstateOrganisation", org.org_id,
                  document(decision))  # fmt: skip
    expected = writer.scenario.organisations[hex_of(org.org_id)]
    expected.suspended_by = expected.suspension_doc_hash = expected.suspended_tx_hash = None


def _anchor(writer: _Writer, org: DemoOrganisation, run: ProcessRun | None, documents: list[bytes]) -> None:
    """`org` anchors `documents` as one Merkle root, filed under `run`'s process or under none."""
    root = merkle_root(documents)
    process_id = run.pid if run is not None else ZERO_HASH
    tx_hash = writer.send(org, "anchorDocuments", root, len(documents), process_id)
    anchor = AnchorRun(hex_of(root), run.process_id if run else None, hex_of(org.org_id), len(documents), tx_hash)
    writer.scenario.anchors.append(anchor)


def _sign_bid(
    writer: _Writer, org: DemoOrganisation, process_id: bytes, commitment: bytes, nonce: int, deadline: int
) -> bytes:
    """The EIP-712 signature of `org`'s account over its organisation's commitment, for `commitBidFor`."""
    return sign_bid_commitment(
        writer.accounts[org].key,
        chain_id=writer.w3.eth.chain_id,
        ledger_address=writer.ledger.address,
        process_id=process_id,
        bidder_org=org.org_id,
        commitment=commitment,
        nonce=nonce,
        deadline=deadline,
    )


# ─── A contract ready for payments, for reorg tests ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class PayableContract:
    """A signed single-source contract with accepted milestones left to pay and one milestone only delivered."""

    process_id: bytes
    contract_id: bytes
    supplier: str
    value: int
    milestone_amount: int  # what each milestone schedules
    accepted: tuple[bytes, ...]
    delivered: bytes


def payable_contract(settings: Settings, ledger: LedgerContract, ocid: str, accepted: int = 3) -> PayableContract:
    """Create, award and sign a single-source contract of `accepted` + 1 milestones of 300,000.00 each; deliver them
    all and accept all but the last. `ocid` must be under the demo purchaser's prefix."""
    budget_id = set_up_organisations_and_budget(settings, ledger)
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    supplier = ledger.sender(derive_account(settings, SUPPLIER_A.account_index))
    milestones = [reference(f"{ocid}/M{number}") for number in range(accepted + 1)]
    pid, contract_id = process_id_of(ocid), reference(f"{ocid}/contract")
    amount = 300_000_00
    value = amount * len(milestones)
    ledger.send(purchaser, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid), document(f"why {ocid}"))
    ledger.send(purchaser, "awardProcess", pid, SUPPLIER_A.org_id, value, document(f"award {ocid}"))
    ledger.send(purchaser, "signContract", pid, contract_id, value, document(f"contract {ocid}"), milestones,
                [amount] * len(milestones))  # fmt: skip
    for number, milestone in enumerate(milestones):
        ledger.send(supplier, "recordMilestone", pid, milestone, DELIVERY, document(f"delivery {number}"))
    for number, milestone in enumerate(milestones[:-1]):
        ledger.send(purchaser, "recordMilestone", pid, milestone, ACCEPTANCE, document(f"ok {number}"))
    return PayableContract(pid, contract_id, supplier.address, value, amount, tuple(milestones[:-1]), milestones[-1])


def payment_args(
    contract: PayableContract, payment: str, milestone: bytes, amount: int, voucher: str
) -> tuple[Any, ...]:
    """The arguments of `recordPayment` paying `amount` for `milestone` of `contract`, as payment `payment` (its id
    is reference(payment): one name, one id, so a payment and its replacement on another branch can share one)."""
    assert amount <= contract.milestone_amount
    return (contract.process_id, reference(payment), milestone, amount, contract.supplier, document(voucher))
