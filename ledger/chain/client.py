"""A web3 connection that fails with a message a person can act on."""

from __future__ import annotations

from typing import Any

from web3 import HTTPProvider, Web3

from ledger.chain.rpc_errors import TRANSPORT_FAILURES, classify_rpc_error, classify_rpc_failure
from ledger.errors import ChainUnavailableError


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
