"""Alembic environment: always handed a live connection by ledger.store.database.upgrade_schema."""

from __future__ import annotations

from alembic import context

from ledger.store import ownership  # noqa: F401  (registers every table, marked)
from ledger.store.models import Base
from ledger.store.search import outside_the_models

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `procledger migrate`, which supplies the database connection")

context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_name=outside_the_models
)
with context.begin_transaction():
    context.run_migrations()
