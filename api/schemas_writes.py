"""Request and response shapes of the write gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from api.schemas import RevertOut

HASH32 = r"^0x[0-9a-fA-F]{64}$"
ADDRESS = r"^0x[0-9a-fA-F]{40}$"

_PAYMENT_EXAMPLE: JsonDict = {  # the demo's second quarter, once it is accepted
    "ocid": "ocds-pl0001-2026-0002",
    "payment_ref": "TV-2026-000188",
    "milestone_id": "0x69a7d52e6264791631d718bf5d368251e335bdbfae658fc79cb637e5df06aeb4",
    "amount": 10500000,
    "payee": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "voucher_sha256": "0xe57dade8e9f62426cff05d9c31305539b129fcb0df18e1d9148081ddca622286",
}


class PaymentIn(BaseModel):
    """A finance bureau's payment for an accepted milestone, as `recordPayment` records it on chain."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PAYMENT_EXAMPLE]})

    ocid: str = Field(min_length=1, max_length=200, description="the process the contract belongs to")
    payment_ref: str = Field(
        min_length=1,
        max_length=200,
        description="your own reference for this payment, e.g. the treasury voucher number; the on-chain payment id "
        "is its keccak256, so the chain refuses the same reference twice on one process",
    )
    milestone_id: str = Field(pattern=HASH32, description="the accepted milestone paid for (its on-chain id)")
    amount: int = Field(gt=0, lt=2**96, description="in minor units of the process's currency; at most what is unpaid")
    payee: str = Field(pattern=ADDRESS, description="an account of the contracted supplier")
    voucher_sha256: str = Field(pattern=HASH32, description="SHA-256 of the payment voucher document")

    @field_validator("milestone_id", "payee", "voucher_sha256")
    @classmethod
    def _lower_hex(cls, value: str) -> str:
        return value.lower()  # one spelling, so a resent body hashes the same


class WriteOut(BaseModel):
    """A write the gateway accepted, and how far it has got."""

    id: int = Field(description="the write's id: GET /writes/{id} follows it")
    org_id: str = Field(description="the organisation it is recorded for: the token's")
    action: str = Field(description="what it records, e.g. payment")
    state: str = Field(
        description="queued → submitted → included → confirmed, or failed; an anchor write is `batching` first, "
        "while its batch of documents is still open"
    )
    idempotency_key: str
    request: dict[str, Any] = Field(description="the request body as accepted")
    tx_hash: str | None = Field(description="the transaction that carries it, once submitted")
    block_number: int | None = Field(description="the block that included it")
    error: RevertOut | None = Field(description="when failed: the contract's decoded refusal")
    created_at: datetime
    updated_at: datetime
