"""A small HTTP/1.1 load generator for the API benchmark, run in its own process, apart from the server's.

`python scripts/bench/loadgen.py PLAN.json` reads the plan {"port", "concurrency", "warmup", "duration",
"endpoints": {name: [path, ...]}, optionally "warmups": {name: seconds}} and, endpoint after endpoint, keeps
`concurrency` keep-alive connections busy (closed loop: each sends its next request, a random path of the endpoint,
as soon as the last answered) for `warmup` seconds unmeasured (or the endpoint's own), then `duration` seconds
measured. Every response must be 200 with the endpoint's
shape; any other answer, or a broken connection, counts as an error. A body is parsed and checked the first time its
path answers it; a later body of that path equal to the checked one, byte for byte, is the same answer and is not
parsed again (so the client's CPU stays apart from the size of the body; parsing each 27 KB timeline cost the client
more than the server spent answering it). It prints one JSON line per step on stdout
({"step": ...}, for the caller's progress display and its server-CPU readings) and the results last
({"results": {name: {...}}}). Standard library only: asyncio streams, so the client costs little CPU per request.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Check = Callable[[Any], bool]
TIMELINE_MIN_ENTRIES = 15
STAGGER_S = 0.05  # between the openings of two connections


def _timeline(body: Any) -> bool:
    entries = body.get("entries")
    return (
        isinstance(body.get("ocid"), str)
        and isinstance(entries, list)
        and len(entries) >= TIMELINE_MIN_ENTRIES
        and all(isinstance(entry.get("chain"), dict) and entry.get("kind") for entry in entries)
    )


def _search(body: Any) -> bool:
    items = body.get("items")
    return isinstance(items, list) and "next_cursor" in body and all("ocid" in item for item in items)


def _trace(body: Any) -> bool:
    return isinstance(body.get("totals"), list) and isinstance(body.get("processes"), list)


def _trivial(body: Any) -> bool:
    return bool(body == {"status": "ok"})


CHECKS: dict[str, Check] = {"timeline": _timeline, "search": _search, "traceability": _trace, "trivial": _trivial}
CHECKS["timeline_uncached"] = _timeline


class Tally:
    """Latencies and errors of the measured window, and the bodies already checked, by path."""

    def __init__(self, check: Check) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.error_samples: list[str] = []
        self.check = check
        self.checked: dict[str, bytes] = {}

    def valid(self, path: str, body: bytes) -> bool:
        """Whether `body` has the endpoint's shape: parsed and checked unless it equals the last body checked for
        `path`."""
        if self.checked.get(path) == body:
            return True
        if not self.check(json.loads(body)):
            return False
        self.checked[path] = body
        return True

    def error(self, what: str) -> None:
        """Count an error, keeping the first few for the report."""
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


async def _connection(
    port: int,
    paths: list[str],
    window: tuple[float, float],
    tally: Tally,
    rng: random.Random,
    delay: float,
) -> None:
    """One keep-alive connection, opened after `delay` seconds, sending requests until the window's end; records
    those started inside it."""
    measure_from, stop_at = window
    await asyncio.sleep(delay)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (started := time.perf_counter()) < stop_at:
            path = rng.choice(paths)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".encode())
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                status, length = _status_and_length(head)
                body = await reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
                if started >= measure_from:
                    tally.error(f"{path}: {type(exc).__name__}: {exc}")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            elapsed = time.perf_counter() - started
            if started < measure_from:
                continue
            if status != 200:
                tally.error(f"{path}: HTTP {status}: {body[:200]!r}")
            elif not tally.valid(path, body):
                tally.error(f"{path}: unexpected shape: {body[:200]!r}")
            tally.latencies.append(elapsed)
    finally:
        writer.close()


def _status_and_length(head: bytes) -> tuple[int, int]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return status, int(value)
    raise ValueError(f"no Content-Length in the response head {lines[0]!r}")


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, int(share * len(ordered) + 0.999999) - 1))]


def _say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def _endpoint(plan: dict[str, Any], name: str, paths: list[str]) -> dict[str, Any]:
    tally, rng = Tally(CHECKS[name]), random.Random(name)
    warmup = plan.get("warmups", {}).get(name, plan["warmup"])
    _say(step="warmup", endpoint=name, seconds=warmup)
    start = time.perf_counter()
    window = (start + warmup, start + warmup + plan["duration"])
    # Connections opened at the same instant can all land in one server process: uvicorn's workers share one
    # listening socket, and the first to wake accepts every pending connection (seen: 8.6 s of CPU in one worker,
    # 0.02 in the other). Clients do not arrive in the same microsecond; these arrive STAGGER_S apart.
    tasks = [
        asyncio.create_task(_connection(plan["port"], paths, window, tally, random.Random(rng.random()), i * STAGGER_S))
        for i in range(plan["concurrency"])
    ]
    await asyncio.sleep(max(0.0, window[0] - time.perf_counter()))
    cpu = time.process_time()
    _say(step="measure", endpoint=name, seconds=plan["duration"])
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu
    _say(step="measured", endpoint=name)
    ordered = sorted(tally.latencies)
    if not ordered:
        raise RuntimeError(f"no request of {name} completed in the measured window")
    return {
        "requests": len(ordered),
        "errors": tally.errors,
        "error_samples": tally.error_samples,
        "p50_ms": round(_percentile(ordered, 0.50) * 1_000, 3),
        "p90_ms": round(_percentile(ordered, 0.90) * 1_000, 3),
        "p99_ms": round(_percentile(ordered, 0.99) * 1_000, 3),
        "max_ms": round(ordered[-1] * 1_000, 3),
        "rps": round(len(ordered) / plan["duration"], 1),
        "client_cpu_share": round(cpu / plan["duration"], 3),
        "distinct_paths": len(set(paths)),
    }


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    """Each endpoint of the plan in turn."""
    return {name: await _endpoint(plan, name, paths) for name, paths in plan["endpoints"].items()}


def main() -> int:
    """Read the plan, load, print the results."""
    plan = json.loads(Path(sys.argv[1]).read_text())
    _say(results=asyncio.run(run(plan)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
