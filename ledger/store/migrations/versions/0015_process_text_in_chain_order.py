"""text search in chain order: the processes' titles in an FTS5 index whose rowid is their chain position

A search by words found every matching document, then kept the newest processes among them: at 100,000
processes a common word matched 5,000 notices and a page took 18 ms, against 1 ms at 1,000. Here each process's
title and description sit under the rowid block_number * 2**20 + log_index, so FTS5 hands matches over newest first
and a page stops after its rows (scripts/bench/api.py). Kept in step by triggers on both halves: a process indexed
or rolled back, a document stored, renamed or deleted. SQLite only; PostgreSQL keeps its trigram indexes.
It is an index over a derived table and an off-chain one, and holds nothing either lacks.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_KEY = "{p}.block_number * 1048576 + {p}.log_index"  # ledger.store.search.POSITION_FACTOR
_NEW, _OLD, _P = _KEY.format(p="new"), _KEY.format(p="old"), _KEY.format(p="p")
_SQLITE_UP = (
    "CREATE VIRTUAL TABLE process_text USING fts5(title, description, chain_id UNINDEXED, tokenize='trigram')",
    # A process indexed: its notice's words, if the store holds the notice (else the document's arrival adds them).
    "CREATE TRIGGER processes_text_insert AFTER INSERT ON processes BEGIN "
    "INSERT OR REPLACE INTO process_text(rowid, title, description, chain_id) "
    f"SELECT {_NEW}, d.title, d.description, new.chain_id FROM documents d WHERE d.sha256 = new.doc_hash; END",
    "CREATE TRIGGER processes_text_delete AFTER DELETE ON processes BEGIN "
    f"DELETE FROM process_text WHERE rowid = {_OLD} AND chain_id = old.chain_id; END",
    # The indexer writes back every column of a changed process; only a new position or notice moves its words.
    "CREATE TRIGGER processes_text_update AFTER UPDATE OF doc_hash, block_number, log_index, chain_id ON processes "
    "WHEN old.doc_hash IS NOT new.doc_hash OR old.block_number != new.block_number "
    "OR old.log_index != new.log_index OR old.chain_id != new.chain_id BEGIN "
    f"DELETE FROM process_text WHERE rowid = {_OLD} AND chain_id = old.chain_id; "
    "INSERT OR REPLACE INTO process_text(rowid, title, description, chain_id) "
    f"SELECT {_NEW}, d.title, d.description, new.chain_id FROM documents d WHERE d.sha256 = new.doc_hash; END",
    "CREATE TRIGGER documents_process_text_insert AFTER INSERT ON documents BEGIN "
    "INSERT OR REPLACE INTO process_text(rowid, title, description, chain_id) "
    f"SELECT {_P}, new.title, new.description, p.chain_id FROM processes p WHERE p.doc_hash = new.sha256; END",
    "CREATE TRIGGER documents_process_text_update AFTER UPDATE OF title, description ON documents BEGIN "
    "UPDATE process_text SET title = new.title, description = new.description "
    f"WHERE rowid IN (SELECT {_P} FROM processes p WHERE p.doc_hash = new.sha256); END",
    "CREATE TRIGGER documents_process_text_delete AFTER DELETE ON documents BEGIN "
    f"DELETE FROM process_text WHERE rowid IN (SELECT {_P} FROM processes p WHERE p.doc_hash = old.sha256); END",
    "INSERT OR REPLACE INTO process_text(rowid, title, description, chain_id) "
    f"SELECT {_P}, d.title, d.description, p.chain_id FROM processes p JOIN documents d ON d.sha256 = p.doc_hash",
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS documents_process_text_delete",
    "DROP TRIGGER IF EXISTS documents_process_text_update",
    "DROP TRIGGER IF EXISTS documents_process_text_insert",
    "DROP TRIGGER IF EXISTS processes_text_update",
    "DROP TRIGGER IF EXISTS processes_text_delete",
    "DROP TRIGGER IF EXISTS processes_text_insert",
    "DROP TABLE IF EXISTS process_text",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
