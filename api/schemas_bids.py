"""Request and response shapes of sealed-bid checks and a supplier's bids."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas_timeline import DocumentRefOut, EvidenceOut, MinorUnits, PartyOut, Schema

Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", examples=["0x" + "ab" * 32])]
Amount = Annotated[int, Field(ge=0, lt=2**96, description="minor units (e.g. fen for CNY)", examples=[187450000])]


class BidReceipt(BaseModel):
    """The receipt a supplier keeps when it commits a sealed bid: everything needed to prove the bid later."""

    model_config = ConfigDict(strict=True)  # JSON types as documented: `false` or "5" is no amount

    format: Literal["procledger.bid-receipt/1"] = "procledger.bid-receipt/1"
    ocid: str = Field(min_length=1, max_length=128, examples=["ocds-pl0001-2026-0001"])
    bidder_org: Hex32
    amount: Amount
    bid_doc_hash: Hex32
    salt: Hex32
    commitment: Hex32 | None = Field(default=None, description="keccak256 commitment the receipt claims")
    tx_hash: Hex32 | None = Field(default=None, description="the transaction that committed the bid")
    chain_id: int | None = None
    contract: str | None = None


class BidVerifyIn(BaseModel):
    """Either the bid's fields (ocid, bidder organisation, amount, bid document hash, salt) or a kept receipt."""

    ocid: str | None = Field(default=None, min_length=1, max_length=128)
    bidder_org: Hex32 | None = None
    amount: Amount | None = None
    bid_doc_hash: Hex32 | None = None
    salt: Hex32 | None = None
    receipt: BidReceipt | None = None

    model_config = {
        "strict": True,  # JSON types as documented: `false` or "5" is no amount
        "json_schema_extra": {
            "examples": [
                {
                    "ocid": "ocds-pl0001-2026-0001",
                    "bidder_org": "0x" + "ab" * 32,
                    "amount": 187450000,
                    "bid_doc_hash": "0x" + "cd" * 32,
                    "salt": "0x" + "ef" * 32,
                }
            ]
        },
    }

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        fields = (self.ocid, self.bidder_org, self.amount, self.bid_doc_hash, self.salt)
        if self.receipt is None and any(value is None for value in fields):
            raise ValueError("send either `receipt`, or all of ocid, bidder_org, amount, bid_doc_hash and salt")
        if self.receipt is not None and any(value is not None for value in fields):
            raise ValueError("send either `receipt` or the bid's fields, not both")
        return self


class BidCheckOut(Schema):
    """Whether that exact bid was committed, when, whether it was replaced, and whether it was revealed as such."""

    ocid: str
    process_id: str
    bidder: PartyOut
    commitment: str = Field(description="keccak256(processId, bidderOrg, amount, bidDocHash, salt), recomputed here")
    committed: bool
    committed_at: EvidenceOut | None
    replaced: bool
    replaced_at: EvidenceOut | None
    revealed: bool = Field(description="this very bid was opened, with this amount and bid document")
    revealed_at: EvidenceOut | None
    tx_hash_matches: bool | None = Field(description="the receipt's transaction committed it (null if none given)")
    receipt_commitment_matches: bool | None = Field(
        default=None, description="the receipt's commitment is the one recomputed (null if it names none)"
    )
    explanation: str


class SupplierBidOut(Schema):
    """A supplier organisation's bid on one process."""

    ocid: str
    process_id: str
    stage: str
    commitment: str = Field(description="the latest commitment")
    commitments: int = Field(description="how many times the bid was committed (1 + replacements)")
    revealed: bool
    amount: MinorUnits | None = Field(description="the revealed amount; null while sealed")
    bid_document: DocumentRefOut | None
    awarded: bool
    committed_at: EvidenceOut = Field(description="the first commitment")


class SupplierBidsOut(BaseModel):
    """A page of a supplier organisation's bids, in chain order."""

    items: list[SupplierBidOut]
    next_cursor: str | None
