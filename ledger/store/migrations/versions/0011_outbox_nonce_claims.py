"""outbox: a unique claim on the one-use nonce a supplier's relayed write takes, while it is on its way

Two gateway workers could otherwise both accept writes taking the same nonce (a transaction signed at nonce N, or
a bid signed at bid nonce N); only one of them could land. The claim is released when a write fails.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("nonce_claim", sa.String(200), nullable=True))
        batch.create_index("ix_outbox_nonce_claim", ["nonce_claim"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_nonce_claim")
        batch.drop_column("nonce_claim")
