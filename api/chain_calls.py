"""Handlers that wait on the chain's node run in a thread pool of their own.

The mirror's reads are CPU-bound and run one at a time per server process (PROCLEDGER_API_THREADS): a handler that
waits on a node (a write's pre-flight eth_call, an audit's replay) would hold that one slot for as long as the node
takes and stall every read behind it. Those handlers are async and hand their blocking work to this pool instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Request

T = TypeVar("T")
CHAIN_CALLS_AT_ONCE = 16  # per server process: threads mostly waiting on the node's answer


async def waiting_on_chain(request: Request, call: Callable[[], T]) -> T:
    """The result of `call`, run in the chain pool's thread: the mirror's reads are not held up behind it."""
    state = request.app.state
    loop = asyncio.get_running_loop()
    if getattr(state, "chain_calls_loop", None) is not loop:  # a limiter belongs to the loop it was made in
        state.chain_calls, state.chain_calls_loop = CapacityLimiter(CHAIN_CALLS_AT_ONCE), loop
    limiter: CapacityLimiter = state.chain_calls
    return await to_thread.run_sync(call, limiter=limiter)
