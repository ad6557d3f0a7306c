"""Projections: the procurement state derived from the chain's events, one table per thing people ask about.

Every row names the event that made it (block, transaction, log index, block time), so any fact served can be
checked on chain. A process's timeline needs no table of its own: every process event carries the process id
as its first topic, so raw_logs (indexed on it) is the timeline.

Rows belong to one entity (a process, a budget line, an organisation or an anchor): a reorg rollback deletes an
entity's rows and replays its remaining events, so the tables never need an undo log.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.marks import derived, off_chain
from ledger.store.models import Base
from ledger.store.types import ADDRESS, HASH, Amount


class EventRef:
    """The event that created the row: where on chain to check it."""

    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(HASH)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)
    block_time: Mapped[int] = mapped_column(BigInteger)  # unix seconds of the block


class Organisation(EventRef, Base):
    """A registered organisation, its role, and the suspension (debarment) in force, if any."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("chain_id", "org_id"), derived("org", "org_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    org_id: Mapped[str] = mapped_column(HASH)
    role: Mapped[str] = mapped_column(String(16))
    suspended_by: Mapped[str | None] = mapped_column(HASH)
    suspension_doc_hash: Mapped[str | None] = mapped_column(HASH)
    suspended_tx_hash: Mapped[str | None] = mapped_column(HASH)


class OcidPrefix(EventRef, Base):
    """An ocid prefix registered to a purchaser organisation: its processes' ocids begin with it and a "-"."""

    __tablename__ = "ocid_prefixes"
    __table_args__ = (
        UniqueConstraint("chain_id", "prefix_hash"),
        Index(None, "chain_id", "org_id"),
        derived("org", "org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    org_id: Mapped[str] = mapped_column(HASH)
    prefix_hash: Mapped[str] = mapped_column(HASH)
    prefix: Mapped[str] = mapped_column(String(64))


class OrganisationAccount(EventRef, Base):
    """An account acting for an organisation (inactive once removed)."""

    __tablename__ = "organisation_accounts"
    __table_args__ = (
        UniqueConstraint("chain_id", "org_id", "account"),
        Index(None, "chain_id", "account"),
        derived("org", "org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    org_id: Mapped[str] = mapped_column(HASH)
    account: Mapped[str] = mapped_column(ADDRESS)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    removed_tx_hash: Mapped[str | None] = mapped_column(HASH)


class Budget(EventRef, Base):
    """A budget line, the purchasers that may draw on it, and how much awards and contracts have committed."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("chain_id", "budget_id"), derived("budget", "budget_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    budget_id: Mapped[str] = mapped_column(HASH)
    finance_org: Mapped[str] = mapped_column(HASH)
    budget_ref: Mapped[str] = mapped_column(HASH)
    purchaser_orgs: Mapped[str] = mapped_column(Text)  # JSON list of organisation ids
    fiscal_year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))
    doc_hash: Mapped[str] = mapped_column(HASH)
    committed: Mapped[int] = mapped_column(Amount())


class Process(EventRef, Base):
    """A procurement process and its current stage."""

    __tablename__ = "processes"
    __table_args__ = (
        UniqueConstraint("chain_id", "process_id"),
        Index(None, "ocid"),
        Index(None, "doc_hash"),
        # Listings and traces filter by one of these and page in chain order: each index hands rows over in that
        # order, so a page reads its rows and stops, however many processes the mirror holds.
        Index(None, "block_number", "log_index"),
        Index(None, "budget_id", "block_number", "log_index"),
        Index(None, "purchaser_org", "block_number", "log_index"),
        Index(None, "supplier_org", "block_number", "log_index"),
        Index(None, "stage", "block_number", "log_index"),
        # A buyer's or a budget line's processes in one stage: without the pair first, the stage index is read
        # until enough rows are the buyer's, which grows with the mirror (migration 0013).
        Index(None, "budget_id", "stage", "block_number", "log_index"),
        Index(None, "purchaser_org", "stage", "block_number", "log_index"),
        derived("process", "process_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract_address: Mapped[str] = mapped_column(ADDRESS)
    process_id: Mapped[str] = mapped_column(HASH)
    ocid: Mapped[str] = mapped_column(String(128))
    budget_id: Mapped[str] = mapped_column(HASH)
    purchaser_org: Mapped[str] = mapped_column(HASH)
    purchaser: Mapped[str] = mapped_column(ADDRESS)
    method: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    doc_hash: Mapped[str] = mapped_column(HASH)
    rationale_hash: Mapped[str | None] = mapped_column(HASH)
    bid_deadline: Mapped[int | None] = mapped_column(BigInteger)
    reveal_deadline: Mapped[int | None] = mapped_column(BigInteger)
    tender_amendments: Mapped[int] = mapped_column(Integer)
    bid_count: Mapped[int] = mapped_column(Integer)
    reveal_count: Mapped[int] = mapped_column(Integer)
    open_complaints: Mapped[int] = mapped_column(Integer)
    supplier_org: Mapped[str | None] = mapped_column(HASH)
    award_amount: Mapped[int | None] = mapped_column(Amount())


class TenderAmendment(EventRef, Base):
    """An amendment to a tender, with the deadlines it set."""

    __tablename__ = "tender_amendments"
    __table_args__ = (UniqueConstraint("chain_id", "process_id", "amendment_id"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    amendment_id: Mapped[str] = mapped_column(HASH)
    number: Mapped[int] = mapped_column(Integer)
    doc_hash: Mapped[str] = mapped_column(HASH)
    rationale_hash: Mapped[str] = mapped_column(HASH)
    bid_deadline: Mapped[int] = mapped_column(BigInteger)
    reveal_deadline: Mapped[int] = mapped_column(BigInteger)


class Bid(EventRef, Base):
    """A supplier organisation's sealed bid: its latest commitment and who signed it, its nonce, then what the
    reveal disclosed (the ref is the first commitment)."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("chain_id", "process_id", "bidder_org"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    bidder_org: Mapped[str] = mapped_column(HASH)
    account: Mapped[str] = mapped_column(ADDRESS)
    commitment: Mapped[str] = mapped_column(HASH)
    commitments: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[int] = mapped_column(BigInteger)
    relayer: Mapped[str | None] = mapped_column(ADDRESS)
    committed_tx_hash: Mapped[str] = mapped_column(HASH)
    revealed: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int | None] = mapped_column(Amount())
    bid_doc_hash: Mapped[str | None] = mapped_column(HASH)
    revealed_by: Mapped[str | None] = mapped_column(ADDRESS)
    revealed_tx_hash: Mapped[str | None] = mapped_column(HASH)


class Evaluation(EventRef, Base):
    """The evaluation report and the bid statistics it was recorded with."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("chain_id", "process_id"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    report_hash: Mapped[str] = mapped_column(HASH)
    bid_count: Mapped[int] = mapped_column(Integer)
    unrevealed_count: Mapped[int] = mapped_column(Integer)
    revealed_bidders: Mapped[str] = mapped_column(Text)
    revealed_amounts: Mapped[str] = mapped_column(Text)


class Award(EventRef, Base):
    """The award of a process to a supplier organisation."""

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("chain_id", "process_id"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    supplier_org: Mapped[str] = mapped_column(HASH)
    amount: Mapped[int] = mapped_column(Amount())
    doc_hash: Mapped[str] = mapped_column(HASH)
    bid_count: Mapped[int] = mapped_column(Integer)
    reveal_count: Mapped[int] = mapped_column(Integer)


class ContractRow(EventRef, Base):
    """The procurement contract with the supplier organisation: value after amendments, what its schedule holds,
    what was accepted and paid, and, once completed or terminated, what its settlement released to the budget."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("chain_id", "process_id"),
        Index(None, "contract_id"),
        Index(None, "process_id"),  # a trace reads a page of processes' contracts by process id alone
        derived("process", "process_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    contract_id: Mapped[str] = mapped_column(HASH)
    supplier_org: Mapped[str] = mapped_column(HASH)
    value: Mapped[int] = mapped_column(Amount())
    original_value: Mapped[int] = mapped_column(Amount())
    amended_total: Mapped[int] = mapped_column(Amount())
    scheduled_total: Mapped[int] = mapped_column(Amount())
    accepted_total: Mapped[int] = mapped_column(Amount())
    paid: Mapped[int] = mapped_column(Amount())
    doc_hash: Mapped[str] = mapped_column(HASH)
    terminated: Mapped[bool] = mapped_column(Boolean)
    termination_doc_hash: Mapped[str | None] = mapped_column(HASH)
    released: Mapped[int | None] = mapped_column(Amount())


class ContractAmendment(EventRef, Base):
    """A supplementary amendment: a raise of the contract's value and/or milestones added to its schedule."""

    __tablename__ = "contract_amendments"
    __table_args__ = (UniqueConstraint("chain_id", "process_id", "amendment_id"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    amendment_id: Mapped[str] = mapped_column(HASH)
    increase: Mapped[int] = mapped_column(Amount())
    new_value: Mapped[int] = mapped_column(Amount())
    doc_hash: Mapped[str] = mapped_column(HASH)
    milestone_ids: Mapped[str] = mapped_column(Text)  # JSON list of the milestones it added
    milestone_amounts: Mapped[str] = mapped_column(Text)  # JSON list of their amounts, as decimal strings


class Milestone(EventRef, Base):
    """A milestone of a contract's payment schedule, with its amount: scheduled, delivered, accepted, and what was
    paid on it (the ref is the signing or amendment that scheduled it)."""

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("chain_id", "process_id", "milestone_id"),
        Index(None, "process_id"),  # a trace reads a page of processes' milestones by process id alone
        derived("process", "process_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    contract_id: Mapped[str] = mapped_column(HASH)
    milestone_id: Mapped[str] = mapped_column(HASH)
    amount: Mapped[int] = mapped_column(Amount())
    paid: Mapped[int] = mapped_column(Amount())
    state: Mapped[str] = mapped_column(String(16))
    delivery_doc_hash: Mapped[str | None] = mapped_column(HASH)
    delivered_by: Mapped[str | None] = mapped_column(ADDRESS)
    delivered_tx_hash: Mapped[str | None] = mapped_column(HASH)
    delivered_time: Mapped[int | None] = mapped_column(BigInteger)  # unix seconds of the delivery's block
    acceptance_doc_hash: Mapped[str | None] = mapped_column(HASH)
    accepted_by: Mapped[str | None] = mapped_column(ADDRESS)
    accepted_tx_hash: Mapped[str | None] = mapped_column(HASH)
    accepted_time: Mapped[int | None] = mapped_column(BigInteger)  # unix seconds of the acceptance's block


class Payment(EventRef, Base):
    """A payment by the budget line's finance bureau for an accepted milestone, to an account of the contracted
    supplier organisation: what the milestone has paid after it, and the contract's cumulative paid."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("chain_id", "process_id", "payment_id"),
        Index(None, "process_id"),  # a trace reads a page of processes' payments by process id alone
        derived("process", "process_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    contract_id: Mapped[str] = mapped_column(HASH)
    milestone_id: Mapped[str] = mapped_column(HASH)
    payment_id: Mapped[str] = mapped_column(HASH)
    amount: Mapped[int] = mapped_column(Amount())
    milestone_paid: Mapped[int] = mapped_column(Amount())
    paid_total: Mapped[int] = mapped_column(Amount())
    payer_org: Mapped[str] = mapped_column(HASH)
    payee_org: Mapped[str] = mapped_column(HASH)
    payee: Mapped[str] = mapped_column(ADDRESS)
    voucher_hash: Mapped[str] = mapped_column(HASH)


class Complaint(EventRef, Base):
    """A complaint and, once resolved, its outcome (the ref is the filing)."""

    __tablename__ = "complaints"
    __table_args__ = (UniqueConstraint("chain_id", "process_id", "complaint_id"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    complaint_id: Mapped[str] = mapped_column(HASH)
    complaint_ref: Mapped[str] = mapped_column(HASH)
    complainant_org: Mapped[str] = mapped_column(HASH)
    doc_hash: Mapped[str] = mapped_column(HASH)
    status: Mapped[str] = mapped_column(String(16))
    resolution_doc_hash: Mapped[str | None] = mapped_column(HASH)
    resolved_tx_hash: Mapped[str | None] = mapped_column(HASH)


class AuditNote(EventRef, Base):
    """Findings an auditor attached to a process."""

    __tablename__ = "audit_notes"
    __table_args__ = (UniqueConstraint("chain_id", "process_id", "note_id"), derived("process", "process_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    process_id: Mapped[str] = mapped_column(HASH)
    note_id: Mapped[str] = mapped_column(HASH)
    note_ref: Mapped[str] = mapped_column(HASH)
    auditor_org: Mapped[str] = mapped_column(HASH)
    findings_hash: Mapped[str] = mapped_column(HASH)


class Anchor(EventRef, Base):
    """A batch of documents an organisation anchored as one Merkle root (keyed by anchorer and root)."""

    __tablename__ = "anchors"
    __table_args__ = (
        UniqueConstraint("chain_id", "anchorer_org", "root"),
        Index(None, "chain_id", "process_id"),
        derived("anchor", "root"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(HASH)
    process_id: Mapped[str | None] = mapped_column(HASH)
    anchorer_org: Mapped[str] = mapped_column(HASH)
    count: Mapped[int] = mapped_column(Integer)


class AnchoredDocument(Base):
    """One document of an anchored batch: the leaf list, kept off chain and checked against the root."""

    __tablename__ = "anchored_documents"
    __table_args__ = (
        UniqueConstraint("chain_id", "anchorer_org", "root", "leaf_index"),
        Index(None, "doc_hash"),
        off_chain(),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    anchorer_org: Mapped[str] = mapped_column(HASH)
    root: Mapped[str] = mapped_column(HASH)
    leaf_index: Mapped[int] = mapped_column(Integer)
    doc_hash: Mapped[str] = mapped_column(HASH)
