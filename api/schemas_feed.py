"""Response shapes of the change feed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas_timeline import EvidenceOut, Schema


class ChangeOut(Schema):
    """One event, decoded: its name, labels, subject and fields, with its evidence."""

    kind: str = Field(examples=["PaymentRecorded"])
    label_en: str
    label_zh: str
    subject: str | None = Field(description="the event's first topic: the process, budget, organisation or root")
    args: dict[str, Any] = Field(description="the event's fields; integers beyond 2**53 as decimal strings")
    chain: EvidenceOut


class FeedOut(BaseModel):
    """A page of changes in chain order, up to the finality watermark."""

    changes: list[ChangeOut]
    watermark: int | None = Field(description="highest block served: indexed head less PROCLEDGER_FINALITY_DEPTH")
    next_cursor: str | None = Field(
        description="pass as `after` to continue; it is given even on the last page, so a crawler polls with it"
    )
