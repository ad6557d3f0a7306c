"""A scripted procurement history for indexer tests: every event the indexer projects, written through the Python
client.

`run_scenario` sets up the demo organisations, the purchaser's ocid prefix ("ocds-pl0001") and the demo budget
line (if missing), gives supplier A a second account, and drives four processes through the 2.0 rules as the demo
organisations would:
- an open tender from publication to completion: a tender amendment; sealed bids by organisation (supplier A's
  bid committed by one of its accounts and replaced by the other; supplier B cancelling bid signatures before and
  after a commit relayed by EIP-712 signature at the bid's nonce); supplier B suspended by the finance bureau after
  the bid deadline, revealing and complaining while suspended (only bidders have standing then), its complaint
  dismissed and its suspension lifted; evaluation, award, a contract with a three-milestone schedule signed below
  the award, a supplementary amendment adding value and a milestone, every milestone delivered and accepted,
  payments on two milestones (two on the first, to each of supplier A's accounts), an audit note, completion
  (releasing what was never scheduled) and a payment after completion;
- a single-source process through a payment, after a complaint any supplier may file before signing, withdrawn;
- a single-source process awarded, complained about (left open) and then cancelled;
- a single-source contract terminated after an acceptance and a partial payment, with a note from an auditor
  account that is then removed, and a payment after termination for the accepted milestone;
then anchors batches of documents by three organisations (the same root by two of them, one batch filed under a
process by its finance bureau, one by its purchaser), and suspends the purchaser for good.

It returns what it did (ids, amounts, accounts, transaction hashes) in the mirror's representation (lower-case
0x-hex), so a test can state the state the mirror must hold. Time moves with `evm_increaseTime` + `evm_mine`,
which anvil and Hardhat both answer; nothing here calls an anvil-only method.

The package holds the run dataclasses (`runs`), the writer (`writer`), the steps the processes share (`steps`), the
history itself (`history`) and a contract ready for payments for the reorg tests (`payable`).
"""

from __future__ import annotations

from tests.indexer.scenario.history import run_scenario
from tests.indexer.scenario.payable import PayableContract, payable_contract, payment_args
from tests.indexer.scenario.runs import (
    COMPLAINT_STATUSES,
    METHODS,
    MILESTONE_STATES,
    ROLE_NAMES,
    STAGES,
    AnchorRun,
    AuditNoteRun,
    BidRun,
    ComplaintRun,
    ContractAmendmentRun,
    ContractRun,
    MilestoneRun,
    OrganisationRun,
    PaymentRun,
    ProcessRun,
    Scenario,
    TenderAmendmentRun,
    hex_of,
)
from tests.indexer.scenario.writer import (
    ACCEPTANCE,
    DAY,
    DELIVERY,
    DISMISSED,
    OPEN_TENDER,
    RELAYER_INDEX,
    SECOND_AUDITOR_INDEX,
    SECOND_SUPPLIER_A_INDEX,
    SINGLE_SOURCE,
    UPHELD,
    WITHDRAWN,
    AfterTransaction,
    Who,
    advance_time,
    chain_time,
    document,
)

__all__ = [
    "ACCEPTANCE",
    "COMPLAINT_STATUSES",
    "DAY",
    "DELIVERY",
    "DISMISSED",
    "METHODS",
    "MILESTONE_STATES",
    "OPEN_TENDER",
    "RELAYER_INDEX",
    "ROLE_NAMES",
    "SECOND_AUDITOR_INDEX",
    "SECOND_SUPPLIER_A_INDEX",
    "SINGLE_SOURCE",
    "STAGES",
    "UPHELD",
    "WITHDRAWN",
    "AfterTransaction",
    "AnchorRun",
    "AuditNoteRun",
    "BidRun",
    "ComplaintRun",
    "ContractAmendmentRun",
    "ContractRun",
    "MilestoneRun",
    "OrganisationRun",
    "PayableContract",
    "PaymentRun",
    "ProcessRun",
    "Scenario",
    "TenderAmendmentRun",
    "Who",
    "advance_time",
    "chain_time",
    "document",
    "hex_of",
    "payable_contract",
    "payment_args",
    "run_scenario",
]
