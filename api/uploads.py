"""Uploads hashed as they stream in: the bytes are kept only where the caller says (a sink), else only their SHA-256.

A multipart/form-data body is parsed chunk by chunk (python-multipart's streaming parser); the part named `file`
is hashed and counted (and written to the sink, if any), small text parts are kept as fields. A body past the
limit is refused as soon as it is; so is a text field past its limit, never cut short.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import BinaryIO

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ledger.errors import UploadTooLargeError

FILE_FIELD = "file"
_FIELD_LIMIT = 1024  # bytes of a text field: a hash fits many times over
_OVERHEAD = 64 * 1024  # multipart boundaries and part headers around the file


@dataclass
class HashedUpload:
    """What a multipart upload carried: the file's SHA-256, size and media type, if it had a file, and its text
    fields."""

    sha256: str | None = None
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None


class _Parts:
    """Callbacks of the multipart parser: routes each part's bytes to a hash or to a field."""

    def __init__(self, max_bytes: int, sink: BinaryIO | None = None) -> None:
        self.max_bytes = max_bytes
        self.sink = sink
        self.result = HashedUpload()
        self._header_name, self._header_value, self._headers = b"", b"", dict[bytes, bytes]()
        self._name: str | None = None
        self._is_file = False
        self._digest = hashlib.sha256()
        self._text = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._add("_header_name", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("_header_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _add(self, attribute: str, data: bytes) -> None:
        setattr(self, attribute, getattr(self, attribute) + data)

    def _begin(self) -> None:
        self._headers, self._name, self._is_file = {}, None, False
        self._digest, self._text = hashlib.sha256(), bytearray()

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = self._name == FILE_FIELD
        if self._is_file and self._headers.get(b"content-type"):
            self.result.media_type = self._headers[b"content-type"].decode("latin-1").strip()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self.result.size += end - start
            if self.result.size > self.max_bytes:
                raise UploadTooLargeError(self.max_bytes)
            self._digest.update(data[start:end])
            if self.sink is not None:
                self.sink.write(data[start:end])
        elif len(self._text) + end - start <= _FIELD_LIMIT:
            self._text += data[start:end]
        else:
            raise _invalid(f"the form field {self._name!r} is longer than {_FIELD_LIMIT} bytes")

    def _end(self) -> None:
        if self._is_file:
            self.result.sha256 = "0x" + self._digest.hexdigest()
        elif self._name:
            self.result.fields[self._name] = self._text.decode("utf-8", "replace").strip()


async def hash_multipart_upload(request: Request, max_bytes: int, sink: BinaryIO | None = None) -> HashedUpload:
    """Hash the `file` part of a multipart/form-data request as it arrives, writing it to `sink` if one is given;
    UploadTooLargeError past `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + _OVERHEAD:
        raise UploadTooLargeError(max_bytes)  # said up front: refused before reading a byte
    _, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if not boundary:
        raise _invalid("a multipart/form-data body needs a boundary in its Content-Type")
    parts = _Parts(max_bytes, sink)
    parser = MultipartParser(boundary, parts.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes + _OVERHEAD:
                raise UploadTooLargeError(max_bytes)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise _invalid(f"the multipart body is malformed: {error}") from None
    return parts.result


def _invalid(message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body",), "msg": message, "type": "value_error"}])


async def read_small_body(request: Request, max_bytes: int) -> bytes:
    """The whole body of a non-file request (JSON or a form), refused past `max_bytes` as it streams in."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise UploadTooLargeError(max_bytes)
    return bytes(body)
