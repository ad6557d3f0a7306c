"""Imported publications in the ledger's OCDS exports: each release kept from another publisher, published beside
the chain's releases unchanged, as JSON text with every number as the publisher wrote it (`1.2326533E7` stays so).

A release published with raw control characters in its strings (many publishers send them) is written with them
escaped, so the package stays JSON; its value is the same. A 1.0 release is published in the 1.1 form ocdskit made
of it at import. Releases whose (ocid, id) an earlier import took with other content are left out: one id, one
release, in a package.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.indexer.decode import EventDecoder
from ledger.ocds.canonical import parse_release, preserving_json
from ledger.ocds.export import record_releases
from ledger.ocds.releases import Publication
from ledger.store.documents import DocumentStore
from ledger.store.ocds_imports import ImportedReleaseRow, imported_rows

PAGE_SCAN = 500  # rows read at a time while filling a page


@dataclass(frozen=True)
class ImportedPage:
    """A page of imported releases (JSON texts) in import order, and the row id the next page starts after."""

    releases: list[bytes]
    next_after: int | None


def imported_publication(session: Session, store: DocumentStore) -> Iterator[bytes]:
    """Every imported release, as its JSON text, in import order."""
    for row in imported_rows(session):
        yield _text(session, store, row)


def imported_page(
    session: Session, store: DocumentStore, *, after: int | None, limit: int, since: int | None, until: int | None
) -> ImportedPage:
    """Up to `limit` imported releases after row `after`, dated (as published, unix seconds) from `since` to
    `until` inclusive; with either bound, a release published without a date is not in the range."""
    page: list[bytes] = []
    last = after
    rows = imported_rows(session, after=after or 0, chunk=PAGE_SCAN)
    for row in rows:
        last = row.id
        if _within(row.release_date, since, until):
            page.append(_text(session, store, row))
            if len(page) == limit:
                break
    return ImportedPage(page, last)


def imported_record(session: Session, store: DocumentStore, ocid: str) -> list[dict[str, Any]]:
    """The imported releases of `ocid` as values, for ocdsmerge to compile (empty when none was imported)."""
    return [json.loads(_text(session, store, row)) for row in imported_rows(session, ocid=ocid)]


def _text(session: Session, store: DocumentStore, row: ImportedReleaseRow) -> bytes:
    _, content = store.open_content(session, row.upgraded_sha256 or row.stored_sha256)
    with content:
        return preserving_json(parse_release(content.read()))


def _within(date: str | None, since: int | None, until: int | None) -> bool:
    if since is None and until is None:
        return True
    moment = _unix(date)
    return moment is not None and (since is None or moment >= since) and (until is None or moment <= until)


def _unix(date: str | None) -> int | None:
    """An OCDS date-time as unix seconds; one without a zone is taken as UTC; None if it is no date."""
    if not date:
        return None
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return None
    return int((moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp())


def record_or_imported(
    session: Session, decoder: EventDecoder, store: DocumentStore, ocid: str, publication: Publication
) -> tuple[str, list[dict[str, Any]]]:
    """The published ocid and releases of `ocid`'s record: the chain process's, or else the releases imported
    under it; NotFoundError when it is neither."""
    try:
        return record_releases(session, decoder, ocid, publication)
    except NotFoundError:
        imported = imported_record(session, store, ocid)
        if not imported:
            raise
        return ocid, imported
