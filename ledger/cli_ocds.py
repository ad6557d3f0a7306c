"""`procledger ocds …`: the ledger in the Open Contracting Data Standard, and OCDS data checked against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ledger.cli_ocds_export import export, record
from ledger.cli_ocds_import import import_command
from ledger.cli_ocds_proof import proof_command
from ledger.errors import OcdsError
from ledger.ocds.patched import patched_release_schema, shipped_extensions
from ledger.ocds.schemas import RECORD_PACKAGE, RELEASE_PACKAGE, problems
from ledger.settings import settings_from_environment

ocds_app = typer.Typer(help="Publish the ledger as OCDS 1.1, and check or anchor existing OCDS publications.")
console = Console(stderr=True)
SHOWN_PROBLEMS = 20  # a broken package can break the schema thousands of times; the first ones say what is wrong
ocds_app.command("import")(import_command)
ocds_app.command("proof")(proof_command)


@ocds_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="a release package or record package (JSON)")],
) -> None:
    """Check a release or record package against the official OCDS 1.1.5 schema, offline."""
    package = _load(file)
    kind, schema_name = ("record", RECORD_PACKAGE) if "records" in package else ("release", RELEASE_PACKAGE)
    # The extensions this ledger ships (bids, chain evidence) add fields with rules of their own: check those too.
    shipped = shipped_extensions(package.get("extensions"), settings_from_environment().ocds_extension_url)
    found = list(problems(package, schema_name, patched_release_schema() if shipped else None))
    if found:
        for problem in found[:SHOWN_PROBLEMS]:
            console.print(f"  {problem}", markup=False, highlight=False)
        more = f" (the first {SHOWN_PROBLEMS} are shown)" if len(found) > SHOWN_PROBLEMS else ""
        counted = f"{len(found)} problem{'' if len(found) == 1 else 's'}"
        raise OcdsError(f"{file} is not a valid OCDS 1.1.5 {kind} package: {counted}{more}")
    count = len(package.get(f"{kind}s") or [])
    patched = f" with its extensions ({', '.join(shipped)})" if shipped else ""
    console.print(f"{file}: a valid OCDS 1.1.5 {kind} package{patched} ({count} {kind}{'' if count == 1 else 's'})")


def _load(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as stream:
            loaded = json.load(stream)
    except OSError as error:
        raise OcdsError(f"cannot read {file} ({error.strerror}); check the path") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise OcdsError(f"{file} is not JSON ({error}); an OCDS package is one JSON object") from None
    if not isinstance(loaded, dict) or not ({"releases", "records"} & loaded.keys()):
        raise OcdsError(f"{file} is not an OCDS package: expected a JSON object with `releases` or `records`")
    return loaded


ocds_app.command("export")(export)
ocds_app.command("record")(record)
