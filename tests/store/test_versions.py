"""The mirror's version, and the watch that reads a SQLite mirror's again only after another connection commits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from ledger.errors import DatabaseUnavailableError
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.documents import store_changed
from ledger.store.models import Checkpoint
from ledger.store.versions import MirrorVersionReader, SqliteVersionWatch, mirror_version, version_reader

CHAIN_ID = 31337


def _checkpoint(number: int) -> Checkpoint:
    return Checkpoint(
        chain_id=CHAIN_ID, block_number=number, block_hash=f"0x{number:064x}", head_block=number,
        updated_at=datetime.now(UTC),
    )  # fmt: skip


def test_each_commit_the_version_depends_on_gives_the_watch_a_new_version(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    reader = version_reader(engine)
    try:
        assert reader.local is (engine.dialect.name == "sqlite")
        assert isinstance(reader, SqliteVersionWatch) is (engine.dialect.name == "sqlite")
        empty = reader()
        with engine.connect() as connection:
            assert empty == mirror_version(connection)
        with Session(engine) as session, session.begin():
            session.add(_checkpoint(5))
        indexed = reader()
        assert indexed != empty and (CHAIN_ID, 5, f"0x{5:064x}") in [row[1:] for row in indexed]
        with Session(engine) as session, session.begin():
            store_changed(session)
        stored = reader()
        assert stored != indexed and stored[0][0] == (indexed[0][0] or 0) + 1
        with Session(engine) as session, session.begin():  # a rollback: an older block, another hash
            session.execute(update(Checkpoint).values(block_number=4, block_hash=f"0x{4:064x}"))
        rolled_back = reader()
        assert rolled_back not in (stored, indexed) and reader() == rolled_back
        with engine.connect() as connection:
            assert rolled_back == mirror_version(connection)
    finally:
        reader.close()
        engine.dispose()


def test_an_in_memory_sqlite_mirror_is_read_afresh_each_time() -> None:
    engine = make_engine("sqlite://")
    try:
        reader = version_reader(engine)
        assert type(reader) is MirrorVersionReader and not reader.local
    finally:
        engine.dispose()


def test_a_mirror_that_cannot_be_opened_is_unavailable_not_an_internal_error(tmp_path: Path) -> None:
    folder = tmp_path / "a folder, not a database"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder}")
    watch = version_reader(engine)
    try:
        with pytest.raises(DatabaseUnavailableError, match="the mirror's version could not be read"):
            watch()
    finally:
        watch.close()
        engine.dispose()
