"""How the scenario writes: `Writer` sends as the demo organisations' accounts and records every transaction and
the timeline events it adds, `ProcessWriter` does so for one process; with the ledger's enum values, the extra
dev accounts the scenario uses, and the document hashes and clock moves it relies on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.sender import TransactionSender
from ledger.demo import SUPPLIER_A, SUPPLIER_B, DemoOrganisation
from tests.indexer.scenario.runs import ContractRun, ProcessRun, Scenario, hex_of

DAY = 86_400
OPEN_TENDER, SINGLE_SOURCE = 0, 1  # IProcurementLedger.Method
DELIVERY, ACCEPTANCE = 0, 1  # IProcurementLedger.MilestoneKind
DISMISSED, UPHELD, WITHDRAWN = 2, 3, 4  # IProcurementLedger.ComplaintStatus
RELAYER_INDEX = 7  # an unregistered dev account that relays a supplier's signed bid, as the API gateway would
SECOND_AUDITOR_INDEX = 8  # an auditor's second account, added and later removed
SECOND_SUPPLIER_A_INDEX = 9  # supplier A's second account: it replaces A's bid, delivers and is paid

AfterTransaction = Callable[[TxReceipt], None]


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


Who = DemoOrganisation | TransactionSender


@dataclass
class Writer:
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
class ProcessWriter:
    """One process being written: each step sends a transaction and states the timeline event it must add."""

    writer: Writer
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
