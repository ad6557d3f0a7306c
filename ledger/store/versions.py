"""The mirror's version: what a reading of it depends on, so a reader may keep one until it changes.

Everything the read API serves is a function of the chain's half, which the indexer commits together with its
checkpoint (a rollback or reindex rewrites the checkpoint too), and of the document store's half, whose generation
the store raises with each change. Rows edited by hand in SQL change neither; `procledger audit` finds those.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from typing import cast

from sqlalchemy import Connection, Engine, QueuePool, literal, select, true
from sqlalchemy.exc import SQLAlchemyError

from ledger.errors import DatabaseUnavailableError
from ledger.store.document_models import ROW_ID, DocumentStoreGeneration
from ledger.store.models import Checkpoint

MirrorVersion = tuple[tuple[object, ...], ...]

_GENERATION = select(DocumentStoreGeneration.generation).where(DocumentStoreGeneration.id == ROW_ID).subquery()
# One statement, as Core: it runs on every read of a kept response, where two ORM queries cost 0.2 ms.
_VERSION = (
    select(_GENERATION.c.generation, Checkpoint.chain_id, Checkpoint.block_number, Checkpoint.block_hash)
    .select_from(select(literal(1).label("one")).subquery().outerjoin(_GENERATION, true()))
    .outerjoin(Checkpoint, true())
    .order_by(Checkpoint.chain_id)
)


def mirror_version(connection: Connection) -> MirrorVersion:
    """The document store's generation and each mirrored chain's indexed block (id, number, hash), as one tuple."""
    return tuple(tuple(row) for row in connection.execute(_VERSION))


class SqliteVersionWatch:
    """The version of a SQLite mirror, read again only when another connection has committed since the last read.

    SQLite's `PRAGMA data_version` changes on this connection exactly when another connection, in any process,
    commits to the database. Asking it costs a few microseconds, where the version statement through SQLAlchemy
    costs about 0.1 ms: on an unchanged mirror each read is the pragma alone. A commit between the pragma and the
    statement is seen on the next read, so a version returned is never older than the pragma it follows.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None  # held once opened: data_version is relative to one connection
        self._sqlite: sqlite3.Connection | None = None  # its driver connection: the pragma without SQLAlchemy's cost
        self._lock = threading.Lock()  # the event loop and the thread pool both read it
        self._seen: int | None = None
        self._version: MirrorVersion = ()

    def __call__(self) -> MirrorVersion:
        with self._lock:
            try:
                if self._connection is None or self._sqlite is None:  # first use: building an app connects nothing
                    self._connection = self._engine.connect()
                    self._sqlite = cast(sqlite3.Connection, self._connection.connection.driver_connection)
                data_version = int(self._sqlite.execute("PRAGMA data_version").fetchone()[0])
                if data_version != self._seen:
                    self._version = mirror_version(self._connection)
                    self._seen = data_version
                    self._connection.rollback()  # end SQLAlchemy's transaction: the next statement reads afresh
            except (sqlite3.Error, SQLAlchemyError) as exc:
                self._close()  # the next read starts on a new connection
                raise DatabaseUnavailableError(f"the mirror's version could not be read: {exc}") from exc
            return self._version

    def close(self) -> None:
        """Return the held connection to the pool."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        connection, self._connection, self._sqlite, self._seen = self._connection, None, None, None
        if connection is not None:
            with suppress(SQLAlchemyError, sqlite3.Error):
                connection.close()


def version_watch(engine: Engine) -> SqliteVersionWatch | None:
    """A watch on the version of a SQLite file whose connections are each private (SQLAlchemy's QueuePool), or None:
    a server database is asked in the transaction of each read, and an in-memory or shared-cache SQLite database
    shares one connection, on which data_version never moves."""
    if engine.dialect.name == "sqlite" and isinstance(engine.pool, QueuePool):
        return SqliteVersionWatch(engine)
    return None
