"""A single-source contract brought to the point where payments can be recorded, for the reorg tests that pay and
replace payments on competing branches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.demo import PURCHASER, SUPPLIER_A, set_up_organisations_and_budget
from ledger.settings import Settings
from tests.indexer.scenario.writer import ACCEPTANCE, DELIVERY, SINGLE_SOURCE, document


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
