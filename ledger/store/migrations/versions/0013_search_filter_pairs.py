"""read paths: a buyer's or a budget line's processes in one stage, in chain order

Searching by buyer and stage (or budget line and stage) used the stage index and read that stage's processes newest
first until enough were the buyer's: at 100,000 processes a page took 10 ms (0.7 at 1,000), and search p99 grew
3.7 times from 1,000 to 100,000 (scripts/bench/api.py). With the pair first, a page is 0.3 ms. Indexes only.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_PAIRED = ("budget_id", "purchaser_org")  # each with the stage, then the chain order


def upgrade() -> None:
    with op.batch_alter_table("processes", schema=None) as batch_op:
        for column in _PAIRED:
            batch_op.create_index(
                batch_op.f(f"ix_processes_{column}_stage_block_number_log_index"),
                [column, "stage", "block_number", "log_index"],
            )


def downgrade() -> None:
    with op.batch_alter_table("processes", schema=None) as batch_op:
        for column in _PAIRED:
            batch_op.drop_index(batch_op.f(f"ix_processes_{column}_stage_block_number_log_index"))
