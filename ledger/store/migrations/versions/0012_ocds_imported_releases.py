"""ocds_imported_releases: OCDS releases imported from other publishers, kept verbatim and anchored

Off-chain data: no reindex or rollback touches it.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocds_imported_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("publisher_org", sa.String(length=66), nullable=False),
        sa.Column("ocid", sa.String(length=255), nullable=False),
        sa.Column("release_id", sa.String(length=255), nullable=False),
        sa.Column("release_date", sa.String(length=64), nullable=True),
        sa.Column("ocds_version", sa.String(length=16), nullable=False),
        sa.Column("stored_sha256", sa.String(length=66), nullable=False),
        sa.Column("upgraded_sha256", sa.String(length=66), nullable=True),
        sa.Column("leaf_sha256", sa.String(length=66), nullable=False),
        sa.Column("leaf_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocds_imported_releases")),
        sa.UniqueConstraint(
            "chain_id", "publisher_org", "leaf_sha256",
            name=op.f("uq_ocds_imported_releases_chain_id_publisher_org_leaf_sha256"),
        ),
    )  # fmt: skip
    op.create_index(op.f("ix_ocds_imported_releases_ocid_release_id"), "ocds_imported_releases", ["ocid", "release_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ocds_imported_releases_ocid_release_id"), table_name="ocds_imported_releases")
    op.drop_table("ocds_imported_releases")
