"""The acts the demo and tests/api/lifecycle.py leave out, so that a mirror holds every kind of process event:
a tender amendment, cancelled bid signatures, a contract amendment and a termination, a completion, and a
cancelled process."""

from __future__ import annotations

import hashlib

from web3 import Web3

from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.demo import (
    BUDGET_ID,
    DAY,
    DEMO_PROCESSES,
    FINANCE,
    OCID_PREFIX,
    OPEN_TENDER,
    ORGANISATIONS,
    PURCHASER,
    QUARTER_AMOUNT,
    SUPPLIER_B,
    DemoOrganisation,
)
from ledger.read.facts import ZERO_HASH
from ledger.settings import Settings
from tests.api.lifecycle import SEALED, TENDER

SINGLE_SOURCE = DEMO_PROCESSES[1]
CANCELLED_OCID = f"{OCID_PREFIX}-2026-0004"
EXTRA_MILESTONE = "CT-2026-0002/Q5"


def sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def run_remaining_acts(settings: Settings, ledger: LedgerContract, w3: Web3) -> None:
    """After run_tender_to_payment: every process event kind it does not emit, each at least once."""
    senders = {org: ledger.sender(derive_account(settings, org.account_index)) for org in ORGANISATIONS}

    def send(org: DemoOrganisation, function: str, *args: object) -> None:
        ledger.send(senders[org], function, *args)

    sealed = process_id_of(SEALED.ocid)
    now = int(w3.eth.get_block("latest")["timestamp"])
    send(
        PURCHASER, "amendTender", sealed, reference("AMD-2026-0003-1"), sha("Amended tender documents"),
        sha("Clarification: site visit added"), now + 70 * DAY, now + 71 * DAY,
    )  # fmt: skip
    send(FINANCE, "reinstateOrganisation", SUPPLIER_B.org_id, sha("Debarment lifted"))
    send(SUPPLIER_B, "cancelBidSignatures", sealed)
    single = process_id_of(SINGLE_SOURCE.ocid)
    increase = QUARTER_AMOUNT // 10
    send(
        PURCHASER, "amendContract", single, reference("CA-2026-0002-1"), increase, sha("Supplementary agreement 1"),
        [reference(EXTRA_MILESTONE)], [increase],
    )  # fmt: skip
    send(PURCHASER, "terminateContract", single, sha("Termination notice CT-2026-0002"))
    send(PURCHASER, "completeProcess", process_id_of(TENDER.ocid), sha("Completion certificate CT-2026-0001"))
    send(PURCHASER, "createProcess", CANCELLED_OCID, BUDGET_ID, OPEN_TENDER, sha("Notice 0004"), ZERO_HASH)
    send(PURCHASER, "cancelProcess", process_id_of(CANCELLED_OCID), sha("Cancellation notice 0004"))
