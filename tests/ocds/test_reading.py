"""Reading OCDS files as a stream of verbatim releases, and the canonical JSON they are anchored by: no chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.ocds import reading
from ledger.ocds.canonical import canonical_json, canonical_sha256, listed_documents, parse_release
from ledger.ocds.reading import PackageSeen, RawRelease, Unreadable, read_publication
from tests.ocds.cli import FICTIONAL, RELEASE_FILES


def _releases(path: Path) -> list[bytes]:
    return [item.text for item in read_publication(path) if isinstance(item, RawRelease)]


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_each_number_as_written() -> None:
    value = parse_release(b'{ "b" : 1.2326533E7, "a" : [1, -0.50, 2e-3], "c": "\\u00e9\\/" }')
    assert canonical_json(value) == b'{"a":[1,-0.50,2e-3],"b":1.2326533E7,"c":"\\u00e9/"}'
    same = parse_release('{"c":"é/","a":[1,-0.50,2e-3],"b":1.2326533E7}'.encode())
    assert canonical_sha256(same) == canonical_sha256(value)
    assert canonical_sha256(parse_release(b'{"b":12326533}')) != canonical_sha256(parse_release(b'{"b":1.2326533E7}'))


def test_nan_and_infinity_are_not_json_numbers() -> None:
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        parse_release(b'{"amount": NaN}')


def test_listed_documents_are_every_object_of_every_documents_array_in_document_order() -> None:
    release = parse_release(RELEASE_FILES[5].read_bytes())["releases"][0]
    found = listed_documents(release)
    assert found and all(isinstance(document, dict) and "id" in document for document in found)
    nested = {"tender": {"documents": [{"id": "1"}, "x"]}, "awards": [{"documents": [{"id": "2"}]}]}
    assert listed_documents(nested) == [{"id": "1"}, {"id": "2"}]


def test_a_release_package_gives_each_release_byte_for_byte_whatever_the_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = RELEASE_FILES[1]
    whole = _releases(path)
    assert [json.loads(text) for text in whole] == json.loads(path.read_text())["releases"]
    assert whole[0] in path.read_bytes()  # the slice of the file, untouched
    monkeypatch.setattr(reading, "CHUNK", 7)  # every value now spans many reads
    assert _releases(path) == whole


def test_a_record_package_gives_its_records_releases_and_reports_its_package() -> None:
    items = list(read_publication(FICTIONAL / "record" / "ocds-213czf-000-00001.json"))
    releases = [item for item in items if isinstance(item, RawRelease)]
    assert [item.where for item in releases] == [f"record 1, release {n}" for n in range(1, 7)]
    assert isinstance(items[-1], PackageSeen)


def test_json_lines_go_on_after_a_broken_line_and_arrays_and_bare_releases_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"ocid":"o","id":"1"}\n{"ocid": "o", "id": \n[{"ocid":"o","id":"2"}, 3]\n\n'
        b'{"releases":[{"ocid":"o","id":"4"}],"version":"1.1"}\n'
    )
    items = list(read_publication(path))
    assert items == [
        RawRelease(b'{"ocid":"o","id":"1"}', "line 1", None),
        Unreadable("line 2", "not JSON at byte 21 of the line: expected a value, got the end of the input"),
        RawRelease(b'{"ocid":"o","id":"2"}', "line 3, item 1", None),
        Unreadable("line 3, item 2", "expected a package or a release (a JSON object), got 3"),
        RawRelease(b'{"ocid":"o","id":"4"}', "line 5, release 1", None),  # the version comes too late to say
        PackageSeen("line 5", "1.1", [], None),
    ]


def test_a_package_whose_releases_are_no_array_is_one_unreadable_item(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text('{"version": "1.1", "releases": {"ocid": "o", "id": "1"}}')
    assert list(read_publication(path)) == [
        Unreadable("the package", 'expected `releases` to be an array, got {"ocid": "o", "id": "1"}')
    ]


def test_a_file_that_is_not_json_is_one_unreadable_item(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("minutes of the evaluation committee, 3 pages\n" * 1000)
    assert list(read_publication(path)) == [Unreadable("byte 0", "not JSON: it starts with minutes")]
