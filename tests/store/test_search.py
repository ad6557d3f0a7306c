"""Free-text search over the store's titles and descriptions finds substrings, Chinese included, in both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.search import documents_matching

TEXT = "text/plain; charset=utf-8"


def test_search_finds_titles_and_descriptions_by_substring_in_any_case(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    store = DocumentStore(DocumentFiles(tmp_path / "documents"))
    try:
        with Session(engine) as session, session.begin():
            hall = store.add(session, b"hall", TEXT, "市政府办公楼物业管理服务", "zh", "公开招标。服务期三年。")
            road = store.add(session, b"road", TEXT, "Resurfacing of Riverside Road", "en", "Open tender.")
            store.add(session, b"other", TEXT, "School canteen supplies", "en", None)
            quoted = store.add(session, b"quoted", TEXT, 'Lot_2: 50% "green" paper', "en", None)
        dialect = engine.dialect.name
        with Session(engine) as session:
            assert list(session.scalars(documents_matching("物业管理", dialect))) == [hall.sha256]
            assert list(session.scalars(documents_matching("服务期", dialect))) == [hall.sha256]
            assert list(session.scalars(documents_matching("riverside ROAD", dialect))) == [road.sha256]
            assert list(session.scalars(documents_matching("no such words", dialect))) == []
            # Two characters have no trigram: still found, by a scan
            assert list(session.scalars(documents_matching("物业", dialect))) == [hall.sha256]
            # Quotes, LIKE's wildcards and FTS5's operators are the user's words, never syntax
            assert list(session.scalars(documents_matching('50% "green"', dialect))) == [quoted.sha256]
            assert list(session.scalars(documents_matching("t_2", dialect))) == [quoted.sha256]
            assert list(session.scalars(documents_matching("lot_", dialect))) == [quoted.sha256]
            assert list(session.scalars(documents_matching("5%", dialect))) == []
            assert list(session.scalars(documents_matching("road OR canteen", dialect))) == []
    finally:
        engine.dispose()
