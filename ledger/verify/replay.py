"""Replay: fold a chain history with the indexer's own rules (ledger.fold), in memory, remembering for every field
which event last wrote it, and every stage each process went through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ledger.fold.project import entity_of, project
from ledger.fold.working_set import ROW_KEYS, Key, Row, WorkingSet
from ledger.indexer.decode import DecodedEvent
from ledger.verify.source import ChainHistory


class Evidence(NamedTuple):
    """The event a fact comes from: its transaction and its log's index in the block."""

    tx_hash: str
    log_index: int
    block_number: int


class _Trace:
    current = Evidence("", -1, -1)


class TracedRow(dict[str, Any]):
    """A projection row that remembers which event last set each of its fields."""

    def __init__(self, row: Mapping[str, Any], trace: _Trace) -> None:
        super().__init__(row)
        self._trace = trace
        self.sources: dict[str, Evidence] = dict.fromkeys(row, trace.current)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.sources[key] = self._trace.current

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        super().update(changes)
        self.sources.update(dict.fromkeys(changes, self._trace.current))


class _TracingWorkingSet(WorkingSet):
    def __init__(self, chain_id: int, trace: _Trace) -> None:
        super().__init__(chain_id)
        self.trace = trace

    def put(self, table: str, row: Row) -> Row:
        return super().put(table, TracedRow(row, self.trace))

    def append(self, table: str, row: Row) -> None:
        super().append(table, TracedRow(row, self.trace))


@dataclass
class ReplayedState:
    """The state the chain's events fold to: every projection row by table and key, the stages each process went
    through, and the salts its bids were revealed with."""

    chain_id: int
    head: int
    events: int
    tables: dict[str, dict[Key, Row]] = field(default_factory=dict)
    stages: dict[str, list[tuple[str, Evidence]]] = field(default_factory=dict)
    salts: dict[tuple[str, str], str] = field(default_factory=dict)

    def rows(self, table: str) -> list[Row]:
        """The replayed rows of `table`."""
        return list(self.tables.get(table, {}).values())

    def evidence(self, table: str, key: Key, column: str) -> Evidence | None:
        """The event that last set `column` of row `key` of `table`."""
        row = self.tables.get(table, {}).get(key)
        return row.sources.get(column) if isinstance(row, TracedRow) else None


def replay(history: ChainHistory) -> ReplayedState:
    """Fold `history` (in chain order) into the state it proves."""
    trace = _Trace()
    working = _TracingWorkingSet(history.chain_id, trace)
    stages: dict[str, list[tuple[str, Evidence]]] = {}
    for event in history.events:
        log = event.log
        trace.current = Evidence(log.tx_hash, log.log_index, log.block_number)
        project(working, event, history.block_times[log.block_number])
        _follow_stage(working, event, stages, trace.current)
    return ReplayedState(
        chain_id=history.chain_id,
        head=history.head,
        events=len(history.events),
        tables=_keyed(working),
        stages=stages,
        salts=dict(history.salts),
    )


def _follow_stage(
    working: WorkingSet, event: DecodedEvent, stages: dict[str, list[tuple[str, Evidence]]], evidence: Evidence
) -> None:
    entity = entity_of(event)
    if entity is None or entity[0] != "process":
        return
    process = working.get("processes", entity[1])
    if process is None:
        return
    seen = stages.setdefault(entity[1], [])
    if not seen or seen[-1][0] != process["stage"]:
        seen.append((process["stage"], evidence))


def _keyed(working: WorkingSet) -> dict[str, dict[Key, Row]]:
    tables: dict[str, dict[Key, Row]] = {name: dict(rows) for name, rows in working.rows.items() if rows}
    for name, appended in working.appended.items():
        keyed = tables.setdefault(name, {})
        for row in appended:
            keyed.setdefault(tuple(row[column] for column in ROW_KEYS[name]), row)  # a repeat changes nothing
    return tables
