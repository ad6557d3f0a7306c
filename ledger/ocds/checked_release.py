"""One release read from a publication, checked: parsed with its numbers kept as written, its ocid, id and date,
its OCDS version (1.0 is upgraded to 1.1 with ocdskit), the hashes it is anchored by, and what was odd about it.

A release that cannot be used comes back as `Unreadable` with the reason; an odd one that can be used comes back
with notes saying what was done, so the import's summary can report each.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from ocdskit.upgrade import get_ocds_minor_version, upgrade_10_11

from ledger.ocds.canonical import NumberToken, canonical_sha256, listed_documents, parse_release, preserving_json
from ledger.ocds.reading import RawRelease, Unreadable

_ODD_TEXT = re.compile(rb"\\u00[01]|\\u007[fF]|\\u[dD][89a-fA-F]")  # a cheap filter before walking every string


@dataclass(frozen=True)
class CheckedRelease:
    """A release ready to import: verbatim bytes, identity, version, anchored hashes and notes."""

    text: bytes
    where: str
    ocid: str
    release_id: str
    date: str | None
    version: str
    sha256: str  # of the canonical JSON: the release's leaf
    document_hashes: list[str]  # of each listed document's canonical JSON, once each, in order
    upgraded: bytes | None  # the 1.1 form of a 1.0 release (ocdskit), numbers as written
    notes: list[str]


def check_release(raw: RawRelease) -> CheckedRelease | Unreadable:
    """The release, checked; or why it cannot be used."""
    notes: list[str] = []
    try:
        value = _parse(raw.text, notes)
    except (ValueError, RecursionError) as error:
        return Unreadable(raw.where, f"not JSON: {error}")
    if not isinstance(value, dict):
        return Unreadable(raw.where, f"expected a release (a JSON object), got a JSON {_kind(value)}")
    if "ocid" not in value and "url" in value:
        return Unreadable(raw.where, f"a linked release (only its url, {value['url']}): fetch it and import it")
    ocid, problem = _identifier(value, "ocid", notes)
    release_id, id_problem = _identifier(value, "id", notes)
    if problem or id_problem:
        return Unreadable(_named(raw.where, value), problem or id_problem or "")
    date = value.get("date")
    if date is None:
        notes.append("no date: kept, recorded without one")
    elif not isinstance(date, str) or isinstance(date, NumberToken):
        return Unreadable(_named(raw.where, value), f"expected `date` to be a string, got a JSON {_kind(date)}")
    if _ODD_TEXT.search(raw.text):
        notes.extend(_odd_strings(value))
    try:
        sha256 = canonical_sha256(value)
        documents = list(dict.fromkeys(canonical_sha256(document) for document in listed_documents(value)))
    except RecursionError:
        return Unreadable(_named(raw.where, value), "nested too deeply to hash")
    version = raw.version or get_ocds_minor_version(value)
    upgraded = _upgraded(value) if version == "1.0" else None
    if upgraded is None and version == "1.0":
        version = "1.1"  # nothing 1.0 in it (ocdskit guesses 1.0 from a missing `parties`): nothing to upgrade
    elif upgraded is not None:
        notes.append("OCDS 1.0: upgraded to 1.1 with ocdskit; the 1.0 original is what is kept verbatim and anchored")
    return CheckedRelease(
        raw.text, raw.where, ocid, release_id, date, version, sha256, documents, upgraded, notes
    )  # fmt: skip


def _parse(text: bytes, notes: list[str]) -> Any:
    try:
        return parse_release(text, strict=True)
    except ValueError as error:
        if "Invalid control character" not in str(error):
            raise
    value = parse_release(text)
    notes.append("raw control characters inside strings (not allowed in JSON): accepted and kept verbatim")
    return value


def _identifier(value: dict[str, Any], key: str, notes: list[str]) -> tuple[str, str | None]:
    found = value.get(key)
    if isinstance(found, NumberToken) and key == "id":  # many publishers number releases; an ocid has a prefix
        notes.append(f"numeric {key} {found}: kept as published, recorded as the string {str.__str__(found)!r}")
        return str.__str__(found), None
    if isinstance(found, str) and not isinstance(found, NumberToken) and found.strip():
        return found, None
    if found is None:
        return "", f"no `{key}`: a release needs its ocid and id"
    return "", f"expected `{key}` to be a non-empty string, got a JSON {_kind(found)}"


def _odd_strings(value: Any) -> list[str]:
    controls: set[str] = set()
    surrogates = False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not isinstance(item, NumberToken):
            controls.update(f"U+{ord(char):04X}" for char in item if ord(char) < 0x20 or ord(char) == 0x7F)
            surrogates = surrogates or any(0xD800 <= ord(char) <= 0xDFFF for char in item)
    notes = []
    if controls:
        notes.append(f"control characters {', '.join(sorted(controls))} in strings: kept verbatim, escaped when hashed")
    if surrogates:
        notes.append("lone surrogate escapes (\\uD800 to \\uDFFF) in strings: kept verbatim and escaped when hashed")
    return notes


def _upgraded(value: dict[str, Any]) -> bytes | None:
    """The 1.1 form ocdskit makes of a 1.0 release; None when upgrading changes nothing."""
    upgraded = upgrade_10_11(copy.deepcopy(value), reorder=False)
    return None if upgraded == value else preserving_json(upgraded)


def _named(where: str, value: dict[str, Any]) -> str:
    release_id = value.get("id")
    return f"{where} (id {str.__str__(release_id)})" if isinstance(release_id, str) else where


def _kind(value: Any) -> str:
    if isinstance(value, NumberToken):
        return "number"
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )
