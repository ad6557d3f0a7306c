"""The model's records and constants: the contract's limits, the EIP-712 type of a relayed bid, the custom-error
exception `Revert`, and one dataclass per record the ledger keeps (organisation, budget line, process, bid,
agreement, milestone, complaint), each with the fields of its Solidity struct in declaration order.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak

from tests.contracts.conftest import (
    AUDITOR_ROLE,
    COMPLAINT_NONE,
    FINANCE_ROLE,
    NOT_SCHEDULED,
    OPEN_TENDER,
    PUBLISHER_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    ZERO_HASH,
    Stage,
)

MAX_OCID_LENGTH = 128
MAX_OCID_PREFIX_LENGTH = 64
MAX_OPEN_COMPLAINTS_PER_ORGANISATION = 3
MAX_MILESTONES = 64
ORGANISATION_ROLES = (FINANCE_ROLE, PURCHASER_ROLE, SUPPLIER_ROLE, AUDITOR_ROLE, PUBLISHER_ROLE)

# The EIP-712 type of a relayed bid commitment (SealedBids.BID_COMMITMENT_TYPEHASH).
BID_COMMITMENT_TYPES = {
    "BidCommitment": [
        {"name": "processId", "type": "bytes32"},
        {"name": "bidderOrg", "type": "bytes32"},
        {"name": "commitment", "type": "bytes32"},
        {"name": "nonce", "type": "uint64"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def bid_commitment_message(
    process_id: bytes, bidder_org: bytes, sealed: bytes, nonce: int, deadline: int
) -> dict[str, object]:
    return {
        "processId": process_id,
        "bidderOrg": bidder_org,
        "commitment": sealed,
        "nonce": nonce,
        "deadline": deadline,
    }


def payment_parties(finance_org: bytes, supplier_org: bytes) -> bytes:
    """keccak256(abi.encode(financeOrg, supplierOrg)), as Agreements keeps it."""
    return keccak(encode(["bytes32", "bytes32"], [finance_org, supplier_org]))


class Revert(Exception):
    """The contract must revert with custom error `name`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Organisation:
    role: bytes
    suspended_by: bytes = ZERO_HASH


@dataclass
class Budget:
    amount: int
    fiscal_year: int
    currency: bytes
    finance_org: bytes
    purchasers: frozenset[bytes]
    committed: int = 0


@dataclass
class Process:
    budget_id: bytes = ZERO_HASH
    purchaser_org: bytes = ZERO_HASH
    finance_org: bytes = ZERO_HASH
    supplier_org: bytes = ZERO_HASH
    stage: int = Stage.NONE
    method: int = OPEN_TENDER
    bid_deadline: int = 0
    reveal_deadline: int = 0
    bid_count: int = 0
    reveal_count: int = 0
    open_complaints: int = 0
    award_amount: int = 0
    tender_amendments: int = 0


@dataclass
class Bid:
    commitment: bytes = ZERO_HASH
    amount: int = 0
    nonce_bump: int = 0
    revealed: bool = False

    @property
    def nonce(self) -> int:
        """`bidNonce`: every commit and cancellation moves it on."""
        return self.nonce_bump + (self.commitment != ZERO_HASH)


@dataclass
class Agreement:
    contract_id: bytes = ZERO_HASH
    value: int = 0
    original_value: int = 0
    scheduled_total: int = 0
    accepted_total: int = 0
    open_milestones: int = 0
    payment_parties: bytes = ZERO_HASH


@dataclass
class Milestone:
    amount: int = 0
    paid: int = 0
    state: int = NOT_SCHEDULED


@dataclass
class Complaint:
    complainant_org: bytes = ZERO_HASH
    status: int = COMPLAINT_NONE
