"""Each way a node can fail a call maps to one ledger error, retryable or fatal, that says what to do."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ledger.chain.rpc_errors import classify_rpc_error, classify_rpc_failure
from ledger.errors import ChainError, ChainUnavailableError, LogRangeError, RateLimitedError, RpcRequestError


@pytest.mark.parametrize(
    ("method", "error", "expected", "retryable"),
    [
        ("eth_blockNumber", {"code": -32005, "message": "limit exceeded"}, RateLimitedError, True),
        ("eth_chainId", {"code": -32000, "message": "Your app has exceeded its compute units per second capacity"},
         RateLimitedError, True),
        ("eth_blockNumber", {"code": -32603, "message": "internal error"}, ChainUnavailableError, True),
        ("eth_getBlockByNumber", {"code": -32000, "message": "header not found"}, ChainUnavailableError, True),
        ("eth_getLogs", {"code": -32005, "message": "query returned more than 10000 results"}, LogRangeError, False),
        ("eth_getLogs", {"code": -32602, "message": "Log response size exceeded"}, LogRangeError, False),
        ("eth_getLogs", {"code": -32005, "message": "daily request count exceeded, request rate limited"},
         RateLimitedError, True),
        ("eth_getLogs", {"code": -32601, "message": "method not found"}, RpcRequestError, False),
        ("eth_chainId", {"code": -32601, "message": "method not found"}, RpcRequestError, False),
        ("eth_blockNumber", {"code": -32602, "message": "invalid argument 0"}, RpcRequestError, False),
        ("eth_blockNumber", {"code": 4100, "message": "unauthorized"}, RpcRequestError, False),
        ("eth_blockNumber", "not an error object", RpcRequestError, False),
    ],
)  # fmt: skip
def test_json_rpc_errors_are_classified_by_code(
    method: str, error: Any, expected: type[ChainError], retryable: bool
) -> None:
    classified = classify_rpc_error(method, error)
    assert type(classified) is expected
    assert classified.retryable is retryable
    assert str(classified).startswith(f"{method} failed: ")


def test_a_fatal_json_rpc_error_says_what_to_change() -> None:
    message = str(classify_rpc_error("eth_getLogs", {"code": -32601, "message": "the method does not exist"}))
    assert message == (
        "eth_getLogs failed: the method does not exist (JSON-RPC code -32601): the node refused the request as "
        "method not found; point PROCLEDGER_RPC_URL at a full Ethereum JSON-RPC node that serves it"
    )


def _http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status}", response=response)


@pytest.mark.parametrize(
    ("failure", "expected", "retryable"),
    [
        (_http_error(429), RateLimitedError, True),
        (_http_error(502), ChainUnavailableError, True),
        (_http_error(401), RpcRequestError, False),
        (_http_error(404), RpcRequestError, False),
        (requests.ConnectionError("reset by peer"), ChainUnavailableError, True),
        (requests.ReadTimeout("slow"), ChainUnavailableError, True),
        (ConnectionResetError(104, "reset"), ChainUnavailableError, True),
        (ValueError("Expecting value: line 1 column 1"), ChainUnavailableError, True),
    ],
)
def test_failures_without_a_json_rpc_answer_are_classified(
    failure: BaseException, expected: type[ChainError], retryable: bool
) -> None:
    classified = classify_rpc_failure("eth_blockNumber", failure)
    assert type(classified) is expected
    assert classified.retryable is retryable
