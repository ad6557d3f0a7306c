"""Response shapes of the audit: the chain's replay against the mirror, field by field."""

from __future__ import annotations

from pydantic import BaseModel, Field

_TX = "0x" + "4e" * 32


class DifferenceOut(BaseModel):
    """One fact the chain and the mirror disagree on, with the event that proves the chain's side."""

    table: str = Field(examples=["payments"])
    key: dict[str, str] = Field(description="the row's key columns", examples=[{"process_id": "0x" + "1a" * 32}])
    field: str = Field(description='the column, or "(row)" when the row is on one side only', examples=["amount"])
    chain: str | None = Field(description="the value the chain's events fold to (null: no such row)")
    mirror: str | None = Field(description="the value the mirror holds (null: no such row)")
    tx_hash: str = Field(description="the transaction of the event that set the chain's value", examples=[_TX])
    log_index: int = Field(description="that event's log index in its block", examples=[3])


class AuditOut(BaseModel):
    """Whether the mirror holds exactly what the chain proves for one process, and every difference if not."""

    ocid: str
    consistent: bool
    chain_id: int
    replayed_to_block: int = Field(description="the chain was replayed up to the mirror's checkpoint")
    events: int = Field(description="events replayed: the process's, its budget line's and its organisations'")
    rows: int = Field(description="rows compared")
    differences: list[DifferenceOut]

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "ocid": "ocds-pl0001-2026-0002",
                    "consistent": False,
                    "chain_id": 31337,
                    "replayed_to_block": 42,
                    "events": 31,
                    "rows": 17,
                    "differences": [
                        {
                            "table": "payments",
                            "key": {"process_id": "0x" + "1a" * 32, "payment_id": "0x" + "2b" * 32},
                            "field": "amount",
                            "chain": "10500000",
                            "mirror": "99900000",
                            "tx_hash": _TX,
                            "log_index": 0,
                        }
                    ],
                }
            ]
        }
    }
