"""The mirror's version, and the watch that reads a SQLite mirror's again only after another connection commits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from ledger.errors import DatabaseUnavailableError
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.documents import store_changed
from ledger.store.models import Checkpoint
from ledger.store.versions import SqliteVersionWatch, mirror_version, version_watch

CHAIN_ID = 31337


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite mirror file with its schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'mirror.sqlite3'}")
    upgrade_schema(engine)
    yield engine
    engine.dispose()


def _checkpoint(number: int) -> Checkpoint:
    return Checkpoint(
        chain_id=CHAIN_ID, block_number=number, block_hash=f"0x{number:064x}", head_block=number,
        updated_at=datetime.now(UTC),
    )  # fmt: skip


def _statements(engine: Engine) -> list[str]:
    """Every statement SQLAlchemy sends on `engine` from now on."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return sent


def test_each_commit_the_version_depends_on_gives_a_new_version_and_nothing_else_is_read(engine: Engine) -> None:
    watch = version_watch(engine)
    assert isinstance(watch, SqliteVersionWatch)
    try:
        empty = watch()
        with engine.connect() as connection:
            assert empty == mirror_version(connection)
        sent = _statements(engine)
        assert [watch() for _ in range(5)] == [empty] * 5 and sent == []  # unchanged: the pragma alone
        with Session(engine) as session, session.begin():
            session.add(_checkpoint(5))
        indexed = watch()
        assert indexed != empty and (CHAIN_ID, 5, f"0x{5:064x}") in [row[1:] for row in indexed]
        with Session(engine) as session, session.begin():
            store_changed(session)
        stored = watch()
        assert stored != indexed and stored[0][0] == (indexed[0][0] or 0) + 1
        with Session(engine) as session, session.begin():  # a rollback: an older block, another hash
            session.execute(update(Checkpoint).values(block_number=4, block_hash=f"0x{4:064x}"))
        rolled_back = watch()
        assert rolled_back not in (stored, indexed)
        with engine.connect() as connection:
            assert rolled_back == mirror_version(connection)
    finally:
        watch.close()


def test_a_failed_read_is_unavailable_and_the_next_read_starts_afresh(engine: Engine) -> None:
    watch = version_watch(engine)
    assert watch is not None
    try:
        before = watch()
        watch._sqlite.close()  # type: ignore[union-attr]  # its connection broken under it
        with pytest.raises(DatabaseUnavailableError, match="the mirror's version could not be read"):
            watch()
        assert watch() == before
    finally:
        watch.close()


def test_a_mirror_that_cannot_be_opened_is_unavailable_not_an_internal_error(tmp_path: Path) -> None:
    folder = tmp_path / "a folder, not a database"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder}")
    watch = version_watch(engine)
    assert watch is not None
    try:
        with pytest.raises(DatabaseUnavailableError, match="the mirror's version could not be read"):
            watch()
    finally:
        watch.close()
        engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///file:shared?mode=memory&cache=shared&uri=true"])
def test_no_watch_where_connections_are_shared_and_data_version_would_never_move(url: str) -> None:
    engine = make_engine(url)
    try:
        assert version_watch(engine) is None
    finally:
        engine.dispose()


def test_no_watch_on_a_server_database(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert (version_watch(engine) is None) is (engine.dialect.name == "postgresql")
    finally:
        engine.dispose()
