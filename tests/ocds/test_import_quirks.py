"""What real publishers send, imported as a user imports it: every odd release reported with what was done, every
unusable one skipped with its reason, and the good releases of a mixed or broken file imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ledger.chain.deployment import Deployment
from ledger.settings import Settings
from tests.bench.scripts import load_bench_script
from tests.helpers import PROJECT_DIR
from tests.ocds.cli import procledger, releases_back, texts_back
from tests.test_cli import MAIN, _environment, deployed  # noqa: F401  (fixture)
from tests.test_cli_gateway import SECRET

OCID = "ocds-quirks-0001"
MEASURED = load_bench_script("ocds_import").MEASURED  # runs a command and writes its own peak memory
FLOAT = b'{"ocid":"ocds-quirks-0001","id":"float","date":"2024-01-02T00:00:00Z","tag":["award"],"awards":[{"id":"1","value":{"amount":1.2326533E7,"currency":"GBP"}}]}'  # noqa: E501


def _release(release_id: Any, **fields: Any) -> dict[str, Any]:
    return {"ocid": OCID, "id": release_id, "date": "2024-01-01T00:00:00Z", "tag": ["tender"], **fields}


def _line(value: Any) -> bytes:
    return json.dumps(value).encode()


def _summary(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("summary: "))


def test_each_quirk_is_reported_with_what_was_done_and_the_usable_releases_are_imported(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    no_date = _release("no-date")
    del no_date["date"]
    package = {
        "version": "1.1", "extensions": ["https://example.com/ocds_bid_extension/extension.json"],
        "links": {"next": "https://example.com/releases?page=2"},
        "releases": [_release("in-a-package")],
    }  # fmt: skip
    record_package = {"version": "1.1", "records": [{"ocid": OCID, "releases": [{"url": "https://example.com/r#1"}]}]}
    lines = [
        FLOAT,  # a float written with an exponent
        _line(_release(42)),  # a numeric id
        _line(no_date),
        _line(_release("twice", tender={"title": "first"})),
        _line(_release("twice", tender={"title": "second"})),  # same id, other content
        # a raw tab inside a string (not allowed in JSON), a bell escaped, a lone surrogate, an escaped slash
        b'{"ocid":"ocds-quirks-0001","id":"odd","date":"2024-01-01T00:00:00Z","tender":{"title":"a\tb \\u0007 \\ud800 \\/"}}',  # noqa: E501
        b'{"ocid": "ocds-quirks-0001", "id": "broken", ',  # broken JSON
        _line({"ocid": ["not", "a", "string"], "id": "wrong-ocid"}),  # wrong types
        _line(_release("wrong-date", date=20240101)),
        _line("a string, not a release"),
        _line(package),  # links.next and an extension
        _line(record_package),  # a linked release only
    ]
    path = tmp_path / "quirks.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    stdout = procledger(settings, "ocds", "import", str(path), "--report", str(tmp_path / "report.json")).stdout

    assert _summary(stdout).startswith("summary: 7 imported, 0 already imported, 5 skipped"), stdout
    assert "skipped line 7: not JSON at byte 46 of the line: expected a member name, got the end of the input" in stdout
    assert "skipped line 8 (id wrong-ocid): expected `ocid` to be a non-empty string, got a JSON array" in stdout
    assert "skipped line 9 (id wrong-date): expected `date` to be a string, got a JSON number" in stdout
    assert 'skipped line 10: not JSON: it starts with "a string, not a' in stdout
    assert "skipped line 12, record 1, release 1: a linked release (only its url, https://example.com/r#1)" in stdout
    assert "note: numeric id 42: kept as published, recorded as the string '42' — 1 release(s)" in stdout
    assert f"note: no date: kept, recorded without one — 1 release(s): {OCID} / no-date (line 3)" in stdout
    assert "note: another release already has this ocid and id (import 4) with other content: both kept" in stdout
    assert "note: raw control characters inside strings (not allowed in JSON): accepted and kept verbatim" in stdout
    assert "note: control characters U+0007, U+0009 in strings: kept verbatim, escaped when hashed" in stdout
    assert "note: lone surrogate escapes" in stdout
    assert "not followed: line 11 has links.next https://example.com/releases?page=2; import that page separately" in (
        stdout
    )
    assert "extensions: line 11 declares 1 (https://example.com/ocds_bid_extension/extension.json)" in stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["skipped"]) == 5 and report["imported"] == 7

    texts = texts_back(settings)
    assert texts[0] == FLOAT  # byte for byte: 1.2326533E7 as published
    assert lines[5] in texts
    back = releases_back(settings)
    assert [release["id"] for release in back] == ["float", 42, "no-date", "twice", "odd", "in-a-package"]
    duplicates = releases_back(settings, include_duplicates=True)
    assert [release["tender"]["title"] for release in duplicates if release["id"] == "twice"] == ["first", "second"]
    for release_id in ("float", "42", "odd"):
        assert "verified: release" in procledger(settings, "verify", "ocds-release", release_id).stdout

    exported = tmp_path / "exported.json"
    procledger(settings, "ocds", "export", "--out", str(exported))
    text = exported.read_text()
    assert '"amount":1.2326533E7' in text  # published again as written
    assert [release["id"] for release in json.loads(text)["releases"]] == [release["id"] for release in back]
    assert json.loads(text)["releases"] == back  # control characters escaped: the same values


def test_a_package_broken_halfway_keeps_the_releases_before_the_break(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    good = [_release(f"r{index}") for index in range(3)]
    text = json.dumps({"version": "1.1", "releases": [*good, _release("cut")]}, indent=2)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"cut"') + 10])  # the download stopped in the fourth release
    stdout = procledger(settings, "ocds", "import", str(path)).stdout
    assert _summary(stdout).startswith("summary: 3 imported, 0 already imported, 1 skipped"), stdout
    assert "1 bracket(s) never close, got the end of the input; nothing after it could be read" in stdout
    assert releases_back(settings) == good


def test_wrong_types_in_a_package_skip_those_releases_only(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    releases = [_release("a"), "not an object", 12, {"ocid": 7, "id": "b"}, _release(None), _release("c")]
    path = tmp_path / "types.json"
    path.write_text(json.dumps({"version": "1.1", "releases": releases}))
    stdout = procledger(settings, "ocds", "import", str(path)).stdout
    assert _summary(stdout).startswith("summary: 2 imported, 0 already imported, 4 skipped"), stdout
    assert "skipped release 2: expected a release (a JSON object), got a JSON string" in stdout
    assert "skipped release 3: expected a release (a JSON object), got a JSON number" in stdout
    assert "skipped release 4 (id b): expected `ocid` to be a non-empty string, got a JSON number" in stdout
    assert "skipped release 5: no `id`: a release needs its ocid and id" in stdout
    assert [release["id"] for release in releases_back(settings)] == ["a", "c"]


def test_a_50_mb_file_streams_and_its_good_releases_are_imported_around_a_broken_line(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = tmp_path / "large.jsonl"
    description = "Resurfacing of the ring road, lot by lot. " * 24_000  # ~1 MB per release
    with path.open("wb") as out:
        for index in range(50):
            out.write(_line(_release(f"large-{index}", tender={"description": f"{index} {description}"})) + b"\n")
            if index == 25:
                out.write(b'{"ocid": "ocds-quirks-0001", "id": "torn", "tender": {"description": "cut off\n')
    assert path.stat().st_size > 50 * 10**6
    output, peak = tmp_path / "import.out", tmp_path / "import.peak"
    with output.open("w") as out:  # a process of its own, to read its own peak memory (see MEASURED)
        done = subprocess.run(
            [sys.executable, "-c", MEASURED, str(peak), *MAIN, "ocds", "import", str(path)],
            env={**os.environ, **_environment(settings, **SECRET)}, cwd=PROJECT_DIR, stdout=out,
            stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    stdout = output.read_text()
    assert done.returncode == 0, stdout
    # streamed: the command's own ~110 MiB and a few releases, never the 50 MB file parsed
    assert int(peak.read_text()) * 1024 < 220 * 2**20, peak.read_text()  # 174 MiB measured; json.load adds ~150
    assert _summary(stdout).startswith("summary: 50 imported, 0 already imported, 1 skipped"), stdout
    assert "skipped line 27: not JSON at byte " in stdout
    assert len(texts_back(settings)) == 50
