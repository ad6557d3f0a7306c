"""Opaque page cursors: the sort key of the last row a client saw, so the next page starts right after it.

A cursor names a position in a stable order, not an offset, so a page never skips or repeats a row when rows are
added before it. It is URL-safe base64 of JSON, and says what it was made for, so a cursor of one listing given
to another is refused rather than misread.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from ledger.errors import InvalidCursorError

Key = tuple[int | str, ...]


def encode_cursor(kind: str, key: Sequence[int | str]) -> str:
    """The cursor that resumes listing `kind` right after the row with sort key `key`."""
    payload = json.dumps([kind, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, shape: Sequence[type]) -> Key:
    """The sort key inside `cursor`, checked to be one of `kind`'s with the types `shape`."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("the cursor is not one this API gave out; start again without it") from exc
    if not isinstance(payload, list) or not payload or payload[0] != kind:
        raise InvalidCursorError(f"this cursor belongs to another listing, not {kind}; start again without it")
    key = payload[1:]
    if len(key) != len(shape) or not all(type(value) is expected for value, expected in zip(key, shape, strict=True)):
        raise InvalidCursorError("the cursor is damaged; start again without it")
    return tuple(key)
