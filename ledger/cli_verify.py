"""`procledger verify` and `procledger audit`: check a process against the chain alone, and the mirror against
the chain. Rendering only; the checks are ledger.verify's and ledger.audit's."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledger.audit import AuditReport, audit_all, audit_process
from ledger.chain.client import connect
from ledger.cli_ocds_proof import verify_release_command
from ledger.errors import InvalidRequestError, LedgerError, VerificationError
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine
from ledger.verify import ChainSource, ReplayedState, chain_source, verify_documents, verify_process

verify_app = typer.Typer(help="Check a procurement against the chain alone: no mirror, no API.", no_args_is_help=True)
verify_app.command("ocds-release")(verify_release_command)
out = Console(soft_wrap=True)


class AuditFailedError(LedgerError):
    """The mirror differs from the chain; the differences were printed."""


def _source(settings: Settings) -> ChainSource:
    return chain_source(settings, connect(settings.rpc_url))


@verify_app.command("process")
def verify_process_command(
    ocid: Annotated[str, typer.Argument(help="the process's ocid, e.g. ocds-pl0001-2026-0001")],
    documents: Annotated[
        Path | None,
        typer.Option(help="a folder of the process's documents with their procledger-documents.json manifest"),
    ] = None,
) -> None:
    """Replay a process from the chain's events, check every rule the contracts promise, and print its state."""
    settings = settings_from_environment()
    source = _source(settings)
    state = verify_process(source, ocid)
    _print_state(state, ocid)
    checked = ""
    if documents is not None:
        verified = verify_documents(source, documents)
        table = Table("file", "SHA-256", "leaf", "anchored root", "anchoring tx", title="documents")
        for document in verified:
            leaf = f"{document.leaf_index}/{document.tree_size}"
            table.add_row(document.file, document.sha256, leaf, document.root, document.tx_hash)
        out.print(table)
        checked = f"; {len(verified)} document(s) match their anchored roots"
    done = f"verified: {ocid} replayed from {state.events} event(s) up to block {state.head}"
    out.print(f"{done}; every invariant holds{checked}")


def _print_state(state: ReplayedState, ocid: str) -> None:
    process = next((row for row in state.rows("processes") if row["ocid"] == ocid), None)
    if process is None:
        raise VerificationError(f"expected the replay to hold process {ocid}, got none")
    table = Table("field", "value", "set by (tx, log)", title=f"process {ocid}, replayed from the chain")
    key = (process["process_id"],)
    for column, value in process.items():
        evidence = state.evidence("processes", key, column)
        table.add_row(column, _text(value), f"{evidence.tx_hash}:{evidence.log_index}" if evidence else "")
    out.print(table)
    counts = Table("table", "rows", title="rows replayed")
    for name in sorted(state.tables):
        counts.add_row(name, str(len(state.tables[name])))
    out.print(counts)
    stages = " → ".join(stage for stage, _ in state.stages.get(process["process_id"], []))
    out.print(f"stages: {stages}")


def audit(
    ocid: Annotated[str | None, typer.Argument(help="the process to audit")] = None,
    all_processes: Annotated[bool, typer.Option("--all", help="audit every process, in one bulk replay")] = False,
) -> None:
    """Compare the mirror with the chain, field by field; exits non-zero when any fact differs."""
    if (ocid is None) == (not all_processes):
        raise InvalidRequestError(
            "give an ocid or --all (not both): `procledger audit OCID` or `procledger audit --all`"
        )
    settings = settings_from_environment()
    started = time.monotonic()
    report = audit_report(settings, ocid)
    print_audit(report, time.monotonic() - started)
    if not report.consistent:
        raise AuditFailedError(
            f"expected the mirror to match the chain, got {len(report.differences)} difference(s) (listed above); "
            "`procledger reindex` rebuilds the mirror from the chain"
        )


def audit_report(settings: Settings, ocid: str | None) -> AuditReport:
    """The audit of one process, or of all (ocid None), of the mirror the settings name."""
    engine = make_engine(settings.database_url)
    try:
        source = _source(settings)
        return audit_process(source, engine, ocid) if ocid is not None else audit_all(source, engine)
    finally:
        engine.dispose()


def print_audit(report: AuditReport, seconds: float | None = None) -> None:
    """The differences as a table, then one line of verdict."""
    if report.differences:
        table = Table("table", "key", "field", "chain", "mirror", "evidence (tx, log)", title="chain vs mirror")
        for item in report.differences:
            key = ", ".join(f"{name}={value}" for name, value in item.key.items())
            evidence = f"{item.tx_hash}:{item.log_index}"
            table.add_row(item.table, key, item.field, _text(item.chain), _text(item.mirror), evidence)
        out.print(table)
    took = f" in {seconds:.2f} s" if seconds is not None else ""
    verdict = "consistent" if report.consistent else f"INCONSISTENT: {len(report.differences)} difference(s)"
    out.print(
        f"audit of {len(report.processes)} process(es), {report.rows} row(s) from {report.events} event(s) "
        f"up to block {report.head}{took}: {verdict}"
    )


def _text(value: Any) -> Text:
    return Text("—" if value is None else str(value))
