"""Small helpers the test modules share."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import LedgerContract
from ledger.demo import BUDGET_CODE, PURCHASER
from ledger.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_process(settings: Settings, ledger: LedgerContract, ocid: str) -> TxReceipt:
    """Create open-tender process `ocid` on the demo budget, as the demo purchaser."""
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    budget_id = bytes(Web3.keccak(text=BUDGET_CODE))
    doc_hash = hashlib.sha256(ocid.encode()).digest()
    return ledger.send(purchaser, "createProcess", ocid, budget_id, 0, doc_hash, bytes(32))
