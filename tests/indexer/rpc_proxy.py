"""A JSON-RPC proxy that injects faults: the one fake the indexer suites allow, at the RPC boundary only.

It forwards every request to a real node and, once `enabled`, fails some of them (seeded, so a run repeats):
HTTP 500, a dropped connection, an answer slower than the client's timeout, an HTML error page instead of JSON,
and eth_getLogs ranges wider than `max_log_span` blocks refused the way hosted providers refuse them. Forced
faults add rate limits (HTTP 429, JSON-RPC -32005), an overloaded node (-32603) and a method the node lacks. Forced
`tamper` spoils the next eth_getLogs answer holding a log (a log of another contract, a log missing a field). A hook can
act on the node just before a request is forwarded (e.g. reorganise the chain in the middle of a catch-up).
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

RANDOM_FAULTS = ("http_500", "connection_dropped", "too_slow")
FAULT_WEIGHTS = (0.45, 0.45, 0.1)  # a slow answer costs the client its whole timeout: keep those few
TAMPERING: dict[str, Callable[[dict[str, Any]], None]] = {  # what `tamper` does to the answer's first log
    "foreign_log": lambda log: log.update(address="0x" + "de" * 20),
    "log_without_block_hash": lambda log: log.pop("blockHash"),
    # A node that lies in the data: the log's second data word zeroed (for ProcessCreated, its method: open tender).
    "second_data_word_zeroed": lambda log: log.update(data=log["data"][:66] + "0" * 64 + log["data"][130:]),
}
JSON_RPC_ERRORS = {  # faults answered as a JSON-RPC error object, the way hosted providers word them
    "range_refused": {"code": -32005, "message": "query returned more than 10000 results"},
    "limit_exceeded": {"code": -32005, "message": "limit exceeded"},
    "internal_error": {"code": -32603, "message": "internal error: upstream busy"},
    "method_not_found": {"code": -32601, "message": "the method eth_chainId does not exist/is not available"},
}
DUPLICATED = "duplicate_log"  # the answer's first log, twice
MAX_FAULTS_IN_A_ROW = 2  # below the indexer's five attempts per call: every call gets through in the end


class FaultyRpcProxy:
    """Forwards JSON-RPC over HTTP to `upstream`, injecting faults once `enabled`; counts what it injected."""

    def __init__(
        self,
        upstream: str,
        seed: int,
        fault_rate: float = 0.0,
        client_timeout: float = 1.0,
        max_log_span: int | None = None,
    ) -> None:
        self.upstream = upstream
        self.enabled = False
        self.forced: list[str] = []  # faults for the next requests, in order, before any random one
        self.tamper: str | None = None  # a TAMPERING key: spoil the next eth_getLogs answer that holds a log
        self.before_forward: Callable[[Any], None] | None = None
        self.injected: Counter[str] = Counter()
        self._fault_rate = fault_rate
        self._client_timeout = client_timeout
        self._max_log_span = max_log_span
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._not_yet = list(RANDOM_FAULTS)  # each kind comes once before the draw is free
        self._rng.shuffle(self._not_yet)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy._handle(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where the proxy answers."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        request = json.loads(body)
        fault = self._choose_fault(request)
        if fault is not None:
            self.injected[fault] += 1
        if fault == "http_500":
            _reply(handler, 500, b"upstream exploded")
        elif fault == "connection_dropped":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        elif fault == "non_json":
            _reply(handler, 200, b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        elif fault == "http_429":
            _reply(handler, 429, b'{"message": "Too Many Requests"}')
        elif fault in JSON_RPC_ERRORS:
            # A refused batch gets one error object with a null id, as JSON-RPC 2.0 does for a batch it cannot serve.
            reply = {"jsonrpc": "2.0", "id": request.get("id") if isinstance(request, dict) else None}
            reply["error"] = JSON_RPC_ERRORS[fault]
            _reply(handler, 200, json.dumps(reply).encode())
        else:
            if fault == "too_slow":
                time.sleep(self._client_timeout + 0.3)  # the client has given up by now; the answer goes nowhere
            if self.before_forward is not None:
                self.before_forward(request)
            upstream = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            _reply(handler, upstream.status_code, self._tampered(request, upstream.content))

    def _tampered(self, request: Any, content: bytes) -> bytes:
        with self._lock:
            tamper = self.tamper
            if tamper is None or not isinstance(request, dict) or request["method"] != "eth_getLogs":
                return content
            answer = json.loads(content)
            if not answer.get("result"):
                return content
            self.tamper = None
            self.injected[tamper] += 1
        if tamper == DUPLICATED:
            answer["result"].append(dict(answer["result"][0]))
        else:
            TAMPERING[tamper](answer["result"][0])
        return json.dumps(answer).encode()

    def _choose_fault(self, request: Any) -> str | None:
        with self._lock:
            if not self.enabled:
                return None
            if self.forced:
                return self.forced.pop(0)
            if self._max_log_span is not None and isinstance(request, dict) and request["method"] == "eth_getLogs":
                span = int(request["params"][0]["toBlock"], 16) - int(request["params"][0]["fromBlock"], 16) + 1
                if span > self._max_log_span:
                    return "range_refused"
            if self._in_a_row >= MAX_FAULTS_IN_A_ROW or self._rng.random() >= self._fault_rate:
                self._in_a_row = 0
                return None
            self._in_a_row += 1
            return self._not_yet.pop() if self._not_yet else self._rng.choices(RANDOM_FAULTS, FAULT_WEIGHTS)[0]


def _reply(handler: BaseHTTPRequestHandler, status: int, content: bytes) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client timed out and left
