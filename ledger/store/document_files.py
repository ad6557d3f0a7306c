"""Content-addressed files: each document's bytes under the name of their SHA-256, checked as they stream in.

Layout: `<root>/ab/cdef…` (the first two hex digits shard the directory, so none grows to millions of entries).
Bytes are written to a temporary file in the root, hashed on the way, then renamed into place: a reader never sees
a partial file, and a crash leaves at most a stray `.incoming-*` file, never a wrong one.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from ledger.errors import DocumentHashMismatchError

CHUNK_BYTES = 1 << 20
_SHA256_HEX = re.compile(r"(0x)?[0-9a-fA-F]{64}")


def as_sha256(value: str | bytes) -> str:
    """A SHA-256 in the mirror's form (ledger.store.types.HASH): lower-case, 0x-prefixed hex."""
    if isinstance(value, bytes):
        if len(value) != 32:
            raise ValueError(f"expected a 32-byte SHA-256, got {len(value)} bytes")
        return "0x" + value.hex()
    if not _SHA256_HEX.fullmatch(value):
        raise ValueError(f"expected a SHA-256 as 64 hex digits, optionally 0x-prefixed, got {value!r}")
    return "0x" + value.removeprefix("0x").lower()


class DocumentFiles:
    """The files of the document store under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Where the bytes with this SHA-256 are (or would be) kept."""
        digits = as_sha256(sha256)[2:]
        return self.root / digits[:2] / digits[2:]

    def put(self, content: bytes | BinaryIO, expected_sha256: str | None = None) -> tuple[str, int]:
        """Store bytes, read in chunks and hashed as they come; returns (sha256, size).

        With `expected_sha256`, bytes of another hash are refused (DocumentHashMismatchError) and nothing is kept.
        """
        expected = as_sha256(expected_sha256) if expected_sha256 is not None else None
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in _chunks(content):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())  # the rename below must never publish bytes the disk does not hold yet
            actual = "0x" + digest.hexdigest()
            if expected is not None and actual != expected:
                raise DocumentHashMismatchError(expected, actual)
            target = self.path_of(actual)
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return actual, size

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, to read; FileNotFoundError when they are not here."""
        return self.path_of(sha256).open("rb")

    def has(self, sha256: str) -> bool:
        """Whether the bytes with this SHA-256 are here."""
        return self.path_of(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the bytes with this SHA-256, if they are here."""
        self.path_of(sha256).unlink(missing_ok=True)


def _chunks(content: bytes | BinaryIO) -> Iterable[bytes]:
    if isinstance(content, bytes):
        return [content]
    return iter(lambda: content.read(CHUNK_BYTES), b"")
