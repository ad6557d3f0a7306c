"""A web3 connection that fails with a message a person can act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web3 import HTTPProvider, Web3

from ledger.chain.rpc_errors import TRANSPORT_FAILURES, classify_rpc_error, classify_rpc_failure
from ledger.errors import ChainUnavailableError, MalformedRpcResponse


def connect(rpc_url: str, timeout: float = 10.0) -> Web3:
    """Connect to `rpc_url` and check that it answers."""
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    if not w3.is_connected():
        raise ChainUnavailableError(
            f"no JSON-RPC node answers at {rpc_url}; start the embedded chain with `procledger chain` "
            "(or `procledger up`), or point PROCLEDGER_RPC_URL at a running node"
        )
    return w3


def rpc_call(w3: Web3, method: str, params: list[Any]) -> Any:
    """One raw JSON-RPC call: its result, or the node's refusal as a retryable or fatal ledger error."""
    try:
        response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    except TRANSPORT_FAILURES as exc:
        raise classify_rpc_failure(method, exc) from exc
    if "error" in response:
        raise classify_rpc_error(method, response["error"])
    return response.get("result")


def rpc_batch(w3: Web3, method: str, params: Sequence[list[Any]]) -> list[Any]:
    """The results of calling `method` with each of `params`, in one JSON-RPC batch, in the order asked."""
    if not params:
        return []
    calls = [(method, call) for call in params]
    try:
        responses = w3.provider.make_batch_request(calls)  # type: ignore[attr-defined]
    except TRANSPORT_FAILURES as exc:
        raise classify_rpc_failure(f"{method} batch", exc) from exc
    if isinstance(responses, dict) and "error" in responses:  # the node refused the batch as a whole
        raise classify_rpc_error(f"{method} batch", responses["error"])
    if isinstance(responses, dict) or len(responses) != len(calls):
        raise MalformedRpcResponse(f"a batch of {len(calls)} {method} requests came back as {responses!r:.200}")
    results = []
    for call, response in zip(params, sorted(responses, key=lambda item: int(item.get("id", 0))), strict=True):
        if "error" in response:
            raise classify_rpc_error(f"{method}({', '.join(map(str, call))})", response["error"])
        results.append(response.get("result"))
    return results
