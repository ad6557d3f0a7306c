"""read paths: processes listed and traced in chain order by buyer, supplier, budget line, stage or notice; the
contracts, milestones and payments of a page of processes by process id

The indexes 0005 added led with the chain id, which the read queries do not filter on, so SQLite scanned every
process for a buyer's or a supplier's listing and trace (search p50 3.5 ms at 1,000 processes, 18.5 ms at 10,000;
scripts/bench/api.py). Indexes only: no data changes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_PAGED = ("budget_id", "purchaser_org", "supplier_org", "stage")  # each with the chain order after it


def upgrade() -> None:
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processes_chain_id_purchaser_org"))
        batch_op.drop_index(batch_op.f("ix_processes_chain_id_supplier_org"))
        batch_op.drop_index(batch_op.f("ix_processes_budget_id"))
        batch_op.create_index(batch_op.f("ix_processes_doc_hash"), ["doc_hash"])
        batch_op.create_index(batch_op.f("ix_processes_block_number_log_index"), ["block_number", "log_index"])
        for column in _PAGED:
            name = f"ix_processes_{column}_block_number_log_index"
            batch_op.create_index(batch_op.f(name), [column, "block_number", "log_index"])
    for table in ("contracts", "milestones", "payments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_process_id"), ["process_id"])


def downgrade() -> None:
    for table in ("contracts", "milestones", "payments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_process_id"))
    with op.batch_alter_table("processes", schema=None) as batch_op:
        for column in _PAGED:
            batch_op.drop_index(batch_op.f(f"ix_processes_{column}_block_number_log_index"))
        batch_op.drop_index(batch_op.f("ix_processes_block_number_log_index"))
        batch_op.drop_index(batch_op.f("ix_processes_doc_hash"))
        batch_op.create_index(batch_op.f("ix_processes_budget_id"), ["budget_id"])
        batch_op.create_index(batch_op.f("ix_processes_chain_id_supplier_org"), ["chain_id", "supplier_org"])
        batch_op.create_index(batch_op.f("ix_processes_chain_id_purchaser_org"), ["chain_id", "purchaser_org"])
