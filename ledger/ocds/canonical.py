"""What an imported OCDS release is anchored as: the SHA-256 of its canonical JSON, and of each document it lists.

Canonical JSON here is the release's value written with object keys sorted (by code point), no whitespace, every
string escaped to ASCII the way Python's `json.dumps` escapes it, and every number as the token the publisher wrote
(`1.2326533E7` stays `1.2326533E7`, never `12326533.0`), in UTF-8 (which is then ASCII). Keeping the token pins
the release as published: a reader who re-parses it with `parse_release` gets the same bytes back, whatever
whitespace, key order or string escapes the copy in hand uses.

A document a release lists (an object of any `documents` array in it) enters the tree as the SHA-256 of that
object's canonical JSON: the file behind its `url` is not at hand when importing, and the object names the url,
title, format and dates the publisher gave it, so its leaf proves what the release said about the document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any


class NumberToken(str):
    """A JSON number as the publisher wrote it, kept as text so no digit or exponent changes."""

    __slots__ = ()


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_release(text: str | bytes, strict: bool = False) -> Any:
    """The value of one JSON text with every number as its NumberToken; raw control characters in strings are
    accepted unless `strict` (many publishers send them), NaN and Infinity never are."""
    return json.loads(text, parse_float=NumberToken, parse_int=NumberToken, parse_constant=_no_constants, strict=strict)


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes of a value parsed by `parse_release` (see the module's docstring)."""
    return "".join(_parts(value)).encode("ascii")


def preserving_json(value: Any) -> bytes:
    """A value parsed by `parse_release` as JSON in its own key order, numbers as written (e.g. an upgraded
    release, kept beside its original)."""
    return "".join(_parts(value, sort_keys=False)).encode("ascii")


def canonical_sha256(value: Any) -> str:
    """The SHA-256 of the value's canonical JSON, as 0x-prefixed hex: the hash a release or document is anchored by."""
    return "0x" + hashlib.sha256(canonical_json(value)).hexdigest()


def listed_documents(release: Any) -> list[Any]:
    """Every object of every `documents` array in the release, in document order (duplicates included)."""
    found: list[Any] = []
    stack = [release]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key in reversed(list(value)):
                child = value[key]
                if key == "documents" and isinstance(child, list):
                    found.extend(item for item in child if isinstance(item, dict))
                stack.append(child)
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return found


def _parts(value: Any, sort_keys: bool = True) -> Iterator[str]:
    if isinstance(value, NumberToken):
        yield str.__str__(value)
    elif isinstance(value, str):
        yield json.dumps(value)
    elif isinstance(value, dict):
        yield "{"
        for position, key in enumerate(sorted(value) if sort_keys else value):
            yield ("," if position else "") + json.dumps(key) + ":"
            yield from _parts(value[key], sort_keys)
        yield "}"
    elif isinstance(value, list):
        yield "["
        for position, item in enumerate(value):
            if position:
                yield ","
            yield from _parts(item, sort_keys)
        yield "]"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif value is None:
        yield "null"
    else:  # only ever a value parse_release did not make
        raise TypeError(f"expected a value parsed by parse_release, got {type(value).__name__}")
