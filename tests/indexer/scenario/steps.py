"""The steps the scenario's processes share, each a write through a `ProcessWriter` (or the `Writer`) that also
updates what the mirror must show: a single-source creation, award, signing, amendment, delivery, acceptance,
payment, completion, complaints, audit notes, suspension and reinstatement, anchors and relayed bid signatures.
"""

from __future__ import annotations

from collections.abc import Mapping

from web3 import Web3

from ledger.chain.bids import sign_bid_commitment
from ledger.chain.ledger_contract import ZERO_HASH, reference, scoped_id
from ledger.chain.sender import TransactionSender
from ledger.demo import AUDITOR, FINANCE, PURCHASER, DemoOrganisation
from ledger.proofs.merkle import merkle_root
from tests.indexer.scenario.runs import (
    COMPLAINT_STATUSES,
    AnchorRun,
    AuditNoteRun,
    ComplaintRun,
    ContractAmendmentRun,
    ContractRun,
    MilestoneRun,
    PaymentRun,
    ProcessRun,
    hex_of,
)
from tests.indexer.scenario.writer import ACCEPTANCE, DELIVERY, SINGLE_SOURCE, ProcessWriter, Who, Writer, document


def single_source(writer: Writer, budget_id: bytes, label: str, ocid: str) -> ProcessWriter:
    run = ProcessRun(ocid, "single_source", hex_of(PURCHASER.org_id), writer.address(PURCHASER))
    writer.scenario.processes[label] = run
    process = ProcessWriter(writer, run)
    process.act("ProcessCreated", PURCHASER, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid),
                document(f"single-source rationale {ocid}"))  # fmt: skip
    return process


def award(process: ProcessWriter, supplier: DemoOrganisation, amount: int) -> None:
    run = process.run
    tx_hash = process.act("ProcessAwarded", PURCHASER, "awardProcess", run.pid, supplier.org_id, amount,
                          document(f"award {run.ocid}"))  # fmt: skip
    run.award, run.stage = (hex_of(supplier.org_id), amount), "awarded"
    process.writer.commitment_changed(tx_hash, amount)


def _schedule(run: ProcessRun, schedule: Mapping[str, int]) -> tuple[list[bytes], list[int]]:
    """Add milestones (name → amount) to the process's schedule; returns their ids and amounts, as the ledger
    takes them."""
    ids, amounts = [run.milestone_id(name) for name in schedule], list(schedule.values())
    run.milestones.update({hex_of(id_): MilestoneRun(amount) for id_, amount in zip(ids, amounts, strict=True)})
    return ids, amounts


def sign(process: ProcessWriter, number: str, value: int, schedule: Mapping[str, int]) -> None:
    run, contract_id = process.run, reference(number)
    assert run.award is not None
    ids, amounts = _schedule(run, schedule)
    tx_hash = process.act("ContractSigned", PURCHASER, "signContract", run.pid, contract_id, value, document(number),
                          ids, amounts)  # fmt: skip
    run.contract = ContractRun(hex_of(contract_id), run.award[0], original_value=value, value=value)
    run.contract.scheduled_total = sum(amounts)
    run.stage = "contracted"
    if value < run.award[1]:  # signing below the award releases the difference
        process.writer.commitment_changed(tx_hash, value - run.award[1])


def amend_contract(process: ProcessWriter, name: str, increase: int, schedule: Mapping[str, int]) -> None:
    run, contract, amendment = process.run, process.contract, reference(name)
    ids, amounts = _schedule(run, schedule)
    tx_hash = process.act("ContractAmended", PURCHASER, "amendContract", run.pid, amendment, increase, document(name),
                          ids, amounts)  # fmt: skip
    contract.value += increase
    contract.amended_total += increase
    contract.scheduled_total += sum(amounts)
    added = ContractAmendmentRun(hex_of(amendment), increase, contract.value, tuple(map(hex_of, ids)), tuple(amounts))
    run.contract_amendments.append(added)
    if increase:
        process.writer.commitment_changed(tx_hash, increase)


def deliver(process: ProcessWriter, name: str, by: TransactionSender | None = None) -> None:
    run, who = process.run, by if by is not None else process.supplier
    tx_hash = process.act("MilestoneDelivered", who, "recordMilestone", run.pid, run.milestone_id(name), DELIVERY,
                          document(f"{run.ocid} delivery {name}"))  # fmt: skip
    milestone = run.milestones[hex_of(run.milestone_id(name))]
    milestone.state = "delivered"
    milestone.delivered_by, milestone.delivered_tx_hash = process.writer.address(who), tx_hash
    run.stage = "implementation"


def accept(process: ProcessWriter, name: str) -> None:
    run = process.run
    tx_hash = process.act("MilestoneAccepted", PURCHASER, "recordMilestone", run.pid, run.milestone_id(name),
                          ACCEPTANCE, document(f"{run.ocid} acceptance {name}"))  # fmt: skip
    milestone = run.milestones[hex_of(run.milestone_id(name))]
    milestone.state = "accepted"
    milestone.accepted_by, milestone.accepted_tx_hash = process.writer.address(PURCHASER), tx_hash
    process.contract.accepted_total += milestone.amount


def pay(process: ProcessWriter, voucher: str, name: str, amount: int, payee: Who) -> None:
    run, contract, writer = process.run, process.contract, process.writer
    payment_id, milestone_id = reference(voucher), run.milestone_id(name)
    payee_address = Web3.to_checksum_address(writer.address(payee))
    tx_hash = process.act("PaymentRecorded", FINANCE, "recordPayment", run.pid, payment_id, milestone_id, amount,
                          payee_address, document(f"voucher {voucher}"))  # fmt: skip
    milestone = run.milestones[hex_of(milestone_id)]
    milestone.paid += amount
    contract.paid += amount
    payment = PaymentRun(
        hex_of(payment_id), hex_of(milestone_id), amount, milestone.paid, contract.paid, hex_of(FINANCE.org_id),
        contract.supplier_org, writer.address(payee), tx_hash,
    )  # fmt: skip
    run.payments.append(payment)


def complete(process: ProcessWriter) -> None:
    run, contract = process.run, process.contract
    tx_hash = process.act("ProcessCompleted", PURCHASER, "completeProcess", run.pid, document("completion report"))
    contract.released = contract.value - contract.accepted_total
    run.stage = "completed"
    if contract.released:  # what was never accepted goes back to the budget line
        process.writer.commitment_changed(tx_hash, -contract.released)


def complain(process: ProcessWriter, supplier: DemoOrganisation, ref: str) -> str:
    """Supplier files complaint `ref`; returns its id (scopedId(supplier, ref))."""
    run, complaint_ref = process.run, reference(ref)
    process.act("ComplaintFiled", supplier, "fileComplaint", run.pid, complaint_ref, document(f"complaint {ref}"))
    complaint_id = hex_of(scoped_id(supplier.org_id, complaint_ref))
    run.complaints[complaint_id] = ComplaintRun(hex_of(complaint_ref), hex_of(supplier.org_id))
    return complaint_id


def resolve(process: ProcessWriter, complaint_id: str, outcome: int) -> None:
    run = process.run
    tx_hash = process.act("ComplaintResolved", FINANCE, "resolveComplaint", run.pid, bytes.fromhex(complaint_id[2:]),
                          outcome, document(f"decision on {complaint_id}"))  # fmt: skip
    complaint = run.complaints[complaint_id]
    complaint.status, complaint.resolved_tx_hash = COMPLAINT_STATUSES[outcome], tx_hash


def audit_note(process: ProcessWriter, auditor: Who, ref: str, findings: str) -> None:
    run, note_ref = process.run, reference(ref)
    process.act("AuditNoteRecorded", auditor, "recordAuditNote", run.pid, note_ref, document(findings))
    note_id = scoped_id(AUDITOR.org_id, note_ref)
    run.audit_notes.append(
        AuditNoteRun(hex_of(note_id), hex_of(note_ref), hex_of(AUDITOR.org_id), hex_of(document(findings)))
    )


def suspend(writer: Writer, org: DemoOrganisation, decision: str) -> None:
    tx_hash = writer.act_on(org.org_id, "OrganisationSuspended", FINANCE, "suspendOrganisation", org.org_id,
                            document(decision))  # fmt: skip
    expected = writer.scenario.organisations[hex_of(org.org_id)]
    expected.suspended_by, expected.suspension_doc_hash = hex_of(FINANCE.org_id), hex_of(document(decision))
    expected.suspended_tx_hash = tx_hash


def reinstate(writer: Writer, org: DemoOrganisation, decision: str) -> None:
    writer.act_on(org.org_id, "OrganisationReinstated", FINANCE, "reinstateOrganisation", org.org_id,
                  document(decision))  # fmt: skip
    expected = writer.scenario.organisations[hex_of(org.org_id)]
    expected.suspended_by = expected.suspension_doc_hash = expected.suspended_tx_hash = None


def anchor(writer: Writer, org: DemoOrganisation, run: ProcessRun | None, documents: list[bytes]) -> None:
    """`org` anchors `documents` as one Merkle root, filed under `run`'s process or under none."""
    root = merkle_root(documents)
    process_id = run.pid if run is not None else ZERO_HASH
    tx_hash = writer.send(org, "anchorDocuments", root, len(documents), process_id)
    anchor = AnchorRun(hex_of(root), run.process_id if run else None, hex_of(org.org_id), len(documents), tx_hash)
    writer.scenario.anchors.append(anchor)


def sign_bid(
    writer: Writer, org: DemoOrganisation, process_id: bytes, commitment: bytes, nonce: int, deadline: int
) -> bytes:
    """The EIP-712 signature of `org`'s account over its organisation's commitment, for `commitBidFor`."""
    return sign_bid_commitment(
        writer.accounts[org].key,
        chain_id=writer.w3.eth.chain_id,
        ledger_address=writer.ledger.address,
        process_id=process_id,
        bidder_org=org.org_id,
        commitment=commitment,
        nonce=nonce,
        deadline=deadline,
    )
