"""A handler waiting on the chain's node does not hold up the mirror's reads: it runs in a thread pool of its own."""

from __future__ import annotations

import threading

import anyio
from anyio import to_thread
from fastapi import FastAPI
from starlette.requests import Request

from api.chain_calls import CHAIN_CALLS_AT_ONCE, waiting_on_chain


def test_a_chain_call_answers_while_a_read_holds_the_one_read_slot() -> None:
    request = Request({"type": "http", "app": FastAPI(), "method": "GET", "path": "/", "headers": []})

    async def scenario() -> None:
        reads = to_thread.current_default_thread_limiter()
        reads.total_tokens = 1  # PROCLEDGER_API_THREADS' default
        release = threading.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(to_thread.run_sync, release.wait)  # a read in progress, holding the slot
            while reads.borrowed_tokens < 1:
                await anyio.sleep(0.01)
            try:
                with anyio.fail_after(10):  # on the read pool this would wait for the read: time out, not hang
                    assert await waiting_on_chain(request, lambda: threading.current_thread().name) != ""
                assert reads.borrowed_tokens == 1
                assert request.app.state.chain_calls.total_tokens == CHAIN_CALLS_AT_ONCE
            finally:
                release.set()

    anyio.run(scenario)
