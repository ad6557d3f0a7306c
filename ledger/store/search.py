"""Free-text search over the document store's titles and descriptions, Chinese included.

Substring matching, not word matching: Chinese has no spaces between words, so "物业" must find
"市政府办公楼物业管理服务". Each database answers it from an index built for substrings:
- SQLite: an FTS5 table with the trigram tokenizer (migration 0006), queried by MATCH with the words as one
  phrase: the trigram index finds every substring of three characters or more. (Its LIKE is index-assisted only
  on one column: `title LIKE ? OR description LIKE ?` scanned the whole table, ~0.6 ms per thousand documents.)
  Shorter words have no trigram, so they are matched by LIKE over the table;
- PostgreSQL: pg_trgm GIN indexes on the title and description, which ILIKE uses.
"""

from __future__ import annotations

from sqlalchemy import Integer, Select, bindparam, column, or_, select, text

from ledger.store.document_models import Document

FTS_TABLE = "document_text"
TRIGRAM_INDEXES = ("ix_documents_title_trgm", "ix_documents_description_trgm")
TRIGRAM = 3  # characters in a trigram: the shortest words the index can find


def outside_the_models(name: str | None, type_: str, _parent_names: object = None) -> bool:
    """False for the search index's own objects (FTS5 shadow tables, trigram indexes), which the migrations build
    by hand and the models do not describe: Alembic's `include_name` hook, for autogenerate and its comparisons."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


def like_pattern(words: str) -> str:
    """A LIKE pattern matching `words` anywhere, with LIKE's own wildcards escaped."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def documents_matching(words: str, dialect: str) -> Select[str]:
    """The SHA-256 of every stored document whose title or description contains `words`, case-insensitively."""
    pattern = like_pattern(words)
    if dialect == "sqlite" and len(words) >= TRIGRAM:
        phrase = '"' + words.replace('"', '""') + '"'  # one FTS5 string: no operators, quotes doubled
        rows = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase").bindparams(
            bindparam("phrase", phrase)
        )
        return select(Document.sha256).where(Document.id.in_(rows.columns(column("rowid", Integer))))
    if dialect == "sqlite":
        rows = text(
            f"SELECT rowid FROM {FTS_TABLE} "
            "WHERE title LIKE :pattern ESCAPE '\\' OR description LIKE :pattern ESCAPE '\\'"
        ).bindparams(bindparam("pattern", pattern))
        # The column must be named: SQLAlchemy 2.1 cannot build `IN (subquery)` from a text() with no columns.
        return select(Document.sha256).where(Document.id.in_(rows.columns(column("rowid", Integer))))
    return select(Document.sha256).where(
        or_(Document.title.ilike(pattern, escape="\\"), Document.description.ilike(pattern, escape="\\"))
    )
