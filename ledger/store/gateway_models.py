"""Off-chain tables of the write gateway: API tokens (as hashes) and the outbox of accepted writes.

Only this operator has them and the chain cannot rebuild them, so no reindex or rollback touches them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from ledger.store.marks import off_chain
from ledger.store.models import Base
from ledger.store.types import ADDRESS, HASH, UTCDateTime


class ApiToken(Base):
    """An organisation's API token, kept only as the SHA-256 of its text: the text is shown once, at creation."""

    __tablename__ = "api_tokens"
    __table_args__ = off_chain()

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[str] = mapped_column(HASH)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxWrite(Base):
    """A write the gateway accepted, from queued to confirmed or failed; committed before the client hears 202."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("org_id", "idempotency_key"),
        Index(None, "state", "id"),
        off_chain(),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(HASH)
    signer: Mapped[str] = mapped_column(ADDRESS)
    action: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the request as JSON
    body_sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))  # queued, submitted, included, confirmed, failed
    tx_hash: Mapped[str | None] = mapped_column(HASH)  # the latest transaction sent for it
    sent_tx_hashes: Mapped[str] = mapped_column(Text, default="[]")  # every one ever sent, as JSON
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)  # the decoded refusal as JSON {"name", "args"}
    signed_tx: Mapped[str | None] = mapped_column(Text)  # a transaction its caller signed (0x-hex), sent unchanged
    # The one-use nonce a relayed supplier write takes, while it may still land: unique, so two gateway workers
    # cannot both accept writes taking it; released (NULL) when the write fails.
    nonce_claim: Mapped[str | None] = mapped_column(String(200), index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


@event.listens_for(OutboxWrite.state, "set")
def _release_nonce_claim(row: OutboxWrite, state: str, _old: object, _initiator: object) -> None:
    """A failed write will never land: the nonce it claimed is free for another, however its state was set."""
    if state == "failed":
        row.nonce_claim = None
