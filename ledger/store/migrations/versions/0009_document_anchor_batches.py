"""documents through the write gateway: who added each document, and the batches that anchor their hashes

All of it is off-chain data: no reindex or rollback touches it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_OPEN = sa.text("state = 'batching'")


def upgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.add_column(sa.Column("added_by_org", sa.String(length=66), nullable=True))
    op.create_table(
        "anchor_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("org_id", sa.String(length=66), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("write_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_batches")),
    )
    op.create_index(
        "uq_anchor_batches_open", "anchor_batches", ["chain_id", "org_id", "process_key"], unique=True,
        sqlite_where=_OPEN, postgresql_where=_OPEN,
    )  # fmt: skip
    op.create_index(op.f("ix_anchor_batches_state_closes_at"), "anchor_batches", ["state", "closes_at"])
    op.create_table(
        "anchor_batch_leaves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("doc_sha256", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_batch_leaves")),
        sa.UniqueConstraint("batch_id", "leaf_index", name=op.f("uq_anchor_batch_leaves_batch_id_leaf_index")),
        sa.UniqueConstraint("batch_id", "doc_sha256", name=op.f("uq_anchor_batch_leaves_batch_id_doc_sha256")),
    )
    op.create_index(op.f("ix_anchor_batch_leaves_doc_sha256"), "anchor_batch_leaves", ["doc_sha256"])
    op.create_table(
        "document_uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=66), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("leaf_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_uploads")),
        sa.UniqueConstraint("org_id", "idempotency_key", name=op.f("uq_document_uploads_org_id_idempotency_key")),
    )


def downgrade() -> None:
    op.drop_table("document_uploads")
    op.drop_index(op.f("ix_anchor_batch_leaves_doc_sha256"), table_name="anchor_batch_leaves")
    op.drop_table("anchor_batch_leaves")
    op.drop_index(op.f("ix_anchor_batches_state_closes_at"), table_name="anchor_batches")
    op.drop_index("uq_anchor_batches_open", table_name="anchor_batches")
    op.drop_table("anchor_batches")
    with op.batch_alter_table("documents") as documents:
        documents.drop_column("added_by_org")
