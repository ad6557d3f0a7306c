"""document store generation: one counter the store raises with each change to what readers are served

The API keeps rendered timelines while the mirror is unchanged; the indexer's checkpoints say when the chain's half
changed, and this counter when the off-chain half did (a document added or withdrawn, an organisation's name bound
or renamed). Off-chain data: no reindex or rollback touches it.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "document_store_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_store_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("document_store_generation")
