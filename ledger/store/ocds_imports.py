"""Imported OCDS releases: found by leaf or by (ocid, id), recorded, and read back exactly as published.

`imported_releases` and `imported_release_texts` stream in chunks of rows, so an export of many imported
releases never holds them all. Nothing here commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.ocds.canonical import canonical_sha256, listed_documents, parse_release
from ledger.proofs.merkle import inclusion_proof
from ledger.store.anchor_batch_models import CLOSED, AnchorBatch, AnchorBatchLeaf
from ledger.store.anchoring import anchored_leaves
from ledger.store.documents import DocumentStore
from ledger.store.ocds_models import ImportedRelease

_CHUNK = 500


@dataclass(frozen=True)
class ImportedReleaseRow:
    """What the store knows of one imported release (its bytes are in the document store)."""

    id: int
    chain_id: int
    publisher_org: str
    ocid: str
    release_id: str
    release_date: str | None
    ocds_version: str
    stored_sha256: str
    upgraded_sha256: str | None
    leaf_sha256: str
    leaf_id: int
    batch_id: int
    duplicate_of: int | None


def find_imported(session: Session, chain_id: int, publisher_org: str, leaf_sha256: str) -> ImportedReleaseRow | None:
    """The import of the release with this leaf by this publisher on this chain, if any."""
    row = session.scalars(
        select(ImportedRelease).where(
            ImportedRelease.chain_id == chain_id, ImportedRelease.publisher_org == publisher_org,
            ImportedRelease.leaf_sha256 == leaf_sha256,
        )
    ).first()  # fmt: skip
    return None if row is None else _row(row)


def imported_batches(session: Session, chain_id: int, publisher_org: str, leaves: list[str]) -> dict[str, int]:
    """Of these leaves, those this publisher imported on this chain, with the batch each went into."""
    found: dict[str, int] = {}
    for start in range(0, len(leaves), _CHUNK):
        rows = session.execute(
            select(ImportedRelease.leaf_sha256, ImportedRelease.batch_id).where(
                ImportedRelease.chain_id == chain_id, ImportedRelease.publisher_org == publisher_org,
                ImportedRelease.leaf_sha256.in_(leaves[start : start + _CHUNK]),
            )
        )  # fmt: skip
        found.update((str(leaf), int(batch_id)) for leaf, batch_id in rows)
    return found


def first_with_id(session: Session, ocid: str, release_id: str) -> ImportedReleaseRow | None:
    """The first release imported under (ocid, release id), if any."""
    row = session.scalars(
        select(ImportedRelease)
        .where(ImportedRelease.ocid == ocid, ImportedRelease.release_id == release_id)
        .order_by(ImportedRelease.id)
        .limit(1)
    ).first()
    return None if row is None else _row(row)


def record_import(session: Session, **fields: Any) -> int:
    """Record one imported release (the ImportedRelease columns); returns its id."""
    row = ImportedRelease(**fields)
    session.add(row)
    session.flush()
    return row.id


def imported_rows(
    session: Session,
    *,
    ocid: str | None = None,
    include_duplicates: bool = False,
    chunk: int = _CHUNK,
    after: int = 0,
) -> Iterator[ImportedReleaseRow]:
    """Every imported release's row after row `after` in import order, optionally of one ocid, read `chunk` rows
    at a time."""
    while True:
        query = select(ImportedRelease).where(ImportedRelease.id > after).order_by(ImportedRelease.id).limit(chunk)
        if ocid is not None:
            query = query.where(ImportedRelease.ocid == ocid)
        if not include_duplicates:
            query = query.where(ImportedRelease.duplicate_of.is_(None))
        rows = [_row(row) for row in session.scalars(query)]
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].id


def imported_release_texts(
    session: Session, store: DocumentStore, *, ocid: str | None = None, include_duplicates: bool = False
) -> Iterator[bytes]:
    """Each imported release as OCDS 1.1 JSON text: the bytes as published, or the 1.1 form ocdskit made of a 1.0
    release. Writing these bytes into a package keeps every number exactly as the publisher wrote it."""
    for row in imported_rows(session, ocid=ocid, include_duplicates=include_duplicates):
        _, content = store.open_content(session, row.upgraded_sha256 or row.stored_sha256)
        with content:
            yield content.read()


def imported_releases(
    session: Session, store: DocumentStore, *, ocid: str | None = None, include_duplicates: bool = False
) -> Iterator[dict[str, Any]]:
    """Each imported release as OCDS 1.1, unchanged: parsed from `imported_release_texts` (numbers as Python
    numbers; use the texts where the exact number tokens matter). Releases that took an (ocid, id) already taken
    are left out unless `include_duplicates`."""
    for text in imported_release_texts(session, store, ocid=ocid, include_duplicates=include_duplicates):
        release: dict[str, Any] = json.loads(text, strict=False)
        yield release


def releases_with_id(session: Session, release_id: str, ocid: str | None = None) -> list[ImportedReleaseRow]:
    """The imported releases with this id (of this ocid, if given), first imported first."""
    query = select(ImportedRelease).where(ImportedRelease.release_id == release_id).order_by(ImportedRelease.id)
    if ocid is not None:
        query = query.where(ImportedRelease.ocid == ocid)
    return [_row(row) for row in session.scalars(query)]


def release_proof(session: Session, store: DocumentStore, row: ImportedReleaseRow) -> dict[str, Any]:
    """The proof file of an imported release (format of ledger.verify.ocds_release): its text as published and the
    audit path of it and of each document it lists, from the publisher's batches; NotFoundError while a batch is
    not anchored yet."""
    _, content = store.open_content(session, row.stored_sha256)
    with content:
        text = content.read().decode("utf-8")
    release = parse_release(text)
    hashes = {"release": row.leaf_sha256}
    for number, document in enumerate(listed_documents(release), start=1):
        hashes[f"document {number}"] = canonical_sha256(document)
    leaves = [_leaf_proof(session, row, of, sha256) for of, sha256 in hashes.items()]
    return {
        "format": "procledger-ocds-release-proof/1", "chain_id": row.chain_id, "anchorer_org": row.publisher_org,
        "ocid": row.ocid, "release_id": row.release_id, "release": text, "leaves": leaves,
    }  # fmt: skip


def _leaf_proof(session: Session, row: ImportedReleaseRow, of: str, sha256: str) -> dict[str, Any]:
    found = session.execute(
        select(AnchorBatchLeaf.leaf_index, AnchorBatch.root)
        .join(AnchorBatch, AnchorBatch.id == AnchorBatchLeaf.batch_id)
        .where(
            AnchorBatchLeaf.doc_sha256 == sha256, AnchorBatch.chain_id == row.chain_id,
            AnchorBatch.org_id == row.publisher_org, AnchorBatch.state == CLOSED,
        )
        .order_by(AnchorBatch.id)
        .limit(1)
    ).first()  # fmt: skip
    if found is None or found.root is None:
        raise NotFoundError(
            f"the {of} of release {row.release_id} ({sha256}) is in no closed batch yet; run `procledger submit`"
        )
    rows = anchored_leaves(session, row.chain_id, row.publisher_org, found.root)
    leaves = [bytes.fromhex(leaf[2:]) for _, leaf in rows]
    path = inclusion_proof(leaves, found.leaf_index)
    return {
        "of": of, "sha256": sha256, "root": found.root, "leaf_index": found.leaf_index, "tree_size": len(leaves),
        "audit_path": ["0x" + step.hex() for step in path],
    }  # fmt: skip


def _row(row: ImportedRelease) -> ImportedReleaseRow:
    return ImportedReleaseRow(
        row.id, row.chain_id, row.publisher_org, row.ocid, row.release_id, row.release_date, row.ocds_version,
        row.stored_sha256, row.upgraded_sha256, row.leaf_sha256, row.leaf_id, row.batch_id, row.duplicate_of,
    )  # fmt: skip
