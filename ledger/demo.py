"""Demo data: fictional organisations, a budget line and three processes at different stages.

Loading is idempotent: each step checks the chain or the store first, so running it again records nothing new.
Every document the demo hashes on chain goes into the document store (ledger.store.documents) with a title and a
language, each organisation gets a profile document binding its name, and the purchaser anchors all the documents
as one Merkle root, keeping the leaf list off chain. One supplier's bid document is withdrawn (a trade secret) to
show what a withdrawn document still offers: its metadata, anchor and proof, not its bytes.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

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
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore

# Stage and enum values as the contract numbers them (IProcurementLedger).
PLANNING, TENDER, AWARDED, CONTRACTED, IMPLEMENTATION = 1, 2, 4, 5, 6
OPEN_TENDER, SINGLE_SOURCE = 0, 1
DELIVERY, ACCEPTANCE = 0, 1
DAY = 86_400
TEXT = "text/plain; charset=utf-8"


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
class DemoDocument:
    """A fictional document: its text, and the title and language the store labels it with."""

    text: str
    title: str
    language: str
    description: str | None = None

    @property
    def content(self) -> bytes:
        """The bytes whose SHA-256 goes on chain."""
        return self.text.encode()

    @property
    def digest(self) -> bytes:
        """SHA-256 of the content."""
        return hashlib.sha256(self.content).digest()


@dataclass(frozen=True)
class DemoProcess:
    """One fictional procurement and the notice document behind its opening."""

    ocid: str
    title: str
    notice: str
    language: str = "en"

    @property
    def document(self) -> bytes:
        """The notice as the bytes whose SHA-256 goes on chain."""
        return f"{self.title}\n\n{self.notice}\n".encode()

    @property
    def doc_hash(self) -> bytes:
        """SHA-256 of the notice."""
        return hashlib.sha256(self.document).digest()

    @property
    def notice_document(self) -> DemoDocument:
        """The notice as the store keeps it: titled by the process, described by the notice."""
        return DemoDocument(self.document.decode(), self.title, self.language, self.notice)


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
        "zh",
    ),
)

# The single-source contract: four quarterly milestones, the first delivered, accepted and paid.
CONTRACT_NUMBER = "CT-2026-0002"
QUARTER_AMOUNT = 105_000_00
MILESTONES = tuple(f"{CONTRACT_NUMBER}/Q{quarter}" for quarter in range(1, 5))
VOUCHER_NUMBER = "TV-2026-000187"

# Every other document the demo hashes on chain; the texts are fixed, so a second run finds the same hashes.
BUDGET_APPROVAL = DemoDocument(
    f"Budget {BUDGET_CODE}: 50,000,000.00 CNY for fiscal year 2026.", f"预算批复 Budget approval {BUDGET_CODE}", "en"
)
SINGLE_SOURCE_RATIONALE = DemoDocument(
    f"Single-source justification for {DEMO_PROCESSES[1].ocid}", "单一来源采购理由 Single-source rationale", "en"
)
TENDER_DOCUMENTS = DemoDocument(
    "Tender documents: bill of quantities, technical specification, evaluation method.",
    "招标文件 Tender documents: Resurfacing of Riverside Road", "en",
)  # fmt: skip
AWARD_DECISION = DemoDocument(
    "Award decision: single source to Harbour Roadworks Ltd.", "成交结果 Award decision: water-treatment maintenance",
    "en",
)  # fmt: skip
CONTRACT = DemoDocument(
    f"Maintenance contract {CONTRACT_NUMBER}, 12 months, paid quarterly.", f"采购合同 Contract {CONTRACT_NUMBER}", "en"
)
DELIVERY_REPORT = DemoDocument(
    "Delivery report: quarterly maintenance Q1 done.", "交付报告 Delivery report: Q1 maintenance", "en"
)
ACCEPTANCE_REPORT = DemoDocument(
    "Acceptance report (履约验收): Q1 maintenance accepted.", "履约验收报告 Acceptance report: Q1 maintenance", "en"
)
VOUCHER = DemoDocument(
    f"Treasury voucher {VOUCHER_NUMBER}: 105,000.00 CNY.", f"国库支付凭证 Treasury voucher {VOUCHER_NUMBER}", "en"
)
# A supplier keeps its bid document private until the reveal; the demo stores each supplier's own copy.
BIDS = {
    supplier: DemoDocument(f"bid of {supplier.name}", f"投标文件 Bid of {supplier.name}", "en")
    for supplier in (SUPPLIER_A, SUPPLIER_B)
}
WITHDRAWN_BID = BIDS[SUPPLIER_B]
WITHDRAWAL_REASON = f"trade secret: withdrawn at the request of {SUPPLIER_B.name}"


class _Recorder:
    """Writes demo steps as the right organisation."""

    def __init__(self, settings: Settings, ledger: LedgerContract) -> None:
        self.ledger = ledger
        self.admin = ledger.sender(deployer_account(settings))
        self.senders = {org: ledger.sender(derive_account(settings, org.account_index)) for org in ORGANISATIONS}
        self.writes = 0

    def as_(self, org: DemoOrganisation) -> TransactionSender:
        return self.senders[org]

    def send(self, sender: TransactionSender, function: str, *args: object) -> None:
        self.ledger.send(sender, function, *args)
        self.writes += 1


def set_up_organisations_and_budget(settings: Settings, ledger: LedgerContract) -> bytes:
    """Register the demo organisations and the purchaser's ocid prefix, and approve the demo budget line, if not
    done yet; returns the line's id."""
    return _organisations_and_budget(_Recorder(settings, ledger))


def _organisations_and_budget(recorder: _Recorder) -> bytes:
    _register_organisations(recorder)
    if recorder.ledger.call("ocidPrefixOwner", OCID_PREFIX) == ZERO_HASH:
        recorder.send(recorder.admin, "registerOcidPrefix", PURCHASER.org_id, OCID_PREFIX)
    if recorder.ledger.call("budget", BUDGET_ID)[2] == 0:
        recorder.send(
            recorder.as_(FINANCE), "approveBudget", reference(BUDGET_CODE), 2026, BUDGET_AMOUNT, b"CNY",
            BUDGET_APPROVAL.digest, [PURCHASER.org_id],
        )  # fmt: skip
    return BUDGET_ID


def load_demo_data(settings: Settings, ledger: LedgerContract, engine: Engine) -> int:
    """Record whatever part of the demo is not on chain or in the store yet; returns how many processes it created.

    `engine` is the migrated database the documents, profiles and leaf lists go into.
    """
    store = DocumentStore(DocumentFiles(settings.documents_dir))
    with Session(engine) as session, session.begin():  # off chain first: every hash sent has its bytes kept
        _store_documents(session, store)
    recorder = _Recorder(settings, ledger)
    budget_id = _organisations_and_budget(recorder)
    created = 0
    for process in DEMO_PROCESSES:
        if not ledger.process_exists(process.ocid):
            method = SINGLE_SOURCE if process is DEMO_PROCESSES[1] else OPEN_TENDER
            rationale = SINGLE_SOURCE_RATIONALE.digest if method else ZERO_HASH
            args = (process.ocid, budget_id, method, process.doc_hash, rationale)
            recorder.send(recorder.as_(PURCHASER), "createProcess", *args)
            created += 1
    _advance_open_tender(recorder, process_id_of(DEMO_PROCESSES[0].ocid))
    _advance_single_source(recorder, process_id_of(DEMO_PROCESSES[1].ocid))
    _anchor_documents(recorder, engine)
    return created


def anchored_documents() -> list[DemoDocument]:
    """The documents the purchaser anchors as one root, in leaf order: every document of the demo's processes."""
    notices = [process.notice_document for process in DEMO_PROCESSES]
    return [
        BUDGET_APPROVAL, *notices, SINGLE_SOURCE_RATIONALE, TENDER_DOCUMENTS, *BIDS.values(), AWARD_DECISION,
        CONTRACT, DELIVERY_REPORT, ACCEPTANCE_REPORT, VOUCHER,
    ]  # fmt: skip


def _store_documents(session: Session, store: DocumentStore) -> None:
    for document in anchored_documents():
        store.add(session, document.content, TEXT, document.title, document.language, document.description)
    store.withdraw(session, "0x" + WITHDRAWN_BID.digest.hex(), WITHDRAWAL_REASON)
    for org in ORGANISATIONS:
        store.add_organisation_profile(session, org.registry_id, org.name)


def _anchor_documents(recorder: _Recorder, engine: Engine) -> None:
    """The purchaser anchors every document of the demo as one root, its leaf list recorded before it is sent."""
    leaves = [document.digest for document in anchored_documents()]
    root = merkle_root(leaves)
    chain_id = int(recorder.ledger.contract.w3.eth.chain_id)
    with Session(engine) as session, session.begin():
        record_anchored_leaves(session, chain_id, PURCHASER.org_id, root, leaves)
    if recorder.ledger.call("anchorOf", PURCHASER.org_id, root)[0] == 0:
        recorder.send(recorder.as_(PURCHASER), "anchorDocuments", root, len(leaves), ZERO_HASH)


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
        tender = TENDER_DOCUMENTS.digest
        recorder.send(recorder.as_(PURCHASER), "openTender", process_id, now + 30 * DAY, now + 31 * DAY, tender)
    for supplier, amount in ((SUPPLIER_A, 1_874_500_00), (SUPPLIER_B, 1_912_000_00)):
        if recorder.ledger.call("bidOf", process_id, supplier.org_id)[0] != ZERO_HASH:
            continue
        # A real supplier keeps its bid document and salt private until the reveal; the demo derives them.
        bid_doc = BIDS[supplier].digest
        salt = hashlib.sha256(f"demo salt {supplier.registry_id}".encode()).digest()
        commitment = bid_commitment(process_id, supplier.org_id, amount, bid_doc, salt)
        recorder.send(recorder.as_(supplier), "commitBid", process_id, commitment)


def _advance_single_source(recorder: _Recorder, process_id: bytes) -> None:
    """Award, sign with a quarterly payment schedule, deliver, accept and pay the first quarter."""
    purchaser, supplier = recorder.as_(PURCHASER), recorder.as_(SUPPLIER_A)
    milestone_ids = [reference(name) for name in MILESTONES]
    value = QUARTER_AMOUNT * len(MILESTONES)
    if _stage(recorder, process_id) == PLANNING:
        award = AWARD_DECISION.digest
        recorder.send(purchaser, "awardProcess", process_id, SUPPLIER_A.org_id, value, award)
    if _stage(recorder, process_id) == AWARDED:
        contract = CONTRACT.digest
        schedule = [QUARTER_AMOUNT] * len(MILESTONES)
        recorder.send(
            purchaser, "signContract", process_id, reference(CONTRACT_NUMBER), value, contract, milestone_ids, schedule
        )
    if _stage(recorder, process_id) == CONTRACTED:
        report = DELIVERY_REPORT.digest
        recorder.send(supplier, "recordMilestone", process_id, milestone_ids[0], DELIVERY, report)
        acceptance = ACCEPTANCE_REPORT.digest
        recorder.send(purchaser, "recordMilestone", process_id, milestone_ids[0], ACCEPTANCE, acceptance)
    if not recorder.ledger.call("paymentRecorded", process_id, reference(VOUCHER_NUMBER)):
        voucher = VOUCHER.digest
        recorder.send(
            recorder.as_(FINANCE), "recordPayment", process_id, reference(VOUCHER_NUMBER), milestone_ids[0],
            QUARTER_AMOUNT, supplier.address, voucher,
        )  # fmt: skip
