"""contracts 2.0: projections of the organisation-bound ledger

The 2.0 contracts name organisations where 1.0 named accounts, give every record a caller-chosen id, and add
suspensions, ocid prefixes and payment schedules. The mirror is derived from the chain, and a 1.0 mirror cannot be
reshaped into a 2.0 one (the events differ), so this migration empties every table derived from the chain and
reshapes them; the next `procledger index` rebuilds them from the chain. Off-chain data (the anchored documents'
leaf lists) is kept.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Every table 0002 left that holds data derived from the chain (anchored_documents holds off-chain leaf lists).
_DERIVED_TABLES = (
    "raw_logs", "blocks", "checkpoints", "organisations", "organisation_accounts", "budgets", "processes",
    "tender_amendments", "bids", "evaluations", "awards", "contracts", "contract_amendments", "milestones",
    "payments", "complaints", "audit_notes", "anchors",
)  # fmt: skip


def _empty_derived_tables() -> None:
    for table in _DERIVED_TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))


def upgrade() -> None:
    _empty_derived_tables()
    op.create_table(
        "ocid_prefixes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=66), nullable=False),
        sa.Column("prefix_hash", sa.String(length=66), nullable=False),
        sa.Column("prefix", sa.String(length=64), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocid_prefixes")),
        sa.UniqueConstraint("chain_id", "prefix_hash", name=op.f("uq_ocid_prefixes_chain_id_prefix_hash")),
    )
    with op.batch_alter_table("ocid_prefixes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocid_prefixes_chain_id_org_id"), ["chain_id", "org_id"], unique=False)

    with op.batch_alter_table("anchored_documents", schema=None) as batch_op:
        # Off-chain rows stay; any from before have no known anchorer (the column gets no lasting default).
        batch_op.add_column(sa.Column("anchorer_org", sa.String(length=66), nullable=False, server_default=""))
        batch_op.drop_constraint(batch_op.f("uq_anchored_documents_chain_id_root_leaf_index"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_anchored_documents_chain_id_anchorer_org_root_leaf_index"),
            ["chain_id", "anchorer_org", "root", "leaf_index"],
        )
    with op.batch_alter_table("anchored_documents", schema=None) as batch_op:
        batch_op.alter_column("anchorer_org", existing_type=sa.String(length=66), server_default=None)

    with op.batch_alter_table("anchors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_anchors_chain_id_root"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_anchors_chain_id_anchorer_org_root"), ["chain_id", "anchorer_org", "root"]
        )

    with op.batch_alter_table("audit_notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_id", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("note_ref", sa.String(length=66), nullable=False))
        batch_op.drop_index(batch_op.f("ix_audit_notes_chain_id_process_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_audit_notes_chain_id_process_id_note_id"), ["chain_id", "process_id", "note_id"]
        )

    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier_org", sa.String(length=66), nullable=False))
        batch_op.drop_column("supplier")

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bidder_org", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("account", sa.String(length=42), nullable=False))
        batch_op.add_column(sa.Column("nonce", sa.BigInteger(), nullable=False))
        batch_op.add_column(sa.Column("revealed_by", sa.String(length=42), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_bids_chain_id_process_id_bidder"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_bids_chain_id_process_id_bidder_org"), ["chain_id", "process_id", "bidder_org"]
        )
        batch_op.drop_column("bidder")

    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("budget_ref", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("purchaser_orgs", sa.Text(), nullable=False))

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complaint_ref", sa.String(length=66), nullable=False))

    with op.batch_alter_table("contract_amendments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment_id", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("milestone_ids", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("milestone_amounts", sa.Text(), nullable=False))
        batch_op.drop_index(batch_op.f("ix_contract_amendments_chain_id_process_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_contract_amendments_chain_id_process_id_amendment_id"),
            ["chain_id", "process_id", "amendment_id"],
        )
        batch_op.drop_column("contract_id")

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier_org", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("scheduled_total", sa.Numeric(precision=38, scale=0), nullable=False))
        batch_op.add_column(sa.Column("accepted_total", sa.Numeric(precision=38, scale=0), nullable=False))
        batch_op.add_column(sa.Column("released", sa.Numeric(precision=38, scale=0), nullable=True))
        batch_op.drop_column("supplier")

    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unrevealed_count", sa.Integer(), nullable=False))

    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount", sa.Numeric(precision=38, scale=0), nullable=False))
        batch_op.add_column(sa.Column("paid", sa.Numeric(precision=38, scale=0), nullable=False))
        batch_op.add_column(sa.Column("delivered_tx_hash", sa.String(length=66), nullable=True))
        batch_op.alter_column("delivery_doc_hash", existing_type=sa.VARCHAR(length=66), nullable=True)
        batch_op.alter_column("delivered_by", existing_type=sa.VARCHAR(length=42), nullable=True)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_by", sa.String(length=66), nullable=True))
        batch_op.add_column(sa.Column("suspension_doc_hash", sa.String(length=66), nullable=True))
        batch_op.add_column(sa.Column("suspended_tx_hash", sa.String(length=66), nullable=True))

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("milestone_paid", sa.Numeric(precision=38, scale=0), nullable=False))
        batch_op.add_column(sa.Column("payer_org", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("payee_org", sa.String(length=66), nullable=False))
        batch_op.drop_index(batch_op.f("ix_payments_chain_id_process_id"))
        batch_op.drop_constraint(batch_op.f("uq_payments_chain_id_payment_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_payments_chain_id_process_id_payment_id"), ["chain_id", "process_id", "payment_id"]
        )
        batch_op.drop_column("remaining")

    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tender_amendments", sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column("supplier_org", sa.String(length=66), nullable=True))
        batch_op.drop_column("awardee")
        batch_op.drop_column("amendments")

    with op.batch_alter_table("tender_amendments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment_id", sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_tender_amendments_chain_id_process_id_amendment"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tender_amendments_chain_id_process_id_amendment_id"),
            ["chain_id", "process_id", "amendment_id"],
        )
        batch_op.drop_column("amendment")


def downgrade() -> None:
    _empty_derived_tables()
    op.execute(sa.text("DELETE FROM ocid_prefixes"))
    with op.batch_alter_table("tender_amendments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment", sa.INTEGER(), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_tender_amendments_chain_id_process_id_amendment_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tender_amendments_chain_id_process_id_amendment"), ["chain_id", "process_id", "amendment"]
        )
        batch_op.drop_column("number")
        batch_op.drop_column("amendment_id")

    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendments", sa.INTEGER(), nullable=False))
        batch_op.add_column(sa.Column("awardee", sa.VARCHAR(length=42), nullable=True))
        batch_op.drop_column("supplier_org")
        batch_op.drop_column("tender_amendments")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remaining", sa.NUMERIC(precision=38, scale=0), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_payments_chain_id_process_id_payment_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_payments_chain_id_payment_id"), ["chain_id", "payment_id"])
        batch_op.create_index(batch_op.f("ix_payments_chain_id_process_id"), ["chain_id", "process_id"], unique=False)
        batch_op.drop_column("payee_org")
        batch_op.drop_column("payer_org")
        batch_op.drop_column("milestone_paid")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("suspended_tx_hash")
        batch_op.drop_column("suspension_doc_hash")
        batch_op.drop_column("suspended_by")

    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.alter_column("delivered_by", existing_type=sa.VARCHAR(length=42), nullable=False)
        batch_op.alter_column("delivery_doc_hash", existing_type=sa.VARCHAR(length=66), nullable=False)
        batch_op.drop_column("delivered_tx_hash")
        batch_op.drop_column("paid")
        batch_op.drop_column("amount")

    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_column("unrevealed_count")

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier", sa.VARCHAR(length=42), nullable=False))
        batch_op.drop_column("released")
        batch_op.drop_column("accepted_total")
        batch_op.drop_column("scheduled_total")
        batch_op.drop_column("supplier_org")

    with op.batch_alter_table("contract_amendments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_id", sa.VARCHAR(length=66), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_contract_amendments_chain_id_process_id_amendment_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_contract_amendments_chain_id_process_id"), ["chain_id", "process_id"], unique=False
        )
        batch_op.drop_column("milestone_amounts")
        batch_op.drop_column("milestone_ids")
        batch_op.drop_column("amendment_id")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("complaint_ref")

    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.drop_column("purchaser_orgs")
        batch_op.drop_column("budget_ref")

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bidder", sa.VARCHAR(length=42), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_bids_chain_id_process_id_bidder_org"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_bids_chain_id_process_id_bidder"), ["chain_id", "process_id", "bidder"]
        )
        batch_op.drop_column("revealed_by")
        batch_op.drop_column("nonce")
        batch_op.drop_column("account")
        batch_op.drop_column("bidder_org")

    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier", sa.VARCHAR(length=42), nullable=False))
        batch_op.drop_column("supplier_org")

    with op.batch_alter_table("audit_notes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_notes_chain_id_process_id_note_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_audit_notes_chain_id_process_id"), ["chain_id", "process_id"], unique=False
        )
        batch_op.drop_column("note_ref")
        batch_op.drop_column("note_id")

    with op.batch_alter_table("anchors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_anchors_chain_id_anchorer_org_root"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_anchors_chain_id_root"), ["chain_id", "root"])

    with op.batch_alter_table("anchored_documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_anchored_documents_chain_id_anchorer_org_root_leaf_index"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_anchored_documents_chain_id_root_leaf_index"), ["chain_id", "root", "leaf_index"]
        )
        batch_op.drop_column("anchorer_org")

    with op.batch_alter_table("ocid_prefixes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ocid_prefixes_chain_id_org_id"))

    op.drop_table("ocid_prefixes")
