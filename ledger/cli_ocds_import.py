"""`procledger ocds import FILE`: anchor an existing OCDS publication, release by release, as the publisher
organisation (ledger.ocds.publisher), then take its batches to the chain and wait for confirmation.

Reading, checking and keeping are ledger.ocds.importing's; this module shows progress, closes the file's batches,
runs the submitter, and prints the summary: imported, anchored, skipped with reasons, notes on what was odd, and
the transactions sent. `--report FILE` writes all of it as JSON (the terminal shows the first lines of long lists).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.client import connect
from ledger.chain.setup import open_ledger
from ledger.cli_submit import build_submitter
from ledger.errors import ContractRevertError, OcdsError, WriteNotSettledError
from ledger.gateway.anchor_action import ANCHOR
from ledger.gateway.anchor_batches import BatchRules, close_batch
from ledger.gateway.outbox import CONFIRMED, FAILED
from ledger.ocds.importing import ImportReport, ImportTarget, import_items
from ledger.ocds.publisher import ensure_publisher
from ledger.ocds.reading import read_publication
from ledger.settings import Settings, settings_from_environment
from ledger.store.anchor_batch_models import BATCHING, AnchorBatch
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.gateway_models import OutboxWrite

console = Console(stderr=True)
SHOWN = 20  # lines of each list on the terminal; --report has them all


def import_command(
    file: Annotated[Path, typer.Argument(help="a release package, record package, release, or JSON Lines of these")],
    report_file: Annotated[
        Path | None, typer.Option("--report", help="also write the whole report (every skip and note) as JSON")
    ] = None,
) -> None:
    """Anchor an OCDS publication on chain: each release verbatim in the document store, its canonical SHA-256 and
    its documents' in Merkle roots, sent as the OCDS publisher organisation. Importing it again sends nothing."""
    settings = settings_from_environment()
    size = _size_of(file)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    w3 = connect(settings.rpc_url)
    ledger = open_ledger(settings, w3)
    with console.status("Checking the OCDS publisher organisation on chain…"):
        publisher = ensure_publisher(settings, ledger)
    for step in publisher.set_up:
        console.print(f"OCDS publisher {publisher.registry_id}: {step}")
    target = ImportTarget(
        DocumentStore(DocumentFiles(settings.documents_dir)), int(w3.eth.chain_id), publisher.org_id,
        publisher.address, BatchRules(settings.anchor_batch_size, settings.anchor_interval), file.name,
    )  # fmt: skip
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress, Session(engine) as session:
        task = progress.add_task(f"Reading {file.name}", total=size)
        items = read_publication(file, lambda done: progress.update(task, completed=done))
        report = import_items(session, items, target)
        progress.update(task, completed=size)
    _print_report(report)
    if report_file is not None:
        report_file.write_text(json.dumps(_report_json(report), indent=2, ensure_ascii=False) + "\n")
    if report.imported + report.already == 0:
        reason = report.skipped[0][1] if report.skipped else "it holds no release"
        raise OcdsError(f"{file} holds no usable OCDS release ({reason}); nothing was imported")
    report.batch_ids.update(_open_batches(engine, target))  # a rerun after a crash finishes what that run left open
    sent = _anchor(settings, engine, w3, report)
    engine.dispose()
    typer.echo(
        f"summary: {report.imported} imported, {report.already} already imported, {len(report.skipped)} skipped; "
        f"{report.leaves} hash(es) anchored in {len(report.batch_ids)} batch(es); {sent} transaction(s) sent"
    )


def _size_of(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError as error:
        raise OcdsError(f"cannot read {file} ({error.strerror}); check the path") from None


def _anchor(settings: Settings, engine: Engine, w3: Web3, report: ImportReport) -> int:
    """Close the file's batches and follow their writes to confirmation; returns the transactions sent."""
    with Session(engine) as session:
        for batch_id in sorted(report.batch_ids):
            close_batch(session, batch_id)  # False when closed already (full, or a rerun): nothing to do
        session.commit()
        writes = _writes(session, report.batch_ids)
    waiting = {write.id for write in writes if write.state not in (CONFIRMED, FAILED)}
    if waiting:
        submitter = build_submitter(settings, w3, engine)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Anchoring batches on chain", total=len(waiting))
            deadline = time.monotonic() + 3 * settings.tx_timeout
            while True:
                submitter.run_once()
                with Session(engine) as session:
                    states = [write.state for write in _writes(session, report.batch_ids) if write.id in waiting]
                progress.update(task, completed=sum(state in (CONFIRMED, FAILED) for state in states))
                if not submitter.busy() or time.monotonic() > deadline:
                    break
                time.sleep(settings.poll_interval)
    with Session(engine) as session:
        writes = _writes(session, report.batch_ids)
    for write in writes:
        if write.state == FAILED and write.error is not None:
            raise ContractRevertError(write.error["name"], write.error["args"], ANCHOR.function)
    unsettled = [write.id for write in writes if write.state != CONFIRMED]
    if unsettled:
        raise WriteNotSettledError(
            f"{len(unsettled)} anchor write(s) are not confirmed yet (outbox ids {unsettled[:5]}); run "
            "`procledger submit` to finish, or import the file again"
        )
    transactions = {write.tx_hash for write in writes if write.id in waiting and write.tx_hash}
    for write in writes:
        if write.id in waiting:
            typer.echo(f"anchored root {write.body.get('root')} ({write.body.get('count')} leaves) in {write.tx_hash}")
    return len(transactions)


def _open_batches(engine: Engine, target: ImportTarget) -> list[int]:
    """The publisher's batches still open on this chain: only imports fill them, so this import closes them."""
    with Session(engine) as session:
        return list(
            session.scalars(
                select(AnchorBatch.id).where(
                    AnchorBatch.chain_id == target.chain_id, AnchorBatch.org_id == target.publisher_org,
                    AnchorBatch.state == BATCHING,
                )
            )
        )  # fmt: skip


def _writes(session: Session, batch_ids: set[int]) -> list[_WriteView]:
    if not batch_ids:
        return []
    rows = session.execute(
        select(OutboxWrite).join(AnchorBatch, AnchorBatch.write_id == OutboxWrite.id)
        .where(AnchorBatch.id.in_(sorted(batch_ids)))
        .order_by(OutboxWrite.id)
    ).scalars()  # fmt: skip
    return [_WriteView(row) for row in rows]


class _WriteView:
    """The fields of an outbox write the summary reads, detached from its session."""

    def __init__(self, row: OutboxWrite) -> None:
        self.id, self.state, self.tx_hash = row.id, row.state, row.tx_hash
        self.body: dict[str, Any] = json.loads(row.body)
        self.error: dict[str, Any] | None = json.loads(row.error) if row.error else None


def _print_report(report: ImportReport) -> None:
    for where, reason in report.skipped[:SHOWN]:
        typer.echo(f"skipped {where}: {reason}")
    _more(len(report.skipped), "skipped release(s)")
    grouped: dict[str, list[str]] = defaultdict(list)
    for label, note in report.notes:
        grouped[note].append(label)
    for note, labels in list(grouped.items())[:SHOWN]:
        shown = "; ".join(labels[:3]) + (f"; and {len(labels) - 3} more" if len(labels) > 3 else "")
        typer.echo(f"note: {note} — {len(labels)} release(s): {shown}")
    _more(len(grouped), "kinds of note")
    for where, url in report.next_pages:
        typer.echo(f"not followed: {where} has links.next {url}; import that page separately")
    for where, extensions in report.extensions:
        listed = ", ".join(str(extension) for extension in extensions[:5])
        typer.echo(
            f"extensions: {where} declares {len(extensions)} ({listed}); not fetched (offline), their fields are "
            "kept verbatim and anchored with the release"
        )


def _more(count: int, what: str) -> None:
    if count > SHOWN:
        typer.echo(f"… and {count - SHOWN} more {what}: --report FILE lists them all")


def _report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "imported": report.imported, "already_imported": report.already, "hashes_anchored": report.leaves,
        "batches": sorted(report.batch_ids),
        "skipped": [{"where": where, "reason": reason} for where, reason in report.skipped],
        "notes": [{"release": label, "note": note} for label, note in report.notes],
        "next_pages": [{"where": where, "next": url} for where, url in report.next_pages],
        "extensions": [{"where": where, "extensions": urls} for where, urls in report.extensions],
    }  # fmt: skip
