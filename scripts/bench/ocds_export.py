"""OCDS export benchmark: releases per second and peak memory of `procledger ocds export`, against the naive way.

`python scripts/bench/ocds_export.py --processes N --out FILE` starts an in-memory anvil keeping no past states,
deploys the ledger and writes a city of N processes (scripts/bench/city.py: a fifth through their whole lifecycle,
the rest stopping at planning, tender, single-source contract or cancellation), stores its documents and
organisation names, and indexes it into a fresh SQLite mirror, as scripts/bench/api.py builds its mirror. Then, in
this process, each way writes a release package of every release to a file:
- streaming: what `procledger ocds export --out FILE` runs: `chain_releases` reading the mirror a chunk of
  --chunk processes at a time, `write_release_package` writing each release as it comes;
- naive: one process at a time (its own queries for its events, anchorings and names), every release kept in one
  list, then the whole package dumped at once.
Each way runs twice: once timed, once under tracemalloc for its peak of Python allocations (tracemalloc slows it,
so its time is not the one reported). The JSON has releases per second, peak memory, the ratios, checks (both
ways wrote the same releases, ids unique, the first releases valid against the patched 1.1.5 schema), the load
average, the process's peak RSS (ru_maxrss, whole run) and the machine; exit 1 on a failed check.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from ledger.chain.setup import ensure_built  # noqa: E402
from ledger.cli_proofs import bundle_decoder  # noqa: E402
from ledger.indexer.decode import EventDecoder  # noqa: E402
from ledger.ocds.export import chain_releases  # noqa: E402
from ledger.ocds.mirror import DEFAULT_CHUNK, process_chunks, releases_of  # noqa: E402
from ledger.ocds.packages import package_metadata, write_release_package  # noqa: E402
from ledger.ocds.patched import patched_release_schema  # noqa: E402
from ledger.ocds.releases import AS_ON_CHAIN  # noqa: E402
from ledger.ocds.schemas import RELEASE_PACKAGE, problems  # noqa: E402
from ledger.settings import DEV_MNEMONIC, Settings  # noqa: E402
from ledger.store.database import make_engine  # noqa: E402
from ledger.store.projections import Process  # noqa: E402
from scripts.bench.api import Display, _build  # noqa: E402
from scripts.bench.city import plan_city  # noqa: E402
from scripts.bench.gas import free_port  # noqa: E402
from scripts.bench.seeding import environment, print_verdicts  # noqa: E402

DEFAULT_OUT = PROJECT_DIR / "scripts" / "bench" / "results" / "ocds_export.json"
VALIDATED = 500  # releases checked against the schema: validating 100,000 would take longer than the export
WAYS = ("streaming", "naive")
HOW = {
    "streaming": "`procledger ocds export --out FILE`: ledger.ocds.export.chain_releases (the mirror read --chunk "
    "processes at a time) into ledger.ocds.packages.write_release_package, one release written at a time",
    "naive": "per process: ledger.ocds.mirror.releases_of on that one process (its own queries), every release "
    "appended to one list, then json.dump of the whole package",
    "memory": "tracemalloc's peak of Python allocations during a second, untimed run of each way",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--processes", type=int, default=200, help="processes in the city (default %(default)s)")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="processes per read (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write (default %(default)s)")
    options = parser.parse_args(argv)
    if not 1 <= options.processes <= 200_000:
        parser.error("--processes must be between 1 and 200,000")
    if options.chunk < 1:
        parser.error("--chunk must be at least 1")
    return options


def streaming(engine: Engine, decoder: EventDecoder, out: Path, chunk: int, show: Display, total: int) -> int:
    """What `procledger ocds export --out FILE` does; returns how many releases it wrote."""
    with Session(engine) as session, out.open("w", encoding="utf-8") as stream:
        releases = _counted(chain_releases(session, decoder, chunk=chunk), show, "streaming", total)
        return write_release_package(stream, releases, _metadata())


def naive(engine: Engine, decoder: EventDecoder, out: Path, _chunk: int, show: Display, total: int) -> int:
    """Process by process, everything in memory, one dump at the end; returns how many releases it wrote."""
    everything: list[dict[str, Any]] = []
    with Session(engine) as session:
        for done, row in enumerate(row for rows in process_chunks(session, total or 1) for row in rows):
            show(f"naive: {done:,}/{total:,} processes", done, total)
            for _ocid, releases in releases_of(session, decoder, [row], AS_ON_CHAIN):
                everything.extend(release.release for release in releases)
    package = _metadata().fields() | {"releases": everything}
    with out.open("w", encoding="utf-8") as stream:
        json.dump(package, stream, ensure_ascii=False)
    return len(everything)


def _counted(releases: Any, show: Display, way: str, total: int) -> Any:
    for done, release in enumerate(releases):
        if done % 1_000 == 0:
            show(f"{way}: {done:,} releases of {total:,} processes")
        yield release


def _metadata() -> Any:
    return package_metadata(
        "http://127.0.0.1:8000/ocds/releases", "http://127.0.0.1:8000/ocds/extensions/chain/extension.json"
    )


Way = Callable[[Engine, EventDecoder, Path, int, Display, int], int]


def measure(engine: Engine, decoder: EventDecoder, scratch: Path, chunk: int, show: Display) -> dict[str, Any]:
    """Each way timed, then again under tracemalloc; the packages it wrote are kept for the checks."""
    with Session(engine) as session:
        total = int(session.execute(select(func.count(Process.id))).scalar_one())
    ways: dict[str, Way] = {"streaming": streaming, "naive": naive}
    figures: dict[str, dict[str, Any]] = {}
    load = os.getloadavg()[0]
    for name, way in ways.items():
        out = scratch / f"{name}.json"
        started = time.perf_counter()
        count = way(engine, decoder, out, chunk, show, total)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        way(engine, decoder, scratch / f"{name}-traced.json", chunk, show, total)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[name] = {
            "releases": count, "seconds": round(seconds, 3), "releases_per_second": round(count / seconds, 1),
            "peak_traced_bytes": peak, "package_bytes": out.stat().st_size, "file": out,
        }  # fmt: skip
    return {"processes": total, "ways": figures, "load": [load, os.getloadavg()[0]]}


def checks(figures: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """Both ways wrote the same releases, the ids are unique, and the first releases are valid."""
    packages = {name: json.loads(Path(figures[name]["file"]).read_text(encoding="utf-8")) for name in WAYS}
    streamed, naive_releases = packages["streaming"]["releases"], packages["naive"]["releases"]
    ids = [release["id"] for release in streamed]
    sample = packages["streaming"] | {"releases": streamed[:VALIDATED]}
    return {
        "both_ways_wrote_the_same_releases": _digest(streamed) == _digest(naive_releases),
        "release_ids_are_unique": len(set(ids)) == len(ids),
        "the_first_releases_are_valid_ocds_1_1_5": not streamed
        or not list(problems(sample, RELEASE_PACKAGE, patched_release_schema())),
    }


def _digest(releases: list[dict[str, Any]]) -> str:
    text = io.StringIO()
    json.dump(releases, text, sort_keys=True)
    return hashlib.sha256(text.getvalue().encode()).hexdigest()


def run(options: argparse.Namespace, show: Display) -> dict[str, Any]:
    """The whole benchmark on a fresh chain; returns the result document."""
    started, env = time.perf_counter(), environment()
    with tempfile.TemporaryDirectory(prefix="procledger-ocdsbench-") as scratch_name:
        scratch, fields = Path(scratch_name), Settings.model_fields
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=scratch / "data", chain_port=free_port(), rpc_url="",
            database_url=f"sqlite:///{scratch / 'mirror.sqlite3'}", mnemonic=SecretStr(DEV_MNEMONIC),
            deployer_key=None, confirmations=0, index_batch_blocks=fields["index_batch_blocks"].default,
            max_reorg_depth=64, api_port=free_port(),
        )  # fmt: skip
        show("compiling the ledger (if stale)")
        ensure_built(settings)
        settings.data_dir.mkdir(parents=True)
        build = _build(settings, plan_city(options.processes), scratch, show)
        engine = make_engine(settings.database_url)
        try:
            measured = measure(engine, bundle_decoder(settings), scratch, options.chunk, show)
            checked = checks(measured["ways"])
        finally:
            engine.dispose()
    ways = measured["ways"]
    for figures in ways.values():
        figures.pop("file")
    stream, slow = ways["streaming"], ways["naive"]
    return {
        "processes": measured["processes"],
        "releases": stream["releases"],
        "chunk": options.chunk,
        "releases_per_second": {name: ways[name]["releases_per_second"] for name in WAYS},
        "peak_traced_bytes": {name: ways[name]["peak_traced_bytes"] for name in WAYS},
        "ratio_streaming_over_naive_speed": round(stream["releases_per_second"] / slow["releases_per_second"], 2),
        "ratio_naive_over_streaming_memory": round(slow["peak_traced_bytes"] / max(stream["peak_traced_bytes"], 1), 2),
        "ways": ways,
        "peak_rss_bytes_whole_run": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "targets": {},
        "checks": checked,
        "how": HOW,
        "chain": build["chain"] | {"events": build["events"], "documents": build["documents"]},
        "load_average_1min": {"before": round(measured["load"][0], 2), "after": round(measured["load"][1], 2)},
        "elapsed_seconds": {key: round(value, 2) for key, value in build["seconds"].items()}
        | {"total": round(time.perf_counter() - started, 1)},
        "environment": env,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the JSON, print the summary; 1 when a correctness check fails, else 0."""
    options = parse_args(argv)
    console = Console(stderr=True)
    show = Display(console)
    with show.progress:
        result = run(options, show)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    for name in WAYS:
        figures = result["ways"][name]
        console.print(
            f"{name:<10} {figures['releases_per_second']:>10,.1f} releases/s  "
            f"peak {figures['peak_traced_bytes'] / 2**20:8.1f} MiB traced  ({figures['releases']:,} releases)"
        )
    return print_verdicts(console, result, options.out, result["elapsed_seconds"]["total"])


if __name__ == "__main__":
    sys.exit(main())
