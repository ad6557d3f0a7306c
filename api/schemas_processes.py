"""Response shapes of process lists and search."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas_timeline import DocumentRefOut, EvidenceOut, MinorUnits, PartyOut, Schema


class ProcessSummaryOut(Schema):
    """A procurement process: its title (from the notice document whose hash opened it), stage, parties and award,
    with the event that opened it."""

    ocid: str = Field(examples=["ocds-pl0001-2026-0001"])
    process_id: str = Field(description="keccak256 of the ocid, the on-chain id")
    title: DocumentRefOut = Field(description="the notice: its title, and the SHA-256 the chain holds")
    stage: str = Field(description="planning, tender, evaluation, awarded, contracted, implementation, completed, ...")
    method: str = Field(examples=["open_tender", "single_source"])
    budget_id: str = Field(description="the budget line the process draws on")
    currency: str = Field(examples=["CNY"])
    buyer: PartyOut
    supplier: PartyOut | None = Field(description="the awarded supplier organisation, once awarded")
    award_amount: MinorUnits | None
    bid_deadline: datetime | None
    created_at: datetime = Field(description="timestamp of the block that recorded the opening")
    chain: EvidenceOut = Field(description="the ProcessCreated event")


class ProcessListOut(BaseModel):
    """A page of processes, newest first."""

    items: list[ProcessSummaryOut]
    next_cursor: str | None = Field(description="pass as `after` for the next page; null on the last page")
