"""Read OCDS publications as a stream of releases, each as the exact bytes its publisher wrote.

A file may be a release package, a record package (its records' `releases` are read; compiled and versioned
releases are not: they are derived, not published), a bare release, a JSON array of any of these, or JSON Lines
(one per line), or several such values one after another. Nothing holds more than one release (or one record) in
memory: a small structural scanner walks the bytes, finds where each release starts and ends, and hands over that
slice verbatim. ijson was the first choice, but it gives numbers as Decimal and loses how they were written
(`1.2326533E7`), which an import that keeps publications exactly must not.

What cannot be read is yielded as `Unreadable` with where and why, and reading goes on where it can: at the next
line of JSON Lines, at the next release of a package. A package broken in its structure cannot be resynchronised,
so its releases after the break are reported as unreadable together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20
_SPECIAL = re.compile(rb'[\[\]{}"]')
_IN_STRING = re.compile(rb'["\\]')
_SCALAR_END = re.compile(rb"[,\]}\s]")
_SPACE = b" \t\r\n"
_CONTAINERS = ("releases", "records")


@dataclass(frozen=True)
class RawRelease:
    """A release exactly as published, where it was found, and its package's declared OCDS version (None: none
    declared before it)."""

    text: bytes
    where: str
    version: str | None


@dataclass(frozen=True)
class PackageSeen:
    """A package's metadata that the import reports on: its version, extensions and next page."""

    where: str
    version: str | None
    extensions: list[Any] = field(default_factory=list)
    next_page: Any = None


@dataclass(frozen=True)
class Unreadable:
    """Something that could not be read as a release, where, and why."""

    where: str
    reason: str


Item = RawRelease | PackageSeen | Unreadable


class _Broken(Exception):
    """The bytes stop being JSON at `offset`."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"not JSON at byte {offset}: {reason}")
        self.offset = offset
        self.reason = reason


def read_publication(path: Path, on_progress: Callable[[int], None] | None = None) -> Iterator[Item]:
    """Every release (and package, and what could not be read) of an OCDS file, in file order."""
    with path.open("rb") as stream:
        if _is_json_lines(stream):
            yield from _lines(stream, on_progress)
        else:
            scanner = _Scanner(stream, on_progress)
            try:
                yield from _top_values(scanner, "")
            except _Broken as error:
                yield Unreadable(f"byte {error.offset}", f"{error}; nothing after it could be read")


def _is_json_lines(stream: BinaryIO) -> bool:
    """Whether the first line is a whole JSON value and more follows: then each line is read on its own."""
    head = stream.read(CHUNK)
    stream.seek(0)
    first, newline, rest = head.partition(b"\n")
    if not newline or not rest.strip():
        return False
    try:
        json.loads(first.removeprefix(b"\xef\xbb\xbf"), strict=False)
    except ValueError:
        return False
    return True


def _lines(stream: BinaryIO, on_progress: Callable[[int], None] | None) -> Iterator[Item]:
    read = 0
    for number, line in enumerate(stream, start=1):
        read += len(line)
        if on_progress is not None:
            on_progress(read)
        if not line.strip():
            continue
        try:
            yield from _top_values(_Scanner(BytesIO(line), None), f"line {number}, ")
        except _Broken as error:
            yield Unreadable(f"line {number}", f"not JSON at byte {error.offset} of the line: {error.reason}")


def _top_values(scanner: _Scanner, prefix: str) -> Iterator[Item]:
    scanner.skip_bom()
    first = scanner.peek()
    if first is not None and first not in (b"{", b"["):
        yield Unreadable(prefix.rstrip(", ") or "byte 0", f"not JSON: it starts with {_shown(scanner.value())}")
        return
    count = 0
    while scanner.peek() is not None:
        count += 1
        yield from _value(scanner, f"{prefix}value {count}" if count > 1 else prefix.rstrip(", "))


def _value(scanner: _Scanner, where: str) -> Iterator[Item]:
    """A top-level value: a package (streamed), a release, or an array of either."""
    first = scanner.peek()
    if first == b"[":
        for index, element in enumerate(scanner.elements(), start=1):
            yield from _value(_Scanner(BytesIO(element), None), _at(where, f"item {index}"))
        return
    if first != b"{":
        text = scanner.value()
        yield Unreadable(where, f"expected a package or a release (a JSON object), got {_shown(text)}")
        return
    seen: dict[str, Any] = {}
    streamed = False
    not_array: tuple[str, bytes] | None = None  # a package's `releases` or `records` that is no array
    start = scanner.mark()
    for key in scanner.members():
        if key in _CONTAINERS and scanner.peek() == b"[":
            if not streamed:
                scanner.unmark()
                streamed = True
            yield from _container(scanner, key, where, seen)
        else:
            raw = scanner.value()
            if key in ("version", "extensions", "links"):
                seen[key] = _loads(raw)
            elif key in _CONTAINERS:
                not_array = (key, raw)
    if not streamed and not_array is not None:
        scanner.unmark()
        key, raw = not_array
        yield Unreadable(where or "the package", f"expected `{key}` to be an array, got {_shown(raw)}")
        return
    if not streamed:
        yield RawRelease(scanner.since(start), where or "the release", None)
        return
    links = seen.get("links")
    next_page = links.get("next") if isinstance(links, dict) else None
    extensions = seen.get("extensions")
    declared = extensions if isinstance(extensions, list) else []
    yield PackageSeen(where or "the package", _version(seen), declared, next_page)


def _container(scanner: _Scanner, key: str, where: str, seen: dict[str, Any]) -> Iterator[Item]:
    label = "release" if key == "releases" else "record"
    for index, element in enumerate(scanner.elements(), start=1):
        here = _at(where, f"{label} {index}")
        if key == "releases":
            yield RawRelease(element, here, _version(seen))
        else:
            yield from _record(element, here, _version(seen))


def _record(text: bytes, where: str, version: str | None) -> Iterator[Item]:
    scanner = _Scanner(BytesIO(text), None)
    if scanner.peek() != b"{":
        yield Unreadable(where, f"expected a record (a JSON object), got {_shown(text)}")
        return
    found = False
    try:
        for key in scanner.members():
            if key == "releases" and scanner.peek() == b"[":
                found = True
                for index, element in enumerate(scanner.elements(), start=1):
                    yield RawRelease(element, _at(where, f"release {index}"), version)
            else:
                scanner.value()
    except _Broken as error:
        yield Unreadable(where, str(error))
    if not found:
        yield Unreadable(where, "expected a record with a `releases` array, got none")


def _version(seen: dict[str, Any]) -> str | None:
    """A package's OCDS version as declared so far; None when not (yet) declared: 1.0 packages declare none, and a
    `version` after the releases comes too late for a stream, so the release itself then decides."""
    version = seen.get("version")
    return version if isinstance(version, str) else None


def _at(where: str, part: str) -> str:
    return f"{where}, {part}" if where else part


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw, strict=False)
    except (ValueError, RecursionError):
        return None


def _shown(text: bytes) -> str:
    shown = text[:40].decode("utf-8", "replace")
    return shown + ("…" if len(text) > 40 else "")


class _Scanner:
    """A buffered walk over JSON bytes that finds where values start and end, without building them."""

    def __init__(self, stream: BinaryIO, on_progress: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._on_progress = on_progress
        self._buffer = b""
        self._pos = 0
        self._offset = 0  # the stream offset of _buffer[0]
        self._keep: int | None = None  # a buffer index that must not be dropped (the start of a marked value)
        self._eof = False

    def skip_bom(self) -> None:
        if self._available(3) and self._buffer.startswith(b"\xef\xbb\xbf", self._pos):
            self._pos += 3

    def peek(self) -> bytes | None:
        """The next byte that is not whitespace, not consumed; None at the end."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _SPACE:
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos : self._pos + 1]
            if not self._fill():
                return None

    def mark(self) -> int:
        """Keep the bytes from here on in memory, and return where here is (see `since`)."""
        self.peek()
        self._keep = self._pos
        return self._offset + self._pos

    def unmark(self) -> None:
        self._keep = None

    def since(self, start: int) -> bytes:
        """The bytes from a mark to here."""
        self._keep = None
        return self._buffer[start - self._offset : self._pos]

    def members(self) -> Iterator[str]:
        """The keys of the object starting here, each positioned before its value (which the caller consumes)."""
        self._expect(b"{")
        if self.peek() == b"}":
            self._pos += 1
            return
        while True:
            if self.peek() != b'"':
                self._fail("expected a member name")
            key = json.loads(self.value(), strict=False)
            self._expect(b":")
            yield str(key)
            if self._separator(b"}"):
                return

    def elements(self) -> Iterator[bytes]:
        """The raw bytes of each element of the array starting here."""
        self._expect(b"[")
        if self.peek() == b"]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self._separator(b"]"):
                return

    def value(self) -> bytes:
        """The raw bytes of the value starting here, consumed."""
        first = self.peek()
        if first is None:
            self._fail("expected a value")
        keep = self._keep
        self._keep = self._pos if keep is None else keep
        start = self._offset + self._pos
        if first == b'"':
            self._pos += 1
            self._skip_string()
        elif first in (b"{", b"["):
            self._skip_container()
        else:
            self._skip_scalar()
        text = self._buffer[start - self._offset : self._pos]
        self._keep = keep
        return text

    def _separator(self, closing: bytes) -> bool:
        after = self.peek()
        if after == b",":
            self._pos += 1
            return False
        if after == closing:
            self._pos += 1
            return True
        self._fail(f"expected , or {closing.decode()}")
        return True  # not reached: _fail raises

    def _skip_string(self) -> None:
        while True:
            found = _IN_STRING.search(self._buffer, self._pos)
            if found is None:
                self._pos = len(self._buffer)
                if not self._fill():
                    self._fail("the string never ends")
                continue
            if found.group() == b'"':
                self._pos = found.end()
                return
            if not self._available(found.end() - self._pos + 1):
                self._fail("the string never ends")
            self._pos = found.end() + 1  # the escaped character, whatever it is

    def _skip_container(self) -> None:
        depth = 0
        while True:
            found = _SPECIAL.search(self._buffer, self._pos)
            if found is None:
                self._pos = len(self._buffer)
                if not self._fill():
                    self._fail(f"{depth} bracket(s) never close")
                continue
            self._pos = found.end()
            symbol = found.group()
            if symbol == b'"':
                self._skip_string()
            elif symbol in (b"{", b"["):
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return

    def _skip_scalar(self) -> None:
        while True:
            found = _SCALAR_END.search(self._buffer, self._pos)
            if found is not None:
                self._pos = found.start()
                return
            self._pos = len(self._buffer)
            if not self._fill():
                return

    def _expect(self, symbol: bytes) -> None:
        if self.peek() != symbol:
            self._fail(f"expected {symbol.decode()}")
        self._pos += 1

    def _available(self, count: int) -> bool:
        while len(self._buffer) - self._pos < count:
            if not self._fill():
                return False
        return True

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(CHUNK)
        if not chunk:
            self._eof = True
            return False
        drop = self._pos if self._keep is None else min(self._keep, self._pos)
        self._buffer = self._buffer[drop:] + chunk
        self._offset += drop
        self._pos -= drop
        if self._keep is not None:
            self._keep -= drop
        if self._on_progress is not None:
            self._on_progress(self._offset + len(self._buffer))
        return True

    def _fail(self, expected: str) -> None:
        near = self._buffer[self._pos : self._pos + 20].decode("utf-8", "replace")
        got = f"got {near!r}" if near else "got the end of the input"
        raise _Broken(self._offset + self._pos, f"{expected}, {got}")
