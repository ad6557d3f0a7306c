"""A scripted procurement history for indexer tests: every kind of event, written through the Python client.

`run_scenario` drives four processes through the contract rules as the demo organisations would:
- an open tender from publication to completion: an amendment, sealed bids (one replaced, one relayed by EIP-712
  signature), reveals, evaluation, a complaint filed and dismissed, award, contract, a supplementary amendment,
  three deliveries (two accepted), two payments, an audit note and an anchored batch of documents;
- a single-source process through a payment, with a complaint left open;
- a single-source process awarded and then cancelled;
- a single-source contract terminated after a partial payment, with a note from an auditor account that is then
  removed.

It returns what it did (ids, amounts, transaction hashes) in the mirror's representation (lower-case 0x-hex), so
a test can state the state the mirror must hold. Time moves with `evm_increaseTime` + `evm_mine`, which anvil and
Hardhat both answer; nothing here calls an anvil-only method.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.accounts import ADMIN_INDEX, derive_account
from ledger.chain.bids import bid_commitment, sign_bid_commitment
from ledger.chain.ledger_contract import LedgerContract, process_id_of
from ledger.chain.sender import TransactionSender
from ledger.demo import (
    AUDITOR,
    BUDGET_AMOUNT,
    FINANCE,
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
DISMISSED = 1  # IProcurementLedger.ComplaintOutcome
RELAYER_INDEX = 7  # an unregistered dev account that relays a supplier's signed bid, as the API gateway would
SECOND_AUDITOR_INDEX = 8  # an auditor's second account, added and later removed

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


def payment_id_of(process_id: bytes, contract_id: bytes, index: int) -> bytes:
    """keccak256(abi.encode(processId, contractId, index)): the id the contract gives a contract's index-th payment."""
    return bytes(Web3.keccak(encode(["bytes32", "bytes32", "uint64"], [process_id, contract_id, index])))


# ─── What the scenario did ───────────────────────────────────────────────────────────────────────────────


@dataclass
class BidRun:
    """A sealed bid as the mirror must show it."""

    commitment: str
    commitments: int
    relayer: str | None
    amount: int | None = None
    bid_doc_hash: str | None = None


@dataclass
class ContractRun:
    """The procurement contract of a process after everything the scenario did to it."""

    contract_id: str
    supplier: str
    original_value: int
    value: int
    amended_total: int = 0
    paid: int = 0
    terminated: bool = False


@dataclass(frozen=True)
class PaymentRun:
    """One recorded payment."""

    payment_id: str
    milestone_id: str
    amount: int
    paid_total: int
    remaining: int
    payee: str
    tx_hash: str


@dataclass
class ProcessRun:
    """One process: its final expected state and its timeline (event name, tx hash) in chain order."""

    ocid: str
    method: str
    stage: str = "planning"
    amendments: int = 0
    bids: dict[str, BidRun] = field(default_factory=dict)  # by bidder
    reveal_order: list[str] = field(default_factory=list)
    award: tuple[str, int] | None = None  # (supplier, amount)
    contract: ContractRun | None = None
    milestones: dict[str, str] = field(default_factory=dict)  # milestone id → "delivered" | "accepted"
    payments: list[PaymentRun] = field(default_factory=list)
    complaints: dict[str, str] = field(default_factory=dict)  # complaint id → status
    audit_notes: list[tuple[str, str]] = field(default_factory=list)  # (auditor org, findings hash)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (event, tx hash)

    @property
    def pid(self) -> bytes:
        """keccak256 of the ocid."""
        return process_id_of(self.ocid)

    @property
    def process_id(self) -> str:
        """keccak256 of the ocid, as the mirror stores it."""
        return hex_of(self.pid)


@dataclass(frozen=True)
class AnchorRun:
    """A batch of documents anchored as one Merkle root."""

    root: str
    process_id: str | None
    anchorer_org: str
    count: int
    tx_hash: str


@dataclass
class Scenario:
    """Everything the scenario wrote, and the state it leaves on chain."""

    budget_id: str
    budget_amount: int
    committed: int = 0
    processes: dict[str, ProcessRun] = field(default_factory=dict)  # "open_tender", "single_source", ...
    anchors: list[AnchorRun] = field(default_factory=list)
    accounts: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)  # (org, account) → role, active
    tx_hashes: list[str] = field(default_factory=list)


# ─── The driver ──────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class _Writer:
    """Sends as the demo organisations, records what was sent, and calls `after` after every transaction."""

    w3: Web3
    ledger: LedgerContract
    accounts: dict[DemoOrganisation, LocalAccount]
    senders: dict[DemoOrganisation, TransactionSender]
    admin: TransactionSender
    relayer: TransactionSender
    second_auditor: TransactionSender
    scenario: Scenario
    after: AfterTransaction | None

    def send(self, who: DemoOrganisation | TransactionSender, function: str, *args: Any) -> str:
        sender = who if isinstance(who, TransactionSender) else self.senders[who]
        receipt = self.ledger.send(sender, function, *args)
        tx_hash = receipt["transactionHash"].to_0x_hex()
        self.scenario.tx_hashes.append(tx_hash)
        if self.after is not None:
            self.after(receipt)
        return tx_hash

    def address(self, org: DemoOrganisation) -> str:
        return str(self.accounts[org].address).lower()


@dataclass
class _Process:
    """One process being written: each step sends a transaction and states the timeline event it must add."""

    writer: _Writer
    run: ProcessRun

    def act(self, event: str, who: DemoOrganisation | TransactionSender, function: str, *args: Any) -> str:
        tx_hash = self.writer.send(who, function, *args)
        self.run.timeline.append((event, tx_hash))
        return tx_hash


def run_scenario(
    settings: Settings, w3: Web3, ledger: LedgerContract, after_each: AfterTransaction | None = None
) -> Scenario:
    """Write the whole history (organisations and budget first, if missing); `after_each` sees every receipt."""
    budget_id = set_up_organisations_and_budget(settings, ledger)
    accounts = {org: derive_account(settings, org.account_index) for org in ORGANISATIONS}
    writer = _Writer(
        w3=w3,
        ledger=ledger,
        accounts=accounts,
        senders={org: ledger.sender(account) for org, account in accounts.items()},
        admin=ledger.sender(derive_account(settings, ADMIN_INDEX)),
        relayer=ledger.sender(derive_account(settings, RELAYER_INDEX)),
        second_auditor=ledger.sender(derive_account(settings, SECOND_AUDITOR_INDEX)),
        scenario=Scenario(budget_id=hex_of(budget_id), budget_amount=BUDGET_AMOUNT),
        after=after_each,
    )
    for org in ORGANISATIONS:
        role = {PURCHASER: "purchaser", FINANCE: "finance", AUDITOR: "auditor"}.get(org, "supplier")
        writer.scenario.accounts[(hex_of(org.org_id), writer.address(org))] = (role, True)
    _open_tender(writer, budget_id)
    _single_source_paid(writer, budget_id)
    _single_source_cancelled(writer, budget_id)
    _contract_terminated(writer, budget_id)
    _anchor(writer, None, "framework agreement annex", 3)
    return writer.scenario


def _open_tender(writer: _Writer, budget_id: bytes) -> None:
    run = ProcessRun("ocds-scn-2026-0001", "open_tender")
    writer.scenario.processes["open_tender"] = run
    process, pid, w3 = _Process(writer, run), run.pid, writer.w3
    process.act("ProcessCreated", PURCHASER, "createProcess", run.ocid, budget_id, OPEN_TENDER, document(run.ocid),
                bytes(32))  # fmt: skip
    bids_until, reveals_until = chain_time(w3) + DAY, chain_time(w3) + 2 * DAY
    process.act("TenderOpened", PURCHASER, "openTender", pid, bids_until, reveals_until, document("tender"))
    run.stage = "tender"
    bids_until, reveals_until = bids_until + 3_600, reveals_until + 3_600  # an amendment may only extend
    process.act("TenderAmended", PURCHASER, "amendTender", pid, document("tender v2"), document("why v2"),
                bids_until, reveals_until)  # fmt: skip
    run.amendments = 1

    # Supplier A commits, then replaces its commitment with a lower bid.
    a, b = writer.address(SUPPLIER_A), writer.address(SUPPLIER_B)
    draft = bid_commitment(pid, a, 1_990_000_00, document("bid A draft"), document("salt A1"))
    process.act("BidCommitted", SUPPLIER_A, "commitBid", pid, draft)
    amount_a, doc_a, salt_a = 1_874_500_00, document("bid A"), document("salt A2")
    final = bid_commitment(pid, a, amount_a, doc_a, salt_a)
    process.act("BidCommitted", SUPPLIER_A, "commitBid", pid, final)
    run.bids[a] = BidRun(hex_of(final), commitments=2, relayer=None)

    # Supplier B signs its commitment (EIP-712) and the gateway relays it.
    amount_b, doc_b, salt_b = 1_912_000_00, document("bid B"), document("salt B")
    sealed_b = bid_commitment(pid, b, amount_b, doc_b, salt_b)
    signature = _sign_bid(writer, SUPPLIER_B, pid, sealed_b, bids_until)
    process.act("BidCommitted", writer.relayer, "commitBidFor", pid, writer.accounts[SUPPLIER_B].address, sealed_b,
                bids_until, signature)  # fmt: skip
    run.bids[b] = BidRun(hex_of(sealed_b), commitments=1, relayer=writer.relayer.address.lower())

    advance_time(w3, bids_until - chain_time(w3))
    for org, amount, doc, salt in ((SUPPLIER_B, amount_b, doc_b, salt_b), (SUPPLIER_A, amount_a, doc_a, salt_a)):
        process.act("BidRevealed", org, "revealBid", pid, amount, doc, salt)
        bidder = writer.address(org)
        run.bids[bidder].amount, run.bids[bidder].bid_doc_hash = amount, hex_of(doc)
        run.reveal_order.append(bidder)
    advance_time(w3, reveals_until - chain_time(w3))
    process.act("EvaluationRecorded", PURCHASER, "recordEvaluation", pid, document("evaluation report"))
    run.stage = "evaluation"

    # Supplier B complains about the evaluation; the finance bureau dismisses it, which lets the award go ahead.
    complaint = bytes(Web3.keccak(text=f"{run.ocid}/complaint/1"))
    process.act("ComplaintFiled", SUPPLIER_B, "fileComplaint", pid, complaint, document("complaint"))
    process.act("ComplaintResolved", FINANCE, "resolveComplaint", pid, complaint, DISMISSED, document("decision"))
    run.complaints[hex_of(complaint)] = "dismissed"

    _award(process, SUPPLIER_A, amount_a)
    contract_id = _sign(process, "CT-SCN-0001", 1_870_000_00)  # below the award: the difference is released
    increase = 100_000_00
    process.act("ContractAmended", PURCHASER, "amendContract", pid, contract_id, increase, document("supplement"))
    assert run.contract is not None
    run.contract.value += increase
    run.contract.amended_total += increase
    writer.scenario.committed += increase

    _pay(process, contract_id, _deliver_and_accept(process, contract_id, "M1"), 600_000_00)
    _pay(process, contract_id, _deliver_and_accept(process, contract_id, "M2"), 900_000_00)
    _deliver(process, contract_id, "M3")  # delivered, not accepted

    findings = document("audit findings 0001")
    process.act("AuditNoteRecorded", AUDITOR, "recordAuditNote", pid, findings)
    run.audit_notes.append((hex_of(AUDITOR.org_id), hex_of(findings)))
    _anchor(writer, run, "tender file", 5)
    process.act("ProcessCompleted", PURCHASER, "completeProcess", pid, document("completion report"))
    run.stage = "completed"


def _single_source_paid(writer: _Writer, budget_id: bytes) -> None:
    process = _single_source(writer, budget_id, "single_source", "ocds-scn-2026-0002")
    _award(process, SUPPLIER_A, 420_000_00)
    contract_id = _sign(process, "CT-SCN-0002", 420_000_00)
    _pay(process, contract_id, _deliver_and_accept(process, contract_id, "Q1"), 105_000_00)
    complaint = bytes(Web3.keccak(text="ocds-scn-2026-0002/complaint/1"))
    process.act("ComplaintFiled", SUPPLIER_B, "fileComplaint", process.run.pid, complaint, document("complaint"))
    process.run.complaints[hex_of(complaint)] = "open"


def _single_source_cancelled(writer: _Writer, budget_id: bytes) -> None:
    process = _single_source(writer, budget_id, "cancelled", "ocds-scn-2026-0003")
    _award(process, SUPPLIER_B, 300_000_00)
    process.act("ProcessCancelled", PURCHASER, "cancelProcess", process.run.pid, document("cancellation"))
    process.run.stage = "cancelled"
    writer.scenario.committed -= 300_000_00  # the award's commitment goes back to the budget line


def _contract_terminated(writer: _Writer, budget_id: bytes) -> None:
    process = _single_source(writer, budget_id, "terminated", "ocds-scn-2026-0004")
    run, pid = process.run, process.run.pid
    _award(process, SUPPLIER_B, 800_000_00)
    contract_id = _sign(process, "CT-SCN-0004", 800_000_00)
    _pay(process, contract_id, _deliver_and_accept(process, contract_id, "M1"), 200_000_00)

    # A second auditor account joins, leaves a note, and is removed again.
    auditor_org, second = hex_of(AUDITOR.org_id), writer.second_auditor.address
    writer.send(writer.admin, "addOrganisationAccount", AUDITOR.org_id, second)
    findings = document("audit findings 0004")
    process.act("AuditNoteRecorded", writer.second_auditor, "recordAuditNote", pid, findings)
    run.audit_notes.append((auditor_org, hex_of(findings)))
    writer.send(writer.admin, "removeOrganisationAccount", AUDITOR.org_id, second)
    writer.scenario.accounts[(auditor_org, second.lower())] = ("auditor", False)

    process.act("ContractTerminated", PURCHASER, "terminateContract", pid, contract_id, document("termination"))
    assert run.contract is not None
    writer.scenario.committed -= run.contract.value - run.contract.paid  # the unpaid rest goes back to the budget
    run.contract.value, run.contract.terminated, run.stage = run.contract.paid, True, "terminated"


# ─── Steps shared by the processes ───────────────────────────────────────────────────────────────────────


def _single_source(writer: _Writer, budget_id: bytes, label: str, ocid: str) -> _Process:
    run = ProcessRun(ocid, "single_source")
    writer.scenario.processes[label] = run
    process = _Process(writer, run)
    process.act("ProcessCreated", PURCHASER, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid),
                document(f"single-source rationale {ocid}"))  # fmt: skip
    return process


def _award(process: _Process, supplier: DemoOrganisation, amount: int) -> None:
    run, address = process.run, process.writer.accounts[supplier].address
    process.act("ProcessAwarded", PURCHASER, "awardProcess", run.pid, address, amount, document(f"award {run.ocid}"))
    run.award, run.stage = (address.lower(), amount), "awarded"
    process.writer.scenario.committed += amount


def _sign(process: _Process, reference: str, value: int) -> bytes:
    run, contract_id = process.run, bytes(Web3.keccak(text=reference))
    assert run.award is not None
    process.act("ContractSigned", PURCHASER, "signContract", run.pid, contract_id, value, document(reference))
    run.contract = ContractRun(hex_of(contract_id), run.award[0], original_value=value, value=value)
    run.stage = "contracted"
    process.writer.scenario.committed -= run.award[1] - value  # signing below the award releases the difference
    return contract_id


def _deliver(process: _Process, contract_id: bytes, name: str) -> bytes:
    run, milestone_id = process.run, bytes(Web3.keccak(text=f"{process.run.ocid}/{name}"))
    assert run.contract is not None
    supplier = next(org for org in (SUPPLIER_A, SUPPLIER_B) if process.writer.address(org) == run.contract.supplier)
    process.act("MilestoneDelivered", supplier, "recordMilestone", run.pid, contract_id, milestone_id, DELIVERY,
                document(f"delivery {name}"))  # fmt: skip
    run.milestones[hex_of(milestone_id)] = "delivered"
    run.stage = "implementation"
    return milestone_id


def _deliver_and_accept(process: _Process, contract_id: bytes, name: str) -> bytes:
    milestone_id = _deliver(process, contract_id, name)
    process.act("MilestoneAccepted", PURCHASER, "recordMilestone", process.run.pid, contract_id, milestone_id,
                ACCEPTANCE, document(f"acceptance {name}"))  # fmt: skip
    process.run.milestones[hex_of(milestone_id)] = "accepted"
    return milestone_id


def _pay(process: _Process, contract_id: bytes, milestone_id: bytes, amount: int) -> None:
    run, contract = process.run, process.run.contract
    assert contract is not None
    payment_id = hex_of(payment_id_of(run.pid, contract_id, len(run.payments)))
    payee = Web3.to_checksum_address(contract.supplier)
    tx_hash = process.act("PaymentRecorded", FINANCE, "recordPayment", run.pid, contract_id, milestone_id, amount,
                          payee, document(f"voucher {payment_id}"))  # fmt: skip
    contract.paid += amount
    remaining = contract.value - contract.paid
    run.payments.append(
        PaymentRun(payment_id, hex_of(milestone_id), amount, contract.paid, remaining, contract.supplier, tx_hash)
    )


def _anchor(writer: _Writer, run: ProcessRun | None, name: str, count: int) -> None:
    """Anchor `count` documents as one Merkle root, under `run`'s process or under none."""
    root = merkle_root([document(f"{name} {number}") for number in range(count)])
    process_id = run.pid if run is not None else bytes(32)
    tx_hash = writer.send(PURCHASER, "anchorDocuments", root, count, process_id)
    anchor = AnchorRun(hex_of(root), hex_of(process_id) if run else None, hex_of(PURCHASER.org_id), count, tx_hash)
    writer.scenario.anchors.append(anchor)


def _sign_bid(writer: _Writer, org: DemoOrganisation, process_id: bytes, commitment: bytes, deadline: int) -> bytes:
    """The supplier's EIP-712 signature over its commitment, for `commitBidFor`."""
    account = writer.accounts[org]
    return sign_bid_commitment(
        account.key,
        chain_id=writer.w3.eth.chain_id,
        ledger_address=writer.ledger.contract.address,
        process_id=process_id,
        bidder=account.address,
        commitment=commitment,
        nonce=writer.ledger.call("nonces", account.address),
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
    accepted: tuple[bytes, ...]
    delivered: bytes


def payable_contract(settings: Settings, ledger: LedgerContract, ocid: str, accepted: int = 3) -> PayableContract:
    """Create, award and sign a single-source contract; deliver `accepted` + 1 milestones and accept all but one."""
    budget_id = set_up_organisations_and_budget(settings, ledger)
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    supplier = ledger.sender(derive_account(settings, SUPPLIER_A.account_index))
    pid, contract_id, value = process_id_of(ocid), bytes(Web3.keccak(text=f"{ocid}/contract")), 900_000_00
    ledger.send(purchaser, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid), document(f"why {ocid}"))
    ledger.send(purchaser, "awardProcess", pid, supplier.address, value, document(f"award {ocid}"))
    ledger.send(purchaser, "signContract", pid, contract_id, value, document(f"contract {ocid}"))
    milestones = [bytes(Web3.keccak(text=f"{ocid}/M{number}")) for number in range(accepted + 1)]
    for number, milestone in enumerate(milestones):
        ledger.send(supplier, "recordMilestone", pid, contract_id, milestone, DELIVERY, document(f"delivery {number}"))
    for number, milestone in enumerate(milestones[:-1]):
        ledger.send(purchaser, "recordMilestone", pid, contract_id, milestone, ACCEPTANCE, document(f"ok {number}"))
    return PayableContract(pid, contract_id, supplier.address, value, tuple(milestones[:-1]), milestones[-1])


def payment_args(contract: PayableContract, milestone: bytes, amount: int, voucher: str) -> tuple[Any, ...]:
    """The arguments of `recordPayment` paying `amount` for `milestone` of `contract`."""
    return (contract.process_id, contract.contract_id, milestone, amount, contract.supplier, document(voucher))
