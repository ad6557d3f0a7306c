"""Import OCDS releases: keep each verbatim in the document store, and put its leaf (and one per document it
lists) into the publisher's anchor batches, whose roots the submitter then takes to the chain.

Each release is checked (ledger.ocds.checked_release); one that cannot be used is reported with where it was and
why, and the rest go on. A release already imported by this publisher on this chain (same leaf) is counted, not imported
again, so re-importing a file places no leaf and opens no batch. Releases are imported in groups of GROUP, each
group's leaves placed together and its rows committed together, so an interrupted import keeps what it did and a
rerun finishes the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ledger.gateway.anchor_batches import BatchRules, batches_of_leaves, place_all_in_batches
from ledger.ocds.checked_release import CheckedRelease, check_release
from ledger.ocds.reading import Item, PackageSeen, Unreadable
from ledger.store.documents import DocumentStore
from ledger.store.ocds_imports import first_with_id, imported_batches, record_import

GROUP = 200
MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class ImportTarget:
    """Where imported releases go: the store, and the publisher's batches on this chain."""

    store: DocumentStore
    chain_id: int
    publisher_org: str
    signer: str
    rules: BatchRules
    source: str  # the file's name, recorded with each release


@dataclass
class ImportReport:
    """What an import did, for its summary."""

    imported: int = 0
    already: int = 0
    leaves: int = 0  # hashes placed in batches: releases and their documents (one already there keeps its place)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (release, what was done)
    next_pages: list[tuple[str, Any]] = field(default_factory=list)
    extensions: list[tuple[str, list[Any]]] = field(default_factory=list)
    batch_ids: set[int] = field(default_factory=set)  # every batch holding a release of the file or its documents


def import_items(session: Session, items: Iterable[Item], target: ImportTarget) -> ImportReport:
    """Import every release among `items` (ledger.ocds.reading), committing group by group; returns the report."""
    report = ImportReport()
    group: list[CheckedRelease] = []
    for item in items:
        if isinstance(item, PackageSeen):
            _package(item, report)
            continue
        checked = item if isinstance(item, Unreadable) else check_release(item)
        if isinstance(checked, Unreadable):
            report.skipped.append((checked.where, checked.reason))
            continue
        group.append(checked)
        if len(group) >= GROUP:
            _import_group(session, group, target, report)
            group = []
    _import_group(session, group, target, report)
    return report


def _package(package: PackageSeen, report: ImportReport) -> None:
    if package.next_page is not None:
        report.next_pages.append((package.where, package.next_page))
    if package.extensions:
        report.extensions.append((package.where, package.extensions))


def _import_group(session: Session, group: list[CheckedRelease], target: ImportTarget, report: ImportReport) -> None:
    known = imported_batches(session, target.chain_id, target.publisher_org, [each.sha256 for each in group])
    new: dict[str, CheckedRelease] = {}
    for checked in group:
        if checked.sha256 in known or checked.sha256 in new:  # imported before, or earlier in this file
            report.already += 1
            if checked.sha256 in known:
                report.batch_ids.add(known[checked.sha256])
        else:
            new[checked.sha256] = checked
    hashes = [sha256 for checked in new.values() for sha256 in (checked.sha256, *checked.document_hashes)]
    leaf_ids = place_all_in_batches(
        session, target.chain_id, target.publisher_org, target.signer, None, hashes, target.rules
    )  # fmt: skip
    report.leaves += len(leaf_ids)
    batches = batches_of_leaves(session, list(leaf_ids.values()))
    report.batch_ids.update(batches.values())  # a batch may hold only documents of a release in the one before
    for checked in new.values():
        leaf_id = leaf_ids[checked.sha256]
        _record(session, checked, target, leaf_id, batches[leaf_id], report)
    session.commit()


def _record(
    session: Session, checked: CheckedRelease, target: ImportTarget, leaf_id: int, batch_id: int, report: ImportReport
) -> None:
    label = f"{checked.ocid} / {checked.release_id} ({checked.where})"
    report.notes.extend((label, note) for note in checked.notes)
    first = first_with_id(session, checked.ocid, checked.release_id)
    if first is not None:
        report.notes.append((
            label, f"another release already has this ocid and id (import {first.id}) with other content: both kept "
            "and anchored, this one marked as its duplicate and left out of exports",
        ))  # fmt: skip
    stored = _store(session, target, checked, checked.text)
    upgraded = _store(session, target, checked, checked.upgraded) if checked.upgraded is not None else None
    report.batch_ids.add(batch_id)
    record_import(
        session, chain_id=target.chain_id, publisher_org=target.publisher_org, ocid=checked.ocid,
        release_id=checked.release_id, release_date=checked.date, ocds_version=checked.version,
        stored_sha256=stored, upgraded_sha256=upgraded, leaf_sha256=checked.sha256, leaf_id=leaf_id,
        batch_id=batch_id, document_count=len(checked.document_hashes),
        duplicate_of=None if first is None else first.id, source=f"{target.source}: {checked.where}",
        imported_at=datetime.now(UTC),
    )  # fmt: skip
    report.imported += 1


def _store(session: Session, target: ImportTarget, checked: CheckedRelease, content: bytes) -> str:
    title = f"OCDS release {checked.release_id} of {checked.ocid}"
    return target.store.add(session, content, MEDIA_TYPE, title, added_by=target.publisher_org).sha256
