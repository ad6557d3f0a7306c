"""Response and request shapes of the document endpoints, kept apart from the ORM models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SHA256_PATTERN = r"^(0x)?[0-9a-fA-F]{64}$"
_HASH = "0x" + "9f" * 32
_ORG = "0x5c0b8f2a" + "00" * 28
_ROOT = "0x" + "e3" * 32
_TX = "0x" + "7a" * 32


class AnchorChainReference(BaseModel):
    """The DocumentsAnchored event that put the root on chain: enough to look it up in any explorer or node."""

    chain_id: int
    contract: str | None = Field(description="address of the contract that emitted the event")
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    anchored_at: datetime = Field(description="timestamp of the block that anchored the root")


class AnchorOut(BaseModel):
    """One Merkle root on chain that holds the document, and who anchored it for which process."""

    anchorer_org: str = Field(description="on-chain id of the anchoring organisation: keccak256 of its registry id")
    anchorer_name: str | None = Field(description="the organisation's name, if a profile document binds one")
    anchorer_name_sha256: str | None = Field(description="SHA-256 of the profile document that binds the name")
    root: str = Field(description="the anchored RFC 6962 Merkle root")
    leaf_index: int = Field(description="the document's position among the anchored leaves, from 0")
    tree_size: int = Field(description="how many documents the root anchors, as the chain records it")
    process_id: str | None = Field(description="the process the anchor was filed under, if any")
    ocid: str | None = Field(description="that process's ocid, if the mirror holds it")
    chain: AnchorChainReference


class InclusionProofOut(AnchorOut):
    """The document's inclusion proof to one anchored root, with the anchor it proves against."""

    audit_path: list[str] = Field(
        description="sibling hashes, leaf level first (RFC 6962 §2.1.1): leaf = SHA256(0x00 || sha256), "
        "node = SHA256(0x01 || left || right); check with the contract's verifyDocument(anchorer_org, root, "
        "sha256, leaf_index, audit_path)"
    )


_ANCHOR_EXAMPLE: dict[str, Any] = {
    "anchorer_org": _ORG,
    "anchorer_name": "Riverside City Procurement Centre",
    "anchorer_name_sha256": "0x" + "4d" * 32,
    "root": _ROOT,
    "leaf_index": 3,
    "tree_size": 15,
    "process_id": None,
    "ocid": None,
    "chain": {
        "chain_id": 31337,
        "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "tx_hash": _TX,
        "block_number": 42,
        "block_hash": "0x" + "b1" * 32,
        "log_index": 0,
        "anchored_at": "2026-03-01T09:30:00Z",
    },
}


class DocumentOut(BaseModel):
    """A document in the store: what it is, whether its bytes can be fetched, and where it is anchored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sha256": _HASH,
                    "title": "市政府办公楼物业管理服务 (Facility management of the city hall)",
                    "description": "公开招标。服务期三年。",
                    "media_type": "text/plain; charset=utf-8",
                    "size": 96,
                    "language": "zh",
                    "added_at": "2026-03-01T09:29:58Z",
                    "available": True,
                    "withdrawn_at": None,
                    "withdrawal_reason": None,
                    "anchors": [_ANCHOR_EXAMPLE],
                }
            ]
        }
    )

    sha256: str = Field(description="SHA-256 of the bytes, as the chain names the document")
    title: str | None
    description: str | None
    media_type: str
    size: int = Field(description="bytes")
    language: str | None = Field(description="BCP 47 language tag")
    added_at: datetime = Field(description="when the store received it")
    available: bool = Field(description="false once withdrawn: the bytes are gone, the hash and proof remain")
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    anchors: list[AnchorOut] = Field(description="every root on chain that holds the document, oldest first")


class DocumentProofOut(BaseModel):
    """A document's inclusion proofs, one per anchored root that holds it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sha256": _HASH, "proofs": [{**_ANCHOR_EXAMPLE, "audit_path": [_HASH]}]}]}
    )

    sha256: str
    proofs: list[InclusionProofOut]


class VerifyRequest(BaseModel):
    """Check a document by its SHA-256 instead of uploading its bytes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"sha256": _HASH}]})

    sha256: str = Field(pattern=SHA256_PATTERN, description="64 hex digits, optionally 0x-prefixed")


class VerificationOut(BaseModel):
    """Whether a document is anchored on chain, by whom, for which process, in which transaction, with proofs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sha256": _HASH,
                    "size": 96,
                    "anchored": True,
                    "in_store": True,
                    "title": "Tender documents",
                    "proofs": [{**_ANCHOR_EXAMPLE, "audit_path": [_HASH]}],
                }
            ]
        }
    )

    sha256: str = Field(description="SHA-256 of the uploaded bytes, or the one given")
    size: int | None = Field(description="bytes uploaded; null when only a hash was sent")
    anchored: bool = Field(description="whether a root on chain holds the document")
    in_store: bool = Field(description="whether the document store knows the document")
    title: str | None = Field(description="its title in the store, if known")
    proofs: list[InclusionProofOut] = Field(description="one inclusion proof per anchored root; empty if none")
