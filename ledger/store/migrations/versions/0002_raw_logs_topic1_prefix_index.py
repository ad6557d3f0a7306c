"""raw_logs: index (chain_id, the first 8 bytes of topic1) instead of (chain_id, topic1)

The same lookups (an entity's logs by its id in topic 1), with an index a third of the size: a backfill spends
less of its time keeping it up to date.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_raw_logs_chain_id_topic1", table_name="raw_logs")
    op.create_index("ix_raw_logs_topic1_prefix", "raw_logs", ["chain_id", sa.text("substr(topic1, 3, 16)")])


def downgrade() -> None:
    op.drop_index("ix_raw_logs_topic1_prefix", table_name="raw_logs")
    op.create_index("ix_raw_logs_chain_id_topic1", "raw_logs", ["chain_id", "topic1"])
