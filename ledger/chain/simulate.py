"""Simulating many calls at once: one JSON-RPC batch of `eth_call`s on the pending state, each call's own outcome.

A refusal is an answer here, not a failure of the batch: the node returns it as a JSON-RPC error carrying the
revert data (code 3, "execution reverted"), which is kept for decoding; any other error is the node's trouble and
raises as a classified ledger error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from web3 import Web3

from ledger.chain.rpc_errors import TRANSPORT_FAILURES, classify_rpc_error, classify_rpc_failure
from ledger.errors import MalformedRpcResponse

_REVERTED = 3  # the JSON-RPC code geth and anvil answer a reverted eth_call with, its data the revert data


def simulate_many(w3: Web3, calls: Sequence[Mapping[str, Any]]) -> list[bytes | None]:
    """For each call ({"from", "to", "data"}), None when it would succeed on the pending state, else its revert
    data; in the order asked, in one JSON-RPC batch."""
    if not calls:
        return []
    requests = [("eth_call", [dict(call), "pending"]) for call in calls]
    try:
        responses = w3.provider.make_batch_request(requests)  # type: ignore[attr-defined]
    except TRANSPORT_FAILURES as exc:
        raise classify_rpc_failure("eth_call batch", exc) from exc
    if isinstance(responses, dict) or len(responses) != len(requests):
        if isinstance(responses, dict) and "error" in responses:  # the node refused the batch as a whole
            raise classify_rpc_error("eth_call batch", responses["error"])
        raise MalformedRpcResponse(f"a batch of {len(requests)} eth_call requests came back as {responses!r:.200}")
    outcomes: list[bytes | None] = []
    for response in sorted(responses, key=lambda item: int(item.get("id", 0))):
        error = response.get("error")
        if error is None:
            outcomes.append(None)
        elif error.get("code") == _REVERTED or "revert" in str(error.get("message", "")).lower():
            data = error.get("data")
            outcomes.append(bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b"")
        else:
            raise classify_rpc_error("eth_call", error)
    return outcomes
