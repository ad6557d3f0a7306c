"""Sort what a JSON-RPC node answers instead of a result into retryable and fatal ledger errors.

A node says "not now" in many ways: HTTP 429 or 5xx, a dropped connection, a timeout, JSON-RPC -32005 "limit
exceeded", -32603 from an overloaded backend, the -32000..-32099 server errors of a node that lags behind its
load balancer. Those are retryable. It says "never" with the codes of the JSON-RPC spec for a bad request
(-32700, -32600, -32601, -32602) or EIP-1474's "method not supported", and with HTTP 401/403/404: asking again
will not help. eth_getLogs is special: providers refuse a range that is too wide or too full with -32005,
-32602 or a server error, and a smaller range passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from ledger.errors import ChainError, ChainUnavailableError, LogRangeError, RateLimitedError, RpcRequestError

# JSON-RPC 2.0 and EIP-1474 codes that mean the request itself is wrong.
_FATAL_CODES = {
    -32700: "parse error",
    -32600: "invalid request",
    -32601: "method not found",
    -32602: "invalid params",
    -32003: "transaction rejected",
    -32004: "method not supported",
    -32006: "JSON-RPC version not supported",
}
_LIMIT_EXCEEDED = -32005
_SERVER_ERRORS = range(-32099, -32000 + 1)  # implementation-defined; nodes use them for transient trouble
_INTERNAL_ERROR = -32603
_RATE_WORDS = ("rate", "too many requests", "limit exceeded", "capacity", "throughput", "credits")
_RANGE_WORDS = ("range", "results", "block", "response size", "too many logs", "query timeout", "limit")
_FATAL_HTTP = {401: "no access", 403: "no access", 404: "no JSON-RPC endpoint at this URL", 405: "not JSON-RPC"}


def classify_rpc_error(method: str, error: Any) -> ChainError:
    """The ledger error for a JSON-RPC `error` object the node returned for `method`."""
    code, message = _code_and_message(error)
    text = f"{method} failed: {message} (JSON-RPC code {code})"
    lowered = message.lower()
    if method == "eth_getLogs" and code not in (-32700, -32600, -32601, -32004):
        if any(word in lowered for word in _RATE_WORDS) and "result" not in lowered:
            return RateLimitedError(f"{text}; slowing down")
        if code in (_LIMIT_EXCEEDED, -32602, _INTERNAL_ERROR) or code in _SERVER_ERRORS or _mentions_range(lowered):
            return LogRangeError(text)
    if code in _FATAL_CODES:
        return RpcRequestError(
            f"{text}: the node refused the request as {_FATAL_CODES[code]}; point PROCLEDGER_RPC_URL at a full "
            "Ethereum JSON-RPC node that serves it"
        )
    if code == _LIMIT_EXCEEDED or any(word in lowered for word in _RATE_WORDS):
        return RateLimitedError(f"{text}; the node is rate limiting, slowing down")
    if code == _INTERNAL_ERROR or code in _SERVER_ERRORS:
        return ChainUnavailableError(f"{text}; the node is struggling, trying again")
    return RpcRequestError(f"{text}: an error this ledger does not know how to get past; check the node's logs")


def classify_rpc_failure(method: str, exc: BaseException) -> ChainError:
    """The ledger error for a call to `method` that got no JSON-RPC answer at all (HTTP, socket, not JSON)."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status == 429:
            return RateLimitedError(f"{method}: the node answered HTTP 429 Too Many Requests; slowing down")
        if status in _FATAL_HTTP:
            return RpcRequestError(
                f"{method}: the node answered HTTP {status} ({_FATAL_HTTP[status]}); check PROCLEDGER_RPC_URL, "
                "including any API key in it"
            )
        if 400 <= status < 500:
            return RpcRequestError(f"{method}: the node answered HTTP {status}; check PROCLEDGER_RPC_URL")
        return ChainUnavailableError(f"{method}: the node answered HTTP {status}; trying again")
    return ChainUnavailableError(f"{method}: the node did not answer ({exc.__class__.__name__})")


# What a call to the node can raise without any JSON-RPC answer: ValueError is an answer that is not JSON.
TRANSPORT_FAILURES = (requests.RequestException, OSError, ValueError)


def _code_and_message(error: Any) -> tuple[int | None, str]:
    if isinstance(error, Mapping):
        code = error.get("code")
        return (code if isinstance(code, int) else None), str(error.get("message", error))
    return None, str(error)


def _mentions_range(lowered: str) -> bool:
    return any(word in lowered for word in _RANGE_WORDS)
