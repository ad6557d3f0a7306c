"""Request and response shapes of filing and withdrawing documents through the write gateway."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.schemas_documents import SHA256_PATTERN
from ledger.gateway.documents import REASON_LENGTH

_HASH = "0x" + "9f" * 32
_PLACE_EXAMPLE: JsonDict = {
    "batch_id": 7,
    "leaf_index": 2,
    "write_id": 41,
    "state": "batching",
    "size": 3,
    "closes_at": "2026-03-01T09:30:30Z",
    "root": None,
    "ocid": "ocds-pl0001-2026-0001",
}


class DocumentHashIn(BaseModel):
    """A document filed by its SHA-256 alone: the hash is anchored, the bytes stay with the sender."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"sha256": _HASH, "ocid": "ocds-pl0001-2026-0001"}]}
    )

    sha256: str = Field(pattern=SHA256_PATTERN, description="64 hex digits, optionally 0x-prefixed")
    ocid: str | None = Field(
        default=None, min_length=1, max_length=200, description="the process to file it under, if any"
    )


class DocumentUploadForm(BaseModel):
    """The text fields of a multipart upload, beside the `file` part (each at most 1,024 bytes)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=1024)
    language: str | None = Field(default=None, max_length=35, description="BCP 47 tag, e.g. zh-CN")
    description: str | None = Field(default=None, max_length=1024)
    ocid: str | None = Field(default=None, min_length=1, max_length=200, description="the process to file it under")
    sha256: str | None = Field(default=None, pattern=SHA256_PATTERN, description="checked against the file's")


class AnchorPlaceOut(BaseModel):
    """Where the document will be anchored: its place in a batch, the write that anchors the batch, and the root
    once the batch has closed."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PLACE_EXAMPLE]})

    batch_id: int
    leaf_index: int = Field(description="the document's position among the batch's leaves, from 0")
    write_id: int = Field(description="GET /writes/{write_id} follows the anchoring: batching → queued → … confirmed")
    state: str = Field(description="batching (still collecting documents) or closed (root computed, write queued)")
    size: int = Field(description="documents in the batch so far; the tree size once closed")
    closes_at: datetime = Field(
        description="when the batch closes at the latest (PROCLEDGER_ANCHOR_INTERVAL after its first document); it "
        "closes earlier once PROCLEDGER_ANCHOR_BATCH_SIZE documents are in it"
    )
    root: str | None = Field(description="the batch's RFC 6962 Merkle root, once closed")
    ocid: str | None = Field(description="the process the anchor is filed under, if any")


class DocumentFiledOut(BaseModel):
    """A document the gateway accepted: kept in the store (unless only its hash was sent) and batched for anchoring.
    GET /documents/{sha256}/proof answers once the anchor is on chain and indexed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sha256": _HASH,
                    "stored": True,
                    "title": "Tender notice",
                    "media_type": "text/plain",
                    "size": 96,
                    "added_by_org": "0x" + "5c" * 32,
                    "anchor": _PLACE_EXAMPLE,
                }
            ]
        }
    )

    sha256: str
    stored: bool = Field(description="whether the store holds the document (false when only its hash was sent)")
    title: str | None
    media_type: str | None
    size: int | None = Field(description="bytes; null when only the hash was sent")
    added_by_org: str | None = Field(description="the organisation that added it, the only one that may withdraw it")
    anchor: AnchorPlaceOut


class WithdrawalIn(BaseModel):
    """Why a document's content is withdrawn; the reason is public, beside the hash that stays."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "personal data of a bidder's staff, withdrawn on their request"}]},
    )

    reason: str = Field(
        min_length=REASON_LENGTH[0], max_length=REASON_LENGTH[1], description="shown with the document from now on"
    )
