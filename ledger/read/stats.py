"""Figures about the whole mirror: processes by stage, organisations by role, money by currency, the indexer's
position and the reorganisations it rolled back."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ledger.store.projections import Bid, Budget, ContractRow, Organisation, Payment, Process
from ledger.store.queries import IndexStatus, events_indexed, index_status
from ledger.store.reorgs import reorg_summary


@dataclass(frozen=True)
class MoneyTotals:
    """Contracted and paid, in one currency (minor units)."""

    currency: str
    contracted: int
    paid: int


@dataclass(frozen=True)
class LastReorg:
    """The latest rollback the indexer made."""

    depth: int
    old_head: int
    old_hash: str
    new_hash: str | None
    ancestor: int
    detected_at: datetime


@dataclass(frozen=True)
class Stats:
    """Counts and sums over the mirror."""

    processes_by_stage: dict[str, int]
    organisations_by_role: dict[str, int]
    bids: int
    contracts: int
    payments: int
    money: list[MoneyTotals]
    events_indexed: int
    chains: list[IndexStatus]
    reorgs: int
    deepest_reorg: int
    last_reorg: LastReorg | None


def mirror_stats(session: Session) -> Stats:
    """The mirror's figures, each from one aggregate query."""
    by_stage = dict(session.execute(select(Process.stage, func.count()).group_by(Process.stage)).tuples().all())
    by_role = dict(session.execute(select(Organisation.role, func.count()).group_by(Organisation.role)).tuples().all())
    money: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = session.execute(
        select(Budget.currency, ContractRow.value, ContractRow.paid)
        .join(Process, (Process.chain_id == ContractRow.chain_id) & (Process.process_id == ContractRow.process_id))
        .join(Budget, (Budget.chain_id == Process.chain_id) & (Budget.budget_id == Process.budget_id))
    )
    for currency, value, paid in rows:  # summed here: uint96 amounts overflow SQLite's integer SUM
        money[currency][0] += int(value)
        money[currency][1] += int(paid)
    reorgs = reorg_summary(session)
    latest = reorgs.latest
    return Stats(
        processes_by_stage={str(stage): int(count) for stage, count in by_stage.items()},
        organisations_by_role={str(role): int(count) for role, count in by_role.items()},
        bids=_count(session, Bid.id),
        contracts=_count(session, ContractRow.id),
        payments=_count(session, Payment.id),
        money=[MoneyTotals(currency, sums[0], sums[1]) for currency, sums in sorted(money.items())],
        events_indexed=events_indexed(session),
        chains=index_status(session),
        reorgs=reorgs.count,
        deepest_reorg=reorgs.deepest,
        last_reorg=None
        if latest is None
        else LastReorg(
            latest.depth, latest.old_head, latest.old_hash, latest.new_hash, latest.ancestor, latest.detected_at
        ),
    )


def _count(session: Session, column: InstrumentedAttribute[int]) -> int:
    return int(session.execute(select(func.count(column))).scalar_one())
