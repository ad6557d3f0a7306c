"""Small helpers the test modules share."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.accounts import derive_account
from ledger.chain.anvil import AnvilProcess
from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.setup import ensure_deployed, open_ledger
from ledger.chain.toolchain import find_anvil
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


@contextmanager
def deployed_chain(settings: Settings) -> Iterator[tuple[Web3, LedgerContract]]:
    """A real anvil of its own on `settings.chain_port` with the ledger deployed, stopped afterwards."""
    anvil = AnvilProcess(find_anvil(PROJECT_DIR), settings.chain_port, settings.chain_state_file)
    anvil.start()
    try:
        w3 = connect(anvil.rpc_url)
        ensure_deployed(settings, w3)
        yield w3, open_ledger(settings, w3)
    finally:
        anvil.stop()
