"""The official OCDS 1.1.5 schemas as the project ships them: the fictional example validates offline, a broken
package is told apart from a good one, and `procledger ocds validate` says which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.ocds.schemas import RECORD_PACKAGE, RELEASE_PACKAGE, problems, schema
from ledger.settings import Settings
from tests.test_cli import _fails
from tests.test_cli_gateway import _run

EXAMPLE = Path(__file__).parent.parent / "assets" / "ocds" / "fictional-1.1"
RELEASE_FILES = sorted(EXAMPLE.glob("ocds-213czf-000-00001-0*.json"))


def test_the_shipped_schemas_are_the_official_1_1_5_with_their_licence() -> None:
    assert (
        schema(RELEASE_PACKAGE)["id"]
        == "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json"
    )
    licence = Path(__file__).parent.parent.parent / "ledger" / "ocds" / "schema" / "LICENSE"
    assert "Open Contracting Partnership" in licence.read_text()


@pytest.mark.parametrize(
    "path", [*RELEASE_FILES, EXAMPLE / "record" / "ocds-213czf-000-00001.json"], ids=lambda p: p.name
)
def test_the_fictional_example_is_valid_offline(path: Path) -> None:
    package = json.loads(path.read_text())
    assert list(problems(package, RECORD_PACKAGE if "records" in package else RELEASE_PACKAGE)) == []


def test_a_broken_release_is_reported_at_its_path() -> None:
    package = json.loads(RELEASE_FILES[0].read_text())
    package["releases"][0]["ocid"] = 42
    del package["releases"][0]["tag"]
    found = list(problems(package, RELEASE_PACKAGE))
    assert "/releases/0: 'tag' is a required property" in found
    assert "/releases/0/ocid: 42 is not of type 'string'" in found


def test_the_validate_command_accepts_the_example_and_lists_what_breaks_a_package(
    settings: Settings, tmp_path: Path
) -> None:
    good = _run(settings, "ocds", "validate", str(RELEASE_FILES[1])).stderr
    assert "a valid OCDS 1.1.5 release package (1 release)" in good
    record = _run(settings, "ocds", "validate", str(EXAMPLE / "record" / "ocds-213czf-000-00001.json")).stderr
    assert "a valid OCDS 1.1.5 record package (1 record)" in record

    broken = json.loads(RELEASE_FILES[0].read_text())
    broken["releases"][0]["date"] = 20260101
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    error = _fails(settings, "ocds", "validate", str(tmp_path / "broken.json"))
    assert error == f"error: {tmp_path / 'broken.json'} is not a valid OCDS 1.1.5 release package: 1 problem"
    (tmp_path / "not.json").write_text("this is not JSON {")
    assert "is not JSON" in _fails(settings, "ocds", "validate", str(tmp_path / "not.json"))
    (tmp_path / "list.json").write_text("[1, 2]")
    assert "is not an OCDS package" in _fails(settings, "ocds", "validate", str(tmp_path / "list.json"))
