"""Fetch and decode block ranges in a child process, so that a backfill uses a second core.

One Python process cannot parse the node's JSON, decode logs and feed the database at the same time: the GIL
runs them one after another, and a fetch thread only slows the database's executemany down (it releases the
GIL for every row, and waits for it back). So, on long backfills, a child fetches and decodes the next range
while the parent writes the current one.

The child runs `main()` of this module in a fresh interpreter. It reads requests on its stdin and answers on
its stdout, each message a length-prefixed pickle (both ends are this module, in processes of the same user).
It exits when its stdin closes (at the latest once the request in hand is answered), so it does not outlive
the parent, even one killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import select
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any

from web3 import HTTPProvider, Web3

from ledger.errors import ChainUnavailableError, WorkerError, WorkerGoneError
from ledger.indexer.decode import DecodedEvent, EventDecoder
from ledger.indexer.fetch import BlockHeader, RawLog, fetch_headers, fetch_logs, retrying

_READY = "ready"
_CHAIN_MOVED_ATTEMPTS = 3
_HEADER_BYTES = 8
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FetchedRange:
    """One block range: its logs, the headers to check them against, and the events decoded from them."""

    start: int
    end: int
    logs: list[RawLog]
    headers: dict[int, BlockHeader]
    decoded: list[DecodedEvent]


def fetch_range(w3: Web3, decoder: EventDecoder, addresses: Sequence[str], start: int, end: int) -> FetchedRange:
    """Fetch [start, end] (retrying while the node does not answer) and decode it: no database work.

    The last block's hash is read before the logs and again with the headers after them: if the chain changed in
    between, the logs may belong to a branch that is gone, and the range is fetched again.
    """
    for _ in range(_CHAIN_MOVED_ATTEMPTS):
        before = retrying(partial(fetch_headers, w3, [end]))[end]
        logs = retrying(partial(fetch_logs, w3, addresses, start, end))
        wanted = {item.block_number for item in logs} | {end} | ({start - 1} if start > 0 else set())
        headers = retrying(partial(fetch_headers, w3, wanted))
        if headers[end].hash == before.hash:
            decoded = [event for event in map(decoder.decode, logs) if event is not None]
            return FetchedRange(start, end, logs, headers, decoded)
    raise ChainUnavailableError(f"blocks {start}-{end} kept changing while they were fetched; trying again later")


@dataclass(frozen=True)
class _WireRange:
    """A FetchedRange as plain tuples, which pickle in C: named tuples pickle through a Python call each.

    Events name their log by position, so each log crosses once.
    """

    start: int
    end: int
    logs: list[tuple[Any, ...]]
    headers: list[tuple[Any, ...]]
    events: list[tuple[int, str, Mapping[str, Any]]]

    @classmethod
    def of(cls, fetched: FetchedRange) -> _WireRange:
        position = {(log.block_hash, log.log_index): index for index, log in enumerate(fetched.logs)}
        events = [
            (position[event.log.block_hash, event.log.log_index], event.name, event.args) for event in fetched.decoded
        ]
        headers = [tuple(header) for header in fetched.headers.values()]
        return cls(fetched.start, fetched.end, [tuple(log) for log in fetched.logs], headers, events)

    def unpacked(self) -> FetchedRange:
        logs = list(map(RawLog._make, self.logs))
        headers = {header.number: header for header in map(BlockHeader._make, self.headers)}
        decoded = [DecodedEvent(name, args, logs[index]) for index, name, args in self.events]
        return FetchedRange(self.start, self.end, logs, headers, decoded)


@dataclass(frozen=True)
class WorkerConfig:
    """What the child needs to reach the node and decode: nothing else of the parent's crosses over."""

    rpc_url: str
    request_kwargs: dict[str, Any]
    retry_configuration: Any  # web3's ExceptionRetryConfiguration of the parent's provider, or None
    addresses: tuple[str, ...]
    abis: list[list[dict[str, Any]]]


class FetchWorker:
    """The parent's end: one range requested at a time, results read back in order."""

    def __init__(self, config: WorkerConfig) -> None:
        python_path = os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            # -P: never import a `ledger` from the current directory instead of the parent's
            [sys.executable, "-P", "-c", "from ledger.indexer.worker import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: select() then sees every byte the child wrote
            env={**os.environ, "PYTHONPATH": python_path},
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._requests, self._replies = self._process.stdin, self._process.stdout
        self._ready = False
        self.pending: deque[tuple[int, int]] = deque()
        """Ranges asked for and not yet taken, oldest first."""
        self._send(config)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    def ready(self, wait: bool = False) -> bool:
        """Whether the child has started (it imports web3 first); blocks only when `wait`."""
        if not self._ready and (wait or select.select([self._replies], [], [], 0)[0]):
            self._ready = self._receive() == _READY
        return self._ready

    def request(self, start: int, end: int) -> None:
        """Ask for [start, end]; answers come from result(), in the order asked."""
        self._send((start, end))
        self.pending.append((start, end))

    def result(self) -> FetchedRange:
        """The oldest range asked for, fetched and decoded; raises what the child raised doing it."""
        if not self.pending:
            raise RuntimeError("no range was requested")
        self.ready(wait=True)  # requests sent before the child was up queue behind its "ready"
        reply = self._receive()
        self.pending.popleft()  # only now: a read cut short leaves it pending, and close() kills the child
        if isinstance(reply, BaseException):
            raise reply
        if not isinstance(reply, _WireRange):
            raise WorkerGoneError(f"the fetch worker answered {type(reply).__name__}, not a block range")
        return reply.unpacked()

    def close(self) -> None:
        """Stop the child: closing its stdin ends it between requests; one still working is killed."""
        if self.pending:  # answers nobody will read: the child may be blocked writing one
            self._process.kill()
        with contextlib.suppress(OSError):  # a broken pipe: the child is gone already
            self._requests.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._replies.close()

    def _send(self, message: object) -> None:
        try:
            _write_frame(self._requests, message)
        except OSError as exc:
            raise self._gone() from exc

    def _receive(self) -> object:
        try:
            return _read_frame(self._replies)
        except (EOFError, OSError) as exc:
            raise self._gone() from exc

    def _gone(self) -> WorkerGoneError:
        code = self._process.poll()
        state = "is not answering" if code is None else f"exited with code {code}"
        return WorkerGoneError(f"the indexer's fetch worker {state}; see its error output above")


def _write_frame(stream: IO[bytes], message: object) -> None:
    """One message: its pickle's length in 8 bytes, then the pickle. Loops, as a raw pipe may take only part."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(len(payload).to_bytes(_HEADER_BYTES, "big") + payload)
    while data:
        data = data[stream.write(data) or 0 :]
    stream.flush()


def _read_frame(stream: IO[bytes]) -> object:
    """The next message _write_frame wrote; EOFError when the stream ends between two."""
    size = int.from_bytes(_read_exactly(stream, _HEADER_BYTES), "big")
    return pickle.loads(_read_exactly(stream, size))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    buffer = bytearray(size)
    view, done = memoryview(buffer), 0
    while done < size:
        count = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not count:
            raise EOFError(f"stream closed after {done} of {size} bytes")
        done += count
    return bytes(buffer)


def worker_config(w3: Web3, addresses: Iterable[str], abis: Iterable[list[dict[str, Any]]]) -> WorkerConfig | None:
    """The child's configuration, or None when the provider is not plain HTTP (the child could not reach it)."""
    provider = w3.provider
    if type(provider) is not HTTPProvider or provider.endpoint_uri is None:
        return None
    return WorkerConfig(
        str(provider.endpoint_uri),
        dict(provider.get_request_kwargs()),
        provider.exception_retry_configuration,
        tuple(addresses),
        list(abis),
    )


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    config = _read_frame(requests)
    assert isinstance(config, WorkerConfig)
    provider = HTTPProvider(config.rpc_url, request_kwargs=config.request_kwargs)
    provider.exception_retry_configuration = config.retry_configuration
    w3 = Web3(provider)
    decoder = EventDecoder(config.abis)
    gc.freeze()  # what is alive now lives as long as the child: no collection need walk it again
    _write_frame(replies, _READY)
    while True:
        try:
            request = _read_frame(requests)
        except EOFError:
            return  # the parent is done, or gone
        start, end = _block_range(request)
        try:
            reply: object = _WireRange.of(fetch_range(w3, decoder, config.addresses, start, end))
        except Exception as error:  # every failure goes back to the parent, which decides; nothing is swallowed
            reply = _portable(error)
        _write_frame(replies, reply)


def _block_range(request: object) -> tuple[int, int]:
    if not (isinstance(request, tuple) and len(request) == 2 and all(isinstance(item, int) for item in request)):
        raise TypeError(f"a fetch request is (first block, last block), not {request!r}")
    return request[0], request[1]


def _portable(error: Exception) -> Exception:
    """`error` if the parent can load it back as it is, else a ledger error with its text and retryability."""
    try:
        loads_back = type(pickle.loads(pickle.dumps(error))) is type(error)
    except Exception:  # any failure to round-trip means it cannot cross as it is
        loads_back = False
    if loads_back:
        return error
    portable = WorkerError(f"{type(error).__name__}: {error}")
    portable.retryable = bool(getattr(error, "retryable", False))
    return portable


def main() -> None:
    """The child: answer range requests until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes our stdin
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the replies
    logging.basicConfig(level=logging.WARNING, format="fetch worker %(levelname)s: %(message)s")
    with replies:
        _serve(sys.stdin.buffer, replies)
