"""A web3 connection that fails with a message a person can act on."""

from __future__ import annotations

from web3 import HTTPProvider, Web3

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
