"""Response shapes of the API, kept apart from the ORM models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ChainStatus(BaseModel):
    """How far the mirror has got on one chain."""

    chain_id: int
    indexed_block: int
    head_block: int
    lag_blocks: int
    checked_at: datetime = Field(description="when the indexer last compared the mirror with the chain head")


class HealthOut(BaseModel):
    """Liveness of the API and its database, and the indexer's lag behind the chain head."""

    status: str
    database: str
    chains: list[ChainStatus]


class ErrorOut(BaseModel):
    """Every error the API returns has this shape."""

    error: str = Field(description="a stable machine-readable code")
    message: str = Field(description="what went wrong and what to do next")
