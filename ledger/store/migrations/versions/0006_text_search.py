"""text search: substring indexes over document titles and descriptions (Chinese included)

SQLite: an external-content FTS5 table with the trigram tokenizer over documents(title, description), kept in
step by triggers. PostgreSQL: the pg_trgm extension and GIN trigram indexes on the same columns. Both serve
`ledger.store.search.documents_matching`. Documents are off-chain data, and so is this index of them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SQLITE_UP = (
    "CREATE VIRTUAL TABLE document_text USING fts5("
    "title, description, content='documents', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER documents_text_insert AFTER INSERT ON documents BEGIN "
    "INSERT INTO document_text(rowid, title, description) VALUES (new.id, new.title, new.description); END",
    "CREATE TRIGGER documents_text_delete AFTER DELETE ON documents BEGIN "
    "INSERT INTO document_text(document_text, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); END",
    "CREATE TRIGGER documents_text_update AFTER UPDATE OF title, description ON documents BEGIN "
    "INSERT INTO document_text(document_text, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); "
    "INSERT INTO document_text(rowid, title, description) VALUES (new.id, new.title, new.description); END",
    "INSERT INTO document_text(document_text) VALUES ('rebuild')",
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS documents_text_update",
    "DROP TRIGGER IF EXISTS documents_text_delete",
    "DROP TRIGGER IF EXISTS documents_text_insert",
    "DROP TABLE IF EXISTS document_text",
)
_POSTGRES_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_documents_title_trgm ON documents USING gin (title gin_trgm_ops)",
    "CREATE INDEX ix_documents_description_trgm ON documents USING gin (description gin_trgm_ops)",
)
_POSTGRES_DOWN = ("DROP INDEX IF EXISTS ix_documents_description_trgm", "DROP INDEX IF EXISTS ix_documents_title_trgm")


def upgrade() -> None:
    for statement in _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _POSTGRES_DOWN:
        op.execute(statement)
