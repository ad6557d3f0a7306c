"""A release package as a spreadsheet (CSV files or one XLSX workbook), through the OCDS community's flattentool.

flattentool reads the package as it streams (ijson, spilling to a temporary store), so a large export does not
sit in memory; it is given the patched release schema as a local file, so columns follow the schema (extensions
included) and nothing is fetched.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Literal

import flattentool

from ledger.ocds.patched import patched_release_schema

SpreadsheetFormat = Literal["csv", "xlsx"]
MAIN_SHEET = "releases"


def flatten_release_package(package: Path, out: Path, output_format: SpreadsheetFormat) -> None:
    """Write the release package at `package` as a spreadsheet at `out`: a folder of CSV files (one per sheet,
    `releases.csv` first) or an XLSX workbook; each row of a sub-sheet names its release by `ocid` and `id`."""
    with tempfile.TemporaryDirectory(prefix="procledger-ocds-") as folder:
        schema_file = Path(folder) / "release-schema.json"
        schema_file.write_text(json.dumps(patched_release_schema()), encoding="utf-8")
        flattentool.flatten(
            str(package),
            schema=str(schema_file),
            output_name=str(out),
            output_format=output_format,
            main_sheet_name=MAIN_SHEET,
            root_list_path="releases",
            root_id="ocid",
            remove_empty_schema_columns=True,  # the schema has hundreds of fields a ledger never fills
        )
