"""Response shapes of the API, kept apart from the ORM models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ChainStatus(BaseModel):
    """How far the mirror has got on one chain."""

    chain_id: int
    indexed_block: int
    head_block: int
    lag_blocks: int
    checked_at: datetime = Field(description="when the indexer last compared the mirror with the chain head")


class HealthOut(BaseModel):
    """Liveness of the API and its database, the indexer's lag behind the chain head, and its rollbacks."""

    status: str
    database: str
    chains: list[ChainStatus]
    reorgs: int = Field(description="chain reorganisations the indexer rolled back (details in /stats)")
    last_reorg_at: datetime | None = Field(description="when the latest rollback happened")


class LiveOut(BaseModel):
    """The API process answers."""

    status: str = "ok"


class RevertOut(BaseModel):
    """A contract's refusal, decoded from its custom error."""

    name: str = Field(description="the custom error, e.g. ProcessAlreadyExists; Error and Panic for Solidity's own")
    args: dict[str, Any] = Field(
        description="its arguments by name: bytes as 0x-hex, integers beyond 2**53 as decimal text"
    )


class ErrorOut(BaseModel):
    """Every error the API returns has this shape; the optional fields appear only with the codes named."""

    error: str = Field(
        description="a stable machine-readable code: invalid_request, not_found, method_not_allowed, "
        "contract_revert, verification_failed, unauthenticated, forbidden, rate_limited, idempotency_conflict, "
        "unavailable, internal_error"
    )
    message: str = Field(description="what went wrong and what to do next")
    revert: RevertOut | None = Field(default=None, description="with contract_revert only: what the contract said")
