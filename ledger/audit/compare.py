"""Field-by-field comparison of a replayed state with the mirror's rows: pure, rows in, differences out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.fold.working_set import ROW_KEYS, Key, Row
from ledger.verify import Evidence, ReplayedState

ROW = "(row)"
"""The field a difference names when a whole row is on one side only."""


@dataclass(frozen=True)
class Difference:
    """One fact the chain and the mirror disagree on, and the event that proves the chain's side."""

    table: str
    key: dict[str, str]
    field: str
    chain: str | None
    mirror: str | None
    tx_hash: str
    log_index: int


def compare_rows(
    state: ReplayedState,
    table: str,
    columns: Sequence[str],
    chain_rows: Mapping[Key, Row],
    mirror_rows: Mapping[Key, Row],
) -> list[Difference]:
    """Every difference between the replayed and the mirrored rows of `table`, over `columns`."""
    names = ROW_KEYS[table]
    differences = []
    for key in sorted(set(chain_rows) | set(mirror_rows), key=_sortable):
        chain, mirror = chain_rows.get(key), mirror_rows.get(key)
        shown = {name: str(value) for name, value in zip(names, key, strict=True)}
        if chain is None or mirror is None:
            present = chain if chain is not None else mirror
            assert present is not None
            evidence = Evidence(present["tx_hash"], present["log_index"], present["block_number"])
            differences.append(
                Difference(
                    table, shown, ROW, "present" if chain is not None else None,
                    "present" if mirror is not None else None, evidence.tx_hash, evidence.log_index,
                )
            )  # fmt: skip
            continue
        for column in columns:
            if chain.get(column) != mirror.get(column):
                evidence = state.evidence(table, key, column) or Evidence(chain["tx_hash"], chain["log_index"], 0)
                differences.append(
                    Difference(
                        table, shown, column, _show(chain.get(column)), _show(mirror.get(column)),
                        evidence.tx_hash, evidence.log_index,
                    )
                )  # fmt: skip
    return differences


def rows_in_scope(state: ReplayedState, table: str, column: str | None, ids: Iterable[str] | None) -> dict[Key, Row]:
    """The replayed rows of `table` whose `column` is one of `ids` (all of them when `ids` is None)."""
    rows = state.tables.get(table, {})
    if ids is None or column is None:
        return dict(rows)
    wanted = set(ids)
    return {key: row for key, row in rows.items() if row.get(column) in wanted}


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sortable(key: Key) -> tuple[str, ...]:
    return tuple(str(part) for part in key)
