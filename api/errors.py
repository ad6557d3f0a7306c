"""The one place ledger errors and bad requests become HTTP responses, all shaped as `ErrorOut`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from ledger.chain.reverts import revert_json
from ledger.errors import (
    AuthenticationError,
    ConfigurationError,
    ContractRevertError,
    DocumentHashMismatchError,
    DocumentWithdrawnError,
    DuplicateWriteError,
    IdempotencyConflictError,
    InvalidRequestError,
    KeystoreError,
    LedgerError,
    NotFoundError,
    RoleRequiredError,
    TooManyRequestsError,
    UploadTooLargeError,
    VerificationError,
)

log = logging.getLogger(__name__)

ASKED_METHOD = "procledger.asked_method"
"""Scope key where api.head keeps the method a client sent, when it answered a HEAD as a GET."""


def _error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    if status == 304 or status < 200 or status == 204:  # statuses that must not carry a body
        return Response(status_code=status, headers=headers)
    return JSONResponse(status_code=status, content={"error": code, "message": message, **extra}, headers=headers)


async def _not_found(_request: Request, exc: Exception) -> Response:
    return _error(404, "not_found", str(exc))


async def _unanswerable_request(_request: Request, exc: Exception) -> Response:
    return _error(422, "invalid_request", str(exc))


async def _withdrawn(_request: Request, exc: Exception) -> Response:
    return _error(410, "withdrawn", str(exc))  # the message says when and why


async def _hash_mismatch(_request: Request, exc: Exception) -> Response:
    return _error(422, "hash_mismatch", str(exc))


async def _too_large(_request: Request, exc: Exception) -> Response:
    return _error(413, "upload_too_large", str(exc))


async def _invalid_request(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for problem in exc.errors():
        where = ".".join(str(part) for part in problem["loc"] if part not in ("path", "query", "body"))
        problems.append(f"{where}: {problem['msg']}" if where else str(problem["msg"]))
    return _error(422, "invalid_request", "; ".join(problems) or "the request is malformed")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: no route for the path, a method the route does not take, a missing static file."""
    assert isinstance(exc, HTTPException)
    method, path = request.scope.get(ASKED_METHOD, request.method), request.url.path
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"no such endpoint: {method} {path}; see /docs for the endpoints this API offers"
        return _error(404, "not_found", message, headers)
    if exc.status_code == 405:
        allowed = [item.strip() for item in headers.get("Allow", "").split(",") if item.strip()]
        if "GET" in allowed and "HEAD" not in allowed:  # api.head answers HEAD on every GET route
            allowed.append("HEAD")
        headers["Allow"] = ", ".join(allowed)
        message = f"{path} does not accept {method}; use {' or '.join(allowed) or 'another endpoint'} (see /docs)"
        return _error(405, "method_not_allowed", message, headers)
    phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else "error"
    return _error(exc.status_code, phrase.lower().replace(" ", "_"), str(exc.detail), headers)


async def _contract_revert(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ContractRevertError)
    revert = revert_json(exc)
    message = f"the contract refused: {exc}; see `revert` for its reason, change the request and send it again"
    return _error(409, "contract_revert", message, revert=revert)


async def _unauthenticated(_request: Request, exc: Exception) -> Response:
    return _error(401, "unauthenticated", str(exc), {"WWW-Authenticate": 'Bearer realm="procledger"'})


async def _forbidden(_request: Request, exc: Exception) -> Response:
    return _error(403, "forbidden", str(exc))


async def _too_many(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TooManyRequestsError)
    return _error(429, "rate_limited", str(exc), {"Retry-After": str(exc.retry_after)})


async def _idempotency_conflict(_request: Request, exc: Exception) -> Response:
    return _error(409, "idempotency_conflict", str(exc))


async def _duplicate_write(_request: Request, exc: Exception) -> Response:
    return _error(409, "duplicate_write", str(exc))


async def _no_signing_key(_request: Request, exc: Exception) -> Response:
    log.error("write gateway: %s", exc)
    return _error(503, "unavailable", "the gateway cannot sign for your organisation now; its operator has been told")


async def _verification_failed(_request: Request, exc: Exception) -> Response:
    return _error(422, "verification_failed", str(exc))


async def _ledger_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LedgerError)
    if exc.retryable or isinstance(exc, ConfigurationError):
        return _error(503, "unavailable", str(exc))
    log.error("request failed: %s", exc)
    return _internal_error()


async def _unexpected(_request: Request, exc: Exception) -> Response:
    # Starlette logs the traceback and re-raises after sending this: the client only gets the shape.
    return _internal_error()


def _internal_error() -> Response:
    return _error(500, "internal_error", "the ledger failed to answer; the operator has been told in the log")


def install_error_handlers(app: FastAPI) -> None:
    """Map every error the ledger raises on purpose to a status and a message a person can act on."""
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(DocumentWithdrawnError, _withdrawn)
    app.add_exception_handler(DocumentHashMismatchError, _hash_mismatch)
    app.add_exception_handler(UploadTooLargeError, _too_large)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(InvalidRequestError, _unanswerable_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(ContractRevertError, _contract_revert)
    app.add_exception_handler(AuthenticationError, _unauthenticated)
    app.add_exception_handler(RoleRequiredError, _forbidden)
    app.add_exception_handler(TooManyRequestsError, _too_many)
    app.add_exception_handler(IdempotencyConflictError, _idempotency_conflict)
    app.add_exception_handler(DuplicateWriteError, _duplicate_write)
    app.add_exception_handler(KeystoreError, _no_signing_key)
    app.add_exception_handler(VerificationError, _verification_failed)
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(Exception, _unexpected)
