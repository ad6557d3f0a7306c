"""Response shapes of a process's timeline, and the pieces every served fact is made of."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# Amounts are integers in minor units that can exceed 2**53, so JSON carries them as decimal strings.
MinorUnits = Annotated[int, PlainSerializer(str, return_type=str, when_used="json")]

_EXAMPLE_HASH = "0x5d41402abc4b2a76b9719d911017c592" + "0" * 32
_EXAMPLE_ORG = "0x3fa0f2e2d2a7c48f0d1bb8b6c66b1bf1c3b6f0c8c8cdb7e8c0e1b4b1c9d6a2e1"


class Schema(BaseModel):
    """Response schemas read attributes of the ledger's read models."""

    model_config = ConfigDict(from_attributes=True)


class EvidenceOut(Schema):
    """Where on chain a fact was recorded: enough to check it against any node, without trusting this API."""

    chain_id: int = Field(examples=[31337])
    contract: str = Field(description="address of the contract that emitted the event")
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    block_time: datetime = Field(description="timestamp of the block (UTC)")


class PartyOut(Schema):
    """An organisation in the part it plays. Its name comes from a profile document in the document store, whose
    registry id hashes (keccak256) to `org_id`; `name_sha256` names that document so the binding can be checked."""

    role: str = Field(examples=["supplier"])
    org_id: str = Field(description="keccak256 of the organisation's registry id, its id on chain")
    name: str | None = Field(examples=["Harbour Roadworks Ltd"])
    registry_id: str | None = Field(description="e.g. the unified social credit code", examples=["91330100DEMO0003SA"])
    name_sha256: str | None = Field(description="SHA-256 of the profile document that binds the name")


class DocumentRefOut(Schema):
    """A document by the SHA-256 the chain holds, with its title and whether its content can still be had."""

    role: str = Field(examples=["document", "payment_voucher"])
    sha256: str = Field(examples=[_EXAMPLE_HASH])
    title: str | None = Field(description="from the document store; null if the store does not hold the document")
    media_type: str | None
    stored: bool = Field(description="whether the document store knows this document")
    available: bool = Field(description="whether its content can be downloaded (false once withdrawn)")
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class MoneyOut(Schema):
    """An amount in minor units of its ISO 4217 currency (fen for CNY), as a decimal string."""

    label: str = Field(examples=["amount"])
    amount: MinorUnits = Field(examples=["10500000"])
    currency: str = Field(examples=["CNY"])


class TimelineEntryOut(Schema):
    """One event of the process, in chain order."""

    kind: str = Field(description="the contract event's name", examples=["PaymentRecorded"])
    label_en: str = Field(examples=["Payment made"])
    label_zh: str = Field(examples=["支付合同款项"])
    actor: PartyOut | None = Field(description="the organisation that acted")
    account: str | None = Field(description="the account that signed for it, where the event names one")
    parties: list[PartyOut]
    amounts: list[MoneyOut]
    documents: list[DocumentRefOut]
    details: dict[str, Any] = Field(description="the event's other fields: ids, deadlines (ISO 8601), counts")
    durations: dict[str, float] = Field(
        description="days since the event this one follows, e.g. days_since_acceptance for a payment",
        examples=[{"days_since_acceptance": 12.5}],
    )
    sealed: bool | None = Field(description="for a sealed bid: true until it is opened; null for other events")
    chain: EvidenceOut


class TimelineOut(Schema):
    """A process and a page of its events in chain order."""

    ocid: str = Field(examples=["ocds-pl0001-2026-0001"])
    process_id: str = Field(description="keccak256 of the ocid, the process's id on chain")
    stage: str = Field(examples=["implementation"])
    currency: str = Field(examples=["CNY"])
    title: DocumentRefOut = Field(description="the notice document that holds the title and description")
    buyer: PartyOut
    finance: PartyOut | None = Field(description="the finance bureau that approved the budget line")
    entries: list[TimelineEntryOut]
    next_cursor: str | None = Field(
        default=None, description="pass as `after` for the next page; null on the last page"
    )
