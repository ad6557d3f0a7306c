"""Engines and schema upgrades. Nothing here runs at import time: callers build an engine from settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ledger.errors import DatabaseUnavailableError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(database_url: str) -> Engine:
    """An engine for `database_url`; SQLite gets WAL and a busy timeout so the API reads while the indexer writes."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL still durable across process crashes
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk index inserts stay in memory
    cursor.execute("PRAGMA wal_autocheckpoint=10000")  # fewer, larger checkpoints during backfills
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def background_checkpoints(engine: Engine, interval: float = 0.05) -> Iterator[None]:
    """While the block runs, checkpoint a SQLite WAL from a second connection in a thread; elsewhere a no-op.

    A bulk writer otherwise pays for the checkpoints inside its own commits (every wal_autocheckpoint pages:
    copy the WAL into the database, fsync). SQLite runs a PASSIVE checkpoint beside the writer, with the GIL
    released, so the writer's commits only append to the WAL.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        yield
        return
    stop = threading.Event()

    def checkpoint_until_stopped() -> None:
        with engine.connect() as connection:
            while not stop.wait(interval):
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    thread = threading.Thread(target=checkpoint_until_stopped, name="sqlite-checkpoints", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest migration, all or nothing; a no-op when it is there already."""
    _check_reachable(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite opens a transaction only before a data change, so until the first one each CREATE or ALTER
            # commits on its own: a crash in the middle would leave tables without the version row that says they
            # are there, and every later upgrade would fail on them. SQLite's DDL is transactional: open it here.
            connection.exec_driver_sql("BEGIN")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _check_reachable(engine: Engine) -> None:
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        where, why = engine.url.render_as_string(hide_password=True), " ".join(str(exc.orig).split())
        raise DatabaseUnavailableError(
            f"the database at {where} did not answer ({why}); start it, or point "
            "PROCLEDGER_DATABASE_URL at one that runs"
        ) from exc
