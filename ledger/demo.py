"""Demo data: fictional organisations, a budget line and three processes at different stages.

Loading is idempotent: each step checks the chain first, so running it again records nothing new. Documents are
kept off chain in the data directory, named by their SHA-256; only the hashes go on chain.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.chain.accounts import deployer_account, derive_account
from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import (
    AUDITOR_ROLE,
    FINANCE_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    ZERO_HASH,
    LedgerContract,
    organisation_id_of,
    process_id_of,
    reference,
    scoped_id,
)
from ledger.chain.sender import TransactionSender
from ledger.settings import Settings

# Stage and enum values as the contract numbers them (IProcurementLedger).
PLANNING, TENDER, AWARDED, CONTRACTED, IMPLEMENTATION = 1, 2, 4, 5, 6
OPEN_TENDER, SINGLE_SOURCE = 0, 1
DELIVERY, ACCEPTANCE = 0, 1
DAY = 86_400


@dataclass(frozen=True)
class DemoOrganisation:
    """A fictional organisation: registry id (its hash is the on-chain id), role and the HD index of its account."""

    registry_id: str
    name: str
    role: bytes
    account_index: int

    @property
    def org_id(self) -> bytes:
        """keccak256 of the registry id, the organisation's id on chain."""
        return organisation_id_of(self.registry_id)


@dataclass(frozen=True)
class DemoProcess:
    """One fictional procurement and the notice document behind its opening."""

    ocid: str
    title: str
    notice: str

    @property
    def document(self) -> bytes:
        """The notice as the bytes whose SHA-256 goes on chain."""
        return f"{self.title}\n\n{self.notice}\n".encode()

    @property
    def doc_hash(self) -> bytes:
        """SHA-256 of the notice."""
        return hashlib.sha256(self.document).digest()


PURCHASER = DemoOrganisation("12330100DEMO0001PA", "Riverside City Procurement Centre", PURCHASER_ROLE, 1)
FINANCE = DemoOrganisation("11330100DEMO0002FB", "Riverside City Finance Bureau", FINANCE_ROLE, 2)
SUPPLIER_A = DemoOrganisation("91330100DEMO0003SA", "Harbour Roadworks Ltd", SUPPLIER_ROLE, 3)
SUPPLIER_B = DemoOrganisation("91330100DEMO0004SB", "Northgate Civil Engineering Co.", SUPPLIER_ROLE, 4)
AUDITOR = DemoOrganisation("11330100DEMO0005AU", "Riverside City Audit Office", AUDITOR_ROLE, 5)
ORGANISATIONS = (PURCHASER, FINANCE, SUPPLIER_A, SUPPLIER_B, AUDITOR)

# The purchaser's OCDS ocid prefix: it may open only processes whose ocid begins with it and a "-".
OCID_PREFIX = "ocds-pl0001"
BUDGET_CODE = "2026-RIVERSIDE-GENERAL-014"
BUDGET_ID = scoped_id(FINANCE.org_id, reference(BUDGET_CODE))
BUDGET_AMOUNT = 50_000_000_00  # 50 million in cents

DEMO_PROCESSES = (
    DemoProcess(
        f"{OCID_PREFIX}-2026-0001",
        "Resurfacing of Riverside Road (2.4 km)",
        "Open tender. Works to be completed within 120 days of signature.",
    ),
    DemoProcess(
        f"{OCID_PREFIX}-2026-0002",
        "Maintenance of the water-treatment control system",
        "Single source: only the original vendor holds the control system's source and certification.",
    ),
    DemoProcess(
        f"{OCID_PREFIX}-2026-0003",
        "市政府办公楼物业管理服务 (Facility management of the city hall)",
        "公开招标。服务期三年。",
    ),
)

# The single-source contract: four quarterly milestones, the first delivered, accepted and paid.
CONTRACT_NUMBER = "CT-2026-0002"
QUARTER_AMOUNT = 105_000_00
MILESTONES = tuple(f"{CONTRACT_NUMBER}/Q{quarter}" for quarter in range(1, 5))
VOUCHER_NUMBER = "TV-2026-000187"


class _Recorder:
    """Writes demo steps as the right organisation, keeping every document it hashes."""

    def __init__(self, settings: Settings, ledger: LedgerContract) -> None:
        self.ledger = ledger
        self.folder = settings.data_dir / "documents"
        self.admin = ledger.sender(deployer_account(settings))
        self.senders = {org: ledger.sender(derive_account(settings, org.account_index)) for org in ORGANISATIONS}
        self.writes = 0

    def as_(self, org: DemoOrganisation) -> TransactionSender:
        return self.senders[org]

    def send(self, sender: TransactionSender, function: str, *args: object) -> None:
        self.ledger.send(sender, function, *args)
        self.writes += 1

    def document(self, text: str) -> bytes:
        content = text.encode()
        digest = hashlib.sha256(content).digest()
        _keep(self.folder, digest, content)
        return digest


def set_up_organisations_and_budget(settings: Settings, ledger: LedgerContract) -> bytes:
    """Register the demo organisations and the purchaser's ocid prefix, and approve the demo budget line, if not
    done yet; returns the line's id."""
    return _organisations_and_budget(_Recorder(settings, ledger))


def _organisations_and_budget(recorder: _Recorder) -> bytes:
    _register_organisations(recorder)
    if recorder.ledger.call("ocidPrefixOwner", OCID_PREFIX) == ZERO_HASH:
        recorder.send(recorder.admin, "registerOcidPrefix", PURCHASER.org_id, OCID_PREFIX)
    if recorder.ledger.call("budget", BUDGET_ID)[2] == 0:
        approval = recorder.document(f"Budget {BUDGET_CODE}: 50,000,000.00 CNY for fiscal year 2026.")
        recorder.send(
            recorder.as_(FINANCE), "approveBudget", reference(BUDGET_CODE), 2026, BUDGET_AMOUNT, b"CNY", approval,
            [PURCHASER.org_id],
        )  # fmt: skip
    return BUDGET_ID


def load_demo_data(settings: Settings, ledger: LedgerContract) -> int:
    """Record whatever part of the demo is not on chain yet; returns how many processes it created."""
    recorder = _Recorder(settings, ledger)
    budget_id = _organisations_and_budget(recorder)
    created = 0
    for process in DEMO_PROCESSES:
        _keep(recorder.folder, process.doc_hash, process.document)
        if not ledger.process_exists(process.ocid):
            method = SINGLE_SOURCE if process is DEMO_PROCESSES[1] else OPEN_TENDER
            rationale = recorder.document(f"Single-source justification for {process.ocid}") if method else ZERO_HASH
            args = (process.ocid, budget_id, method, process.doc_hash, rationale)
            recorder.send(recorder.as_(PURCHASER), "createProcess", *args)
            created += 1
    _advance_open_tender(recorder, process_id_of(DEMO_PROCESSES[0].ocid))
    _advance_single_source(recorder, process_id_of(DEMO_PROCESSES[1].ocid))
    return created


def _register_organisations(recorder: _Recorder) -> None:
    for org in ORGANISATIONS:
        if recorder.ledger.call("organisation", org.org_id)[0] == ZERO_HASH:
            recorder.send(recorder.admin, "registerOrganisation", org.org_id, org.role)
        account = recorder.as_(org).address
        if recorder.ledger.call("organisationOf", account) == ZERO_HASH:
            recorder.send(recorder.admin, "addOrganisationAccount", org.org_id, account)


def _stage(recorder: _Recorder, process_id: bytes) -> int:
    return int(recorder.ledger.call("processOf", process_id)[4])


def _advance_open_tender(recorder: _Recorder, process_id: bytes) -> None:
    """Publish the tender with deadlines a month out, and have two suppliers commit sealed bids."""
    if _stage(recorder, process_id) == PLANNING:
        now = int(time.time())
        tender = recorder.document("Tender documents: bill of quantities, technical specification, evaluation method.")
        recorder.send(recorder.as_(PURCHASER), "openTender", process_id, now + 30 * DAY, now + 31 * DAY, tender)
    for supplier, amount in ((SUPPLIER_A, 1_874_500_00), (SUPPLIER_B, 1_912_000_00)):
        if recorder.ledger.call("bidOf", process_id, supplier.org_id)[0] != ZERO_HASH:
            continue
        # A real supplier keeps its bid document and salt private until the reveal; the demo derives them.
        bid_doc = hashlib.sha256(f"bid of {supplier.name}".encode()).digest()
        salt = hashlib.sha256(f"demo salt {supplier.registry_id}".encode()).digest()
        commitment = bid_commitment(process_id, supplier.org_id, amount, bid_doc, salt)
        recorder.send(recorder.as_(supplier), "commitBid", process_id, commitment)


def _advance_single_source(recorder: _Recorder, process_id: bytes) -> None:
    """Award, sign with a quarterly payment schedule, deliver, accept and pay the first quarter."""
    purchaser, supplier = recorder.as_(PURCHASER), recorder.as_(SUPPLIER_A)
    milestone_ids = [reference(name) for name in MILESTONES]
    value = QUARTER_AMOUNT * len(MILESTONES)
    if _stage(recorder, process_id) == PLANNING:
        award = recorder.document("Award decision: single source to Harbour Roadworks Ltd.")
        recorder.send(purchaser, "awardProcess", process_id, SUPPLIER_A.org_id, value, award)
    if _stage(recorder, process_id) == AWARDED:
        contract = recorder.document(f"Maintenance contract {CONTRACT_NUMBER}, 12 months, paid quarterly.")
        schedule = [QUARTER_AMOUNT] * len(MILESTONES)
        recorder.send(
            purchaser, "signContract", process_id, reference(CONTRACT_NUMBER), value, contract, milestone_ids, schedule
        )
    if _stage(recorder, process_id) == CONTRACTED:
        report = recorder.document("Delivery report: quarterly maintenance Q1 done.")
        recorder.send(supplier, "recordMilestone", process_id, milestone_ids[0], DELIVERY, report)
        acceptance = recorder.document("Acceptance report (履约验收): Q1 maintenance accepted.")
        recorder.send(purchaser, "recordMilestone", process_id, milestone_ids[0], ACCEPTANCE, acceptance)
    if not recorder.ledger.call("paymentRecorded", process_id, reference(VOUCHER_NUMBER)):
        voucher = recorder.document(f"Treasury voucher {VOUCHER_NUMBER}: 105,000.00 CNY.")
        recorder.send(
            recorder.as_(FINANCE), "recordPayment", process_id, reference(VOUCHER_NUMBER), milestone_ids[0],
            QUARTER_AMOUNT, supplier.address, voucher,
        )  # fmt: skip


def _keep(folder: Path, digest: bytes, content: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest.hex()}.txt"
    if not path.exists():
        path.write_bytes(content)
