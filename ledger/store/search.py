"""Free-text search over the document store's titles and descriptions, Chinese included.

Substring matching, not word matching: Chinese has no spaces between words, so "物业" must find
"市政府办公楼物业管理服务". Each database answers it from an index built for substrings:
- SQLite: an FTS5 table with the trigram tokenizer (migration 0006), queried by MATCH with the words as one
  phrase: the trigram index finds every substring of three characters or more. (Its LIKE is index-assisted only
  on one column: `title LIKE ? OR description LIKE ?` scanned the whole table, ~0.6 ms per thousand documents.)
  Shorter words have no trigram, so they are matched by LIKE over the table;
- PostgreSQL: pg_trgm GIN indexes on the title and description, which ILIKE uses.

A search for processes by words wants the newest few that match, not every match. On SQLite their notices' words
are also indexed under each process's chain position (migration 0015: FTS5 rowid block_number * 2**20 + log_index),
so FTS5 hands the matches over newest first and a page reads only its own rows, however common the word.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    TableClause,
    bindparam,
    column,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from ledger.store.document_models import Document
from ledger.store.models import Checkpoint
from ledger.store.projections import Process

FTS_TABLE = "document_text"
PROCESS_TEXT = "process_text"  # FTS5 over the processes' notices, rowid their chain position (migration 0015)
POSITION_BITS = 20  # a process's position: block_number << 20 | log_index (a block holds fewer than 2**20 logs)
TRIGRAM_INDEXES = ("ix_documents_title_trgm", "ix_documents_description_trgm")
TRIGRAM = 3  # characters in a trigram: the shortest words the index can find


def outside_the_models(name: str | None, type_: str, _parent_names: object = None) -> bool:
    """False for the search index's own objects (FTS5 shadow tables, trigram indexes), which the migrations build
    by hand and the models do not describe: Alembic's `include_name` hook, for autogenerate and its comparisons."""
    if name is None:
        return True
    if type_ == "table" and name.startswith((FTS_TABLE, PROCESS_TEXT)):
        return False
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


def like_pattern(words: str) -> str:
    """A LIKE pattern matching `words` anywhere, with LIKE's own wildcards escaped."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(words: str) -> str:
    """`words` as one FTS5 string: no operators, quotes doubled."""
    return '"' + words.replace('"', '""') + '"'


def documents_matching(words: str, dialect: str) -> Select[str]:
    """The SHA-256 of every stored document whose title or description contains `words`, case-insensitively."""
    pattern = like_pattern(words)
    if dialect == "sqlite" and len(words) >= TRIGRAM:
        rows = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase").bindparams(
            bindparam("phrase", _phrase(words))
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


class ProcessText:
    """The processes' notices indexed by chain position: join it to processes, match words, order newest first."""

    def __init__(self) -> None:
        self.table: TableClause = table(PROCESS_TEXT, column("rowid", BigInteger), column("chain_id", BigInteger))
        self.position = self.table.c.rowid

    @staticmethod
    def serves(session: Session, words: str) -> bool:
        """Whether it can answer: SQLite, words of a trigram or more, and one chain mirrored (positions are unique
        within a chain only)."""
        if session.get_bind().dialect.name != "sqlite" or len(words) < TRIGRAM:
            return False
        return (session.scalar(select(func.count()).select_from(Checkpoint)) or 0) <= 1

    def of_process(self) -> ColumnElement[bool]:
        """The join condition: the process at the row's chain position."""
        position = self.position
        return (
            (Process.chain_id == self.table.c.chain_id)
            & (Process.block_number == position.op(">>")(POSITION_BITS))
            & (Process.log_index == position.op("&")((1 << POSITION_BITS) - 1))
        )

    def matches(self, words: str) -> ColumnElement[bool]:
        """The rows whose title or description contains `words`."""
        return column(PROCESS_TEXT).op("MATCH")(bindparam("process_phrase", _phrase(words)))

    @staticmethod
    def position_of(block_number: int, log_index: int) -> int:
        """A chain position as the index's rowid."""
        return block_number << POSITION_BITS | log_index
