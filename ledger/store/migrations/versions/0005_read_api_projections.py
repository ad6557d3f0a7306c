"""read API: milestone delivery and acceptance times, processes by buyer and by supplier, the reorg log

Days-to-pay and overdue acceptances are counted from the block that accepted a milestone, so milestones keep the
block times of their delivery and acceptance. Traceability per buyer and per supplier organisation reads
processes by those organisations. The reorg log (off-chain: the mirror's own history) records every rollback.
The new columns are derived from the chain, so this migration empties every
table derived from the chain; the next `procledger index` rebuilds them. Off-chain data is kept.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Every table 0004 left that holds data derived from the chain (a migration is a snapshot: it names its tables).
_DERIVED_TABLES = (
    "raw_logs", "blocks", "checkpoints", "organisations", "ocid_prefixes", "organisation_accounts", "budgets",
    "processes", "tender_amendments", "bids", "evaluations", "awards", "contracts", "contract_amendments",
    "milestones", "payments", "complaints", "audit_notes", "anchors",
)  # fmt: skip


def upgrade() -> None:
    for table in _DERIVED_TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.create_table(
        "reorgs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("old_head", sa.BigInteger(), nullable=False),
        sa.Column("old_hash", sa.String(length=66), nullable=False),
        sa.Column("new_hash", sa.String(length=66), nullable=True),
        sa.Column("ancestor", sa.BigInteger(), nullable=False),
        sa.Column("ancestor_hash", sa.String(length=66), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("removed_logs", sa.Integer(), nullable=False),
        sa.Column("replayed_entities", sa.Integer(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorgs")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_time", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("accepted_time", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processes_chain_id_purchaser_org"), ["chain_id", "purchaser_org"])
        batch_op.create_index(batch_op.f("ix_processes_chain_id_supplier_org"), ["chain_id", "supplier_org"])


def downgrade() -> None:
    op.drop_table("reorgs")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processes_chain_id_supplier_org"))
        batch_op.drop_index(batch_op.f("ix_processes_chain_id_purchaser_org"))
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_column("accepted_time")
        batch_op.drop_column("delivered_time")
