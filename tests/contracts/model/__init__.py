"""A Python model of the rules ProcurementLedger 2.0 enforces, for the stateful test.

Each action mirrors one contract function: it runs the contract's checks in the contract's order and raises
`Revert("<CustomErrorName>")` at the first one that fails, before changing anything (a reverted transaction changes
nothing); otherwise it applies the effects. Organisations act and accounts sign for them: the model keeps the
membership (account -> organisation), the organisations (role, suspending bureau) and the registered ocid prefixes,
and every record the contract keys by an id its writer chose. Addresses are checksummed strings, hashes and
organisation ids are 32-byte `bytes`, `now` is the timestamp of the block the next transaction lands in.

`recorded` holds every id the ledger recorded, as (kind, ...key) with the kind named after the event that records
it: the test compares it with the events on chain, so each id is recorded exactly once.

The records and constants are in `records`, the state and the shared checks in `base`, and the rules by domain in
`organisations` (and budget lines), `processes` (and their complaints and audit notes), `bids` (and the award),
`contracts` (and payments) and `anchors`; `LedgerModel` composes them.
"""

from __future__ import annotations

from tests.contracts.model.anchors import AnchorRules
from tests.contracts.model.bids import BidRules
from tests.contracts.model.contracts import ContractRules
from tests.contracts.model.organisations import OrganisationRules
from tests.contracts.model.processes import ProcessRules
from tests.contracts.model.records import (
    BID_COMMITMENT_TYPES,
    MAX_MILESTONES,
    MAX_OCID_LENGTH,
    MAX_OCID_PREFIX_LENGTH,
    MAX_OPEN_COMPLAINTS_PER_ORGANISATION,
    ORGANISATION_ROLES,
    Agreement,
    Bid,
    Budget,
    Complaint,
    Milestone,
    Organisation,
    Process,
    Revert,
    bid_commitment_message,
    payment_parties,
)

__all__ = [
    "BID_COMMITMENT_TYPES",
    "MAX_MILESTONES",
    "MAX_OCID_LENGTH",
    "MAX_OCID_PREFIX_LENGTH",
    "MAX_OPEN_COMPLAINTS_PER_ORGANISATION",
    "ORGANISATION_ROLES",
    "Agreement",
    "Bid",
    "Budget",
    "Complaint",
    "LedgerModel",
    "Milestone",
    "Organisation",
    "Process",
    "Revert",
    "bid_commitment_message",
    "payment_parties",
]


class LedgerModel(OrganisationRules, ProcessRules, BidRules, ContractRules, AnchorRules):
    """The rules, over the organisations, the membership and every record the ledger keeps."""
