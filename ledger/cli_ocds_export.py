"""`procledger ocds export` and `procledger ocds record`: the mirror published as OCDS release or record packages.

Both read the mirror as far as the indexer has got (`procledger index`, or a running `procledger up`).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO, cast

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import LEDGER
from ledger.errors import OcdsError
from ledger.indexer.decode import EventDecoder
from ledger.ocds.export import exported_releases
from ledger.ocds.imported import imported_publication, record_or_imported
from ledger.ocds.packages import PackageMetadata, Release, package_metadata, record_package, write_release_package
from ledger.ocds.releases import Publication
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.projections import Process

console = Console(stderr=True)
EXPORT_FORMATS = ("json", "csv", "xlsx")


def export(
    out: Annotated[Path, typer.Option("--out", help="the release package (json), workbook (xlsx) or folder (csv)")],
    output_format: Annotated[
        str, typer.Option("--format", help="json: a release package; csv or xlsx: a spreadsheet via flattentool")
    ] = "json",
) -> None:
    """Write every process's releases as one OCDS 1.1 release package, or as a spreadsheet."""
    if output_format not in EXPORT_FORMATS:
        raise OcdsError(f"unknown format {output_format!r}: choose json, csv or xlsx")
    settings = settings_from_environment()
    with _mirror(settings) as session:
        total = int(session.execute(select(func.count(Process.id))).scalar_one())
        imported_count = [0]

        def imported() -> Iterator[Release]:
            for release in imported_publication(session, DocumentStore(DocumentFiles(settings.documents_dir))):
                imported_count[0] += 1
                yield release

        releases = exported_releases(session, _decoder(settings), _publication(settings), extra=imported())
        first = next(releases, None)
        if first is None:  # and OCDS has no valid empty package
            raise OcdsError(
                f"the mirror at {settings.masked()['database_url']} holds no procurement process and no imported "
                "release, so there is nothing to export; index the chain first (`procledger index`, or keep "
                "`procledger up` running), or import a publication (`procledger ocds import FILE`)"
            )
        releases = itertools.chain([first], releases)
        metadata = _metadata(settings, "/ocds/releases")
        if output_format == "json":
            count = _write(out, releases, metadata, total)
        else:
            # Imported here: flattentool (with ZODB and openpyxl) would add ~0.14 s to every `procledger` command.
            from ledger.ocds.spreadsheet import SpreadsheetFormat, flatten_release_package

            with tempfile.TemporaryDirectory(prefix="procledger-ocds-") as folder:
                package = Path(folder) / "release-package.json"
                count = _write(package, releases, metadata, total)
                with console.status(f"Flattening {count} releases to {output_format} with flattentool…"):
                    flatten_release_package(package, out, cast(SpreadsheetFormat, output_format))
    chain, kept = count - imported_count[0], imported_count[0]
    console.print(
        f"{out}: {count} release{'' if count == 1 else 's'}: {chain} of {total} process{'' if total == 1 else 'es'}"
        f" on chain, {kept} imported"
    )


def record(
    ocid: Annotated[str, typer.Argument(help="the process's ocid, e.g. ocds-pl0001-2026-0001")],
    out: Annotated[Path, typer.Option("--out", help="where to write the record package (JSON)")],
) -> None:
    """Write one process's OCDS record package: its releases, and the compiled release ocdsmerge builds of them."""
    settings = settings_from_environment()
    with _mirror(settings) as session:
        published, releases = record_or_imported(
            session, _decoder(settings), DocumentStore(DocumentFiles(settings.documents_dir)), ocid,
            _publication(settings),
        )  # fmt: skip
    package = record_package(_metadata(settings, f"/ocds/records/{published}"), [(published, releases)])
    with _open_for_writing(out) as stream:
        json.dump(package, stream, ensure_ascii=False, indent=2)
    console.print(f"{out}: the record of {published} ({len(releases)} release{'' if len(releases) == 1 else 's'})")


def _write(out: Path, releases: Iterable[Release], metadata: PackageMetadata, total: int) -> int:
    with (
        _open_for_writing(out) as stream,
        Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
        ) as progress,
    ):
        task = progress.add_task(f"Writing the releases of {total} processes…")

        def counted() -> Iterator[Release]:
            for done, release in enumerate(releases, 1):
                if done % 500 == 0:
                    progress.update(task, description=f"Writing the releases of {total} processes… {done} so far")
                yield release

        return write_release_package(stream, counted(), metadata)


def _open_for_writing(out: Path) -> TextIO:
    try:
        return out.open("w", encoding="utf-8")
    except OSError as error:
        raise OcdsError(
            f"cannot write {out} ({error.strerror}); check that its folder exists and is writable"
        ) from None


def _metadata(settings: Settings, path: str) -> PackageMetadata:
    return package_metadata(_api_url(settings) + path, settings.ocds_extension_url)


def _publication(settings: Settings) -> Publication:
    """The configured ocid prefix; documents linked to this ledger's API, which serves the same data."""
    return Publication(settings.ocds_ocid_prefix, _api_url(settings))


def _api_url(settings: Settings) -> str:
    return f"http://{settings.api_host}:{settings.api_port}"


def _decoder(settings: Settings) -> EventDecoder:
    return EventDecoder([load_artifact(settings.artifacts_dir, LEDGER).abi])


@contextmanager
def _mirror(settings: Settings) -> Iterator[Session]:
    """A read session on the migrated mirror; its engine is disposed after."""
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()
