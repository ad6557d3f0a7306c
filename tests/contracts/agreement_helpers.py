"""What the agreement tests (test_signing_and_amendments.py, test_milestones_and_settlement.py) share: the
ids and amounts of the `contracted` fixture's agreement and its amendments, the expected agreementOf, signing
and amending with defaults, and the fixtures that deliver and accept its milestones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    AWARD,
    CONTRACT_ID,
    DELIVERY,
    FINANCE_ORG,
    M1,
    M2,
    SCHEDULE,
    SUPPLIER_A_ORG,
    doc,
)

AMENDMENT_1 = keccak(text="amendment-1")
AMENDMENT_2 = keccak(text="amendment-2")
M3_AMOUNT = 40_000_00
PAYMENT_PARTIES = keccak(encode(["bytes32", "bytes32"], [FINANCE_ORG, SUPPLIER_A_ORG]))

# IProcurementLedger.Agreement, field by field in declaration order.
AGREEMENT_FIELDS = {
    "contractId": "bytes32",
    "value": "uint96",
    "originalValue": "uint96",
    "scheduledTotal": "uint96",
    "acceptedTotal": "uint96",
    "openMilestones": "uint32",
    "paymentParties": "bytes32",
}


def agreement(
    value: int = AWARD,
    original: int = AWARD,
    scheduled: int = AWARD,
    accepted: int = 0,
    open_milestones: int = 2,
    contract_id: bytes = CONTRACT_ID,
    parties: bytes = PAYMENT_PARTIES,
) -> dict[str, Any]:
    """The expected agreementOf, field by field; the defaults are the `contracted` fixture's."""
    return {
        "contractId": contract_id,
        "value": value,
        "originalValue": original,
        "scheduledTotal": scheduled,
        "acceptedTotal": accepted,
        "openMilestones": open_milestones,
        "paymentParties": parties,
    }


def agreement_of(ledger: Any, process_id: bytes) -> dict[str, Any]:
    found = ledger.agreementOf(process_id)
    return {name: getattr(found, name) for name in AGREEMENT_FIELDS}


def sign(
    ledger: Any,
    purchaser: Any,
    process_id: bytes,
    value: int = AWARD,
    ids: Sequence[bytes] = SCHEDULE[0],
    amounts: Sequence[int] = SCHEDULE[1],
    contract_id: bytes = CONTRACT_ID,
) -> Any:
    return ledger.signContract(process_id, contract_id, value, doc("contract"), ids, amounts, sender=purchaser)


def amend(
    ledger: Any,
    purchaser: Any,
    process_id: bytes,
    increase: int,
    ids: Sequence[bytes] = (),
    amounts: Sequence[int] = (),
    amendment_id: bytes = AMENDMENT_1,
) -> Any:
    return ledger.amendContract(
        process_id, amendment_id, increase, doc("amendment"), list(ids), list(amounts), sender=purchaser
    )


@pytest.fixture
def delivered(ledger: Any, supplier_a: Any, contracted: Callable[..., bytes]) -> Callable[[], bytes]:
    """The `contracted` process whose milestone M1 supplier A delivered (so it is in Implementation)."""

    def deliver() -> bytes:
        process_id = contracted()
        ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
        return process_id

    return deliver


@pytest.fixture
def accepted(ledger: Any, purchaser: Any, delivered: Callable[[], bytes]) -> Callable[[], bytes]:
    """The `delivered` process whose milestone M1 the purchaser accepted; M2 is still scheduled."""

    def accept() -> bytes:
        process_id = delivered()
        ledger.recordMilestone(process_id, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
        return process_id

    return accept


@pytest.fixture
def all_accepted(ledger: Any, purchaser: Any, supplier_a: Any, accepted: Callable[[], bytes]) -> Callable[[], bytes]:
    """The `accepted` process whose milestone M2 was delivered and accepted too: every milestone is accepted."""

    def accept() -> bytes:
        process_id = accepted()
        ledger.recordMilestone(process_id, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)
        ledger.recordMilestone(process_id, M2, ACCEPTANCE, doc("acceptance M2"), sender=purchaser)
        return process_id

    return accept
