"""A mirror holding the demo and then every kind of act: the demo's open tender is opened, evaluated, contested,
awarded, signed, delivered, accepted and paid late; a second milestone is accepted and left unpaid.

Chain time is moved with evm_increaseTime (a test RPC), so the late payment is really 40 days after acceptance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from web3 import Web3

from ledger.chain.accounts import deployer_account, derive_account
from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.demo import (
    ACCEPTANCE,
    AUDITOR,
    DAY,
    DELIVERY,
    DEMO_PROCESSES,
    FINANCE,
    ORGANISATIONS,
    PURCHASER,
    SUPPLIER_A,
    SUPPLIER_B,
    DemoOrganisation,
)
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings

TENDER = DEMO_PROCESSES[0]
SEALED = DEMO_PROCESSES[2]
BIDS = {SUPPLIER_A: 1_874_500_00, SUPPLIER_B: 1_912_000_00}
CONTRACT = "CT-2026-0001"
MILESTONE_AMOUNTS = (937_250_00, 937_250_00)
MILESTONES = (f"{CONTRACT}/M1", f"{CONTRACT}/M2")
LATE_VOUCHER = "TV-2026-000231"
COMPLAINT = "Q-2026-0001-01"
DAYS_TO_PAY = 40
EXTRA_ACCOUNT_INDEX = 9
SUSPENSION_REASON = "Debarment notice (失信名单): Northgate Civil Engineering Co."


def sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


# Two of the tender's documents, anchored under the tender as one root.
ANCHORED = (sha("Evaluation report: Harbour Roadworks ranks first."), sha("Award notice 0001."))


def advance(w3: Web3, days: float) -> None:
    w3.provider.make_request("evm_increaseTime", [int(days * DAY)])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def run_tender_to_payment(settings: Settings, ledger: LedgerContract, w3: Web3) -> None:
    """Take the demo's open tender (two sealed bids committed) through to a late payment."""
    senders = {org: ledger.sender(derive_account(settings, org.account_index)) for org in ORGANISATIONS}

    def send(org: DemoOrganisation, function: str, *args: object) -> None:
        ledger.send(senders[org], function, *args)

    process_id = process_id_of(TENDER.ocid)
    advance(w3, 30.5)  # past the bid deadline
    for supplier, amount in BIDS.items():
        bid_doc = hashlib.sha256(f"bid of {supplier.name}".encode()).digest()
        salt = hashlib.sha256(f"demo salt {supplier.registry_id}".encode()).digest()
        send(supplier, "revealBid", process_id, amount, bid_doc, salt)
    advance(w3, 1)  # past the reveal deadline
    send(PURCHASER, "recordEvaluation", process_id, sha("Evaluation report: Harbour Roadworks ranks first."))
    send(SUPPLIER_B, "fileComplaint", process_id, reference(COMPLAINT), sha("质疑函: scoring of item 3."))
    advance(w3, 5)
    complaint_id = ledger.call("scopedId", SUPPLIER_B.org_id, reference(COMPLAINT))
    send(FINANCE, "resolveComplaint", process_id, complaint_id, 2, sha("Decision: complaint dismissed."))
    send(PURCHASER, "awardProcess", process_id, SUPPLIER_A.org_id, BIDS[SUPPLIER_A], sha("Award notice 0001."))
    advance(w3, 3)
    milestone_ids = [reference(name) for name in MILESTONES]
    send(
        PURCHASER, "signContract", process_id, reference(CONTRACT), BIDS[SUPPLIER_A], sha(f"Contract {CONTRACT}"),
        milestone_ids, list(MILESTONE_AMOUNTS),
    )  # fmt: skip
    for milestone in milestone_ids:
        send(SUPPLIER_A, "recordMilestone", process_id, milestone, DELIVERY, sha(f"delivery {milestone.hex()}"))
        advance(w3, 2)
        send(PURCHASER, "recordMilestone", process_id, milestone, ACCEPTANCE, sha(f"acceptance {milestone.hex()}"))
        if milestone == milestone_ids[0]:
            advance(w3, DAYS_TO_PAY)
            send(
                FINANCE, "recordPayment", process_id, reference(LATE_VOUCHER), milestone, MILESTONE_AMOUNTS[0],
                senders[SUPPLIER_A].address, sha(f"Treasury voucher {LATE_VOUCHER}"),
            )  # fmt: skip
    advance(w3, 31)  # the second milestone stays unpaid for over 30 days
    send(AUDITOR, "recordAuditNote", process_id, reference("AUD-2026-17"), sha("Audit findings: late payment."))
    send(PURCHASER, "anchorDocuments", merkle_root(list(ANCHORED)), len(ANCHORED), process_id)
    open_sealed_tender(ledger, w3, send)
    admin = ledger.sender(deployer_account(settings))
    extra = derive_account(settings, EXTRA_ACCOUNT_INDEX).address
    ledger.send(admin, "addOrganisationAccount", SUPPLIER_A.org_id, extra)
    ledger.send(admin, "removeOrganisationAccount", SUPPLIER_A.org_id, extra)
    send(FINANCE, "suspendOrganisation", SUPPLIER_B.org_id, sha(SUSPENSION_REASON))


def open_sealed_tender(ledger: LedgerContract, w3: Web3, send: Callable[..., None]) -> None:
    """Open the demo's third process for bids; one supplier commits, then replaces its bid, and keeps it sealed."""
    process_id = process_id_of(SEALED.ocid)
    now = int(w3.eth.get_block("latest")["timestamp"])
    send(PURCHASER, "openTender", process_id, now + 60 * DAY, now + 61 * DAY, sha("物业管理服务招标文件"))
    for amount in (2_400_000_00, 2_350_000_00):
        commitment = bid_commitment(process_id, SUPPLIER_B.org_id, amount, sha(f"bid {amount}"), sha("salt"))
        send(SUPPLIER_B, "commitBid", process_id, commitment)
