"""Small helpers the test modules share."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

from web3.types import TxReceipt

from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import LedgerContract
from ledger.demo import BUDGET_ID, PURCHASER
from ledger.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_process(settings: Settings, ledger: LedgerContract, ocid: str) -> TxReceipt:
    """Create open-tender process `ocid` (under the demo purchaser's ocid prefix) on the demo budget line, as the
    demo purchaser; its notice's SHA-256 is that of the ocid."""
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    doc_hash = hashlib.sha256(ocid.encode()).digest()
    return ledger.send(purchaser, "createProcess", ocid, BUDGET_ID, 0, doc_hash, bytes(32))
