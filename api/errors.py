"""The one place ledger errors and bad requests become HTTP responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ledger.errors import (
    ConfigurationError,
    DocumentHashMismatchError,
    DocumentWithdrawnError,
    LedgerError,
    NotFoundError,
    UploadTooLargeError,
)

log = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message})


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return _error(404, "not_found", str(exc))


async def _withdrawn(_request: Request, exc: Exception) -> JSONResponse:
    return _error(410, "withdrawn", str(exc))  # the message says when and why


async def _hash_mismatch(_request: Request, exc: Exception) -> JSONResponse:
    return _error(422, "hash_mismatch", str(exc))


async def _too_large(_request: Request, exc: Exception) -> JSONResponse:
    return _error(413, "upload_too_large", str(exc))


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for problem in exc.errors():
        where = ".".join(str(part) for part in problem["loc"] if part not in ("path", "query", "body"))
        problems.append(f"{where}: {problem['msg']}" if where else str(problem["msg"]))
    return _error(422, "invalid_request", "; ".join(problems) or "the request is malformed")


async def _ledger_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    if exc.retryable or isinstance(exc, ConfigurationError):
        return _error(503, "unavailable", str(exc))
    log.error("request failed: %s", exc)
    return _error(500, "internal_error", "the ledger failed to answer; the operator has been told in the log")


def install_error_handlers(app: FastAPI) -> None:
    """Map every error the ledger raises on purpose to a status and a message a person can act on."""
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(DocumentWithdrawnError, _withdrawn)
    app.add_exception_handler(DocumentHashMismatchError, _hash_mismatch)
    app.add_exception_handler(UploadTooLargeError, _too_large)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(LedgerError, _ledger_error)
