"""`procledger ocds export` and `procledger ocds record`, run as a user runs them, over a mirror of the demo data
alone: valid packages, spreadsheets, the publisher prefix, and failures that say what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ocdsmerge
import pytest

from ledger.demo import DEMO_PROCESSES, load_demo_data
from ledger.indexer.runner import build_indexer
from ledger.ocds.patched import patched_release_schema
from ledger.ocds.schemas import RECORD_PACKAGE, RELEASE_PACKAGE, problems
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from tests.helpers import PROJECT_DIR, deployed_chain, free_port
from tests.test_cli import _fails
from tests.test_cli_gateway import _run


@pytest.fixture(scope="module")
def demo_only(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Settings]:
    """A chain holding the demo data alone (`procledger demo`), mirrored into SQLite."""
    data_dir = tmp_path_factory.mktemp("ocds-cli") / "data"
    settings = Settings(project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port(), api_port=free_port())
    with deployed_chain(settings) as (w3, ledger):
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        load_demo_data(settings, ledger, engine)
        build_indexer(settings, w3, engine).catch_up()
        engine.dispose()
        yield settings


def test_export_writes_the_demo_as_a_valid_release_package(demo_only: Settings, tmp_path: Path) -> None:
    out = tmp_path / "releases.json"
    done = _run(demo_only, "ocds", "export", "--out", str(out))
    package = json.loads(out.read_text(encoding="utf-8"))
    assert list(problems(package, RELEASE_PACKAGE, patched_release_schema())) == []
    assert {release["ocid"] for release in package["releases"]} == {process.ocid for process in DEMO_PROCESSES}
    assert (
        f"{len(package['releases'])} releases: {len(package['releases'])} of 3 processes on chain, 0 imported"
        in done.stderr
    )
    checked = _run(demo_only, "ocds", "validate", str(out))
    assert "a valid OCDS 1.1.5 release package with its extensions (bids, chain)" in checked.stderr


def test_validate_checks_the_fields_of_the_shipped_extensions(demo_only: Settings, tmp_path: Path) -> None:
    out = tmp_path / "releases.json"
    _run(demo_only, "ocds", "export", "--out", str(out))
    package = json.loads(out.read_text(encoding="utf-8"))
    package["releases"][0]["planning"]["documents"][0]["sha256"] = "not a hash"
    out.write_text(json.dumps(package), encoding="utf-8")
    error = _fails(demo_only, "ocds", "validate", str(out))
    assert "is not a valid OCDS 1.1.5 release package: 1 problem" in error


def test_export_puts_the_configured_publisher_prefix_before_chain_ocids(demo_only: Settings, tmp_path: Path) -> None:
    out = tmp_path / "releases.json"
    _run(demo_only, "ocds", "export", "--out", str(out), PROCLEDGER_OCDS_OCID_PREFIX="ocds-213czf")
    ocids = {release["ocid"] for release in json.loads(out.read_text(encoding="utf-8"))["releases"]}
    assert ocids == {f"ocds-213czf-{process.ocid}" for process in DEMO_PROCESSES}


def test_export_as_csv_and_xlsx_writes_flattentool_spreadsheets(demo_only: Settings, tmp_path: Path) -> None:
    _run(demo_only, "ocds", "export", "--format", "csv", "--out", str(tmp_path / "csv"))
    header = (tmp_path / "csv" / "releases.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("ocid,id,date,tag")
    _run(demo_only, "ocds", "export", "--format", "xlsx", "--out", str(tmp_path / "releases.xlsx"))
    assert (tmp_path / "releases.xlsx").read_bytes()[:2] == b"PK"  # a zip: the workbook


def test_record_writes_a_record_package_compiled_by_ocdsmerge(demo_only: Settings, tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    _run(demo_only, "ocds", "record", DEMO_PROCESSES[1].ocid, "--out", str(out))
    package = json.loads(out.read_text(encoding="utf-8"))
    assert list(problems(package, RECORD_PACKAGE, patched_release_schema())) == []
    (record,) = package["records"]
    merger = ocdsmerge.Merger(patched_release_schema())
    assert record["compiledRelease"] == merger.create_compiled_release(record["releases"])


def test_record_of_an_unknown_ocid_fails_saying_how_to_find_one(demo_only: Settings, tmp_path: Path) -> None:
    error = _fails(demo_only, "ocds", "record", "ocds-pl0001-2099-0001", "--out", str(tmp_path / "record.json"))
    assert "no procurement process with ocid 'ocds-pl0001-2099-0001'" in error
    assert "procledger ocds export" in error


def test_export_refuses_an_unknown_format_and_an_unwritable_path(demo_only: Settings, tmp_path: Path) -> None:
    error = _fails(demo_only, "ocds", "export", "--format", "pdf", "--out", str(tmp_path / "x.pdf"))
    assert "unknown format 'pdf': choose json, csv or xlsx" in error
    error = _fails(demo_only, "ocds", "export", "--out", str(tmp_path / "missing" / "releases.json"))
    assert "cannot write" in error and "check that its folder exists" in error


def test_export_of_an_empty_mirror_fails_saying_to_index_first(settings: Settings, built: None) -> None:
    error = _fails(settings, "ocds", "export", "--out", str(settings.data_dir / "releases.json"))
    assert "holds no procurement process" in error and "`procledger index`" in error
