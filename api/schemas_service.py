"""Response shapes of the service endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas_timeline import MinorUnits, Schema


class MoneyTotalsOut(Schema):
    """Contracted and paid in one currency (minor units, decimal strings)."""

    currency: str
    contracted: MinorUnits
    paid: MinorUnits


class ChainPositionOut(Schema):
    """How far the mirror has got on one chain."""

    chain_id: int
    indexed_block: int
    head_block: int
    lag_blocks: int
    checked_at: datetime


class LastReorgOut(Schema):
    """The latest reorganisation the indexer rolled back."""

    depth: int
    old_head: int
    old_hash: str
    new_hash: str | None = Field(description="the chain's block at old_head afterwards; null if the chain got shorter")
    ancestor: int
    detected_at: datetime


class StatsOut(Schema):
    """Counts and sums over the whole mirror."""

    processes_by_stage: dict[str, int] = Field(examples=[{"planning": 1, "implementation": 2}])
    organisations_by_role: dict[str, int]
    bids: int
    contracts: int
    payments: int
    money: list[MoneyTotalsOut]
    events_indexed: int
    chains: list[ChainPositionOut]
    reorgs: int
    deepest_reorg: int
    last_reorg: LastReorgOut | None
