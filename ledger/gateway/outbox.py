"""The outbox: every accepted write, committed before the client is answered, and its way to the chain.

States: queued → submitted (tx hash) → included (block) → confirmed (after PROCLEDGER_CONFIRMATIONS blocks), or
failed (the decoded refusal). A write is found again by its organisation and Idempotency-Key. Nothing here commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.errors import IdempotencyConflictError, NotFoundError
from ledger.store.gateway_models import OutboxWrite

QUEUED, SUBMITTED, INCLUDED, CONFIRMED, FAILED = "queued", "submitted", "included", "confirmed", "failed"


@dataclass(frozen=True)
class WriteView:
    """A write as its organisation sees it."""

    id: int
    org_id: str
    action: str
    state: str
    idempotency_key: str
    body: dict[str, Any]
    tx_hash: str | None
    block_number: int | None
    error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


def canonical_body(body: Mapping[str, Any]) -> str:
    """The body as canonical JSON (sorted keys, no spaces): equal bodies give equal text, whatever the key order."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def body_digest(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical body, compared when an Idempotency-Key comes back."""
    return hashlib.sha256(canonical_body(body).encode()).hexdigest()


def find_replay(session: Session, org_id: str, key: str, body: Mapping[str, Any]) -> WriteView | None:
    """The write this organisation already sent under `key`; the same key with another body is a conflict."""
    row = session.scalars(
        select(OutboxWrite).where(OutboxWrite.org_id == org_id, OutboxWrite.idempotency_key == key)
    ).one_or_none()
    if row is None:
        return None
    if row.body_sha256 != body_digest(body):
        raise IdempotencyConflictError(
            f"Idempotency-Key {key!r} was used for write {row.id} with another body; send that same body to get "
            f"write {row.id} back, or use a new key for a new write"
        )
    return view_of(row)


def find_keyed(session: Session, org_id: str, key: str) -> WriteView | None:
    """The write this organisation sent under `key`, whatever its body (for a client that would sign a new body)."""
    row = session.scalars(
        select(OutboxWrite).where(OutboxWrite.org_id == org_id, OutboxWrite.idempotency_key == key)
    ).one_or_none()
    return None if row is None else view_of(row)


def enqueue(
    session: Session, org_id: str, signer: str, action: str, body: Mapping[str, Any], key: str,
    signed_tx: str | None = None, nonce_claim: str | None = None,
) -> WriteView:  # fmt: skip
    """Add a queued write (the caller commits it before answering); `signed_tx` is a transaction the caller signed
    itself, sent as it is; `nonce_claim` names the one-use nonce it takes (unique among writes that may land)."""
    now = datetime.now(UTC)
    row = OutboxWrite(
        org_id=org_id, signer=signer, action=action, body=canonical_body(body), body_sha256=body_digest(body),
        idempotency_key=key, state=QUEUED, sent_tx_hashes="[]", signed_tx=signed_tx, nonce_claim=nonce_claim,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return view_of(row)


def find_write(session: Session, write_id: int, org_id: str) -> WriteView:
    """Write `write_id`, if it is this organisation's: another's is as unknown as a missing one."""
    row = session.get(OutboxWrite, write_id)
    if row is None or row.org_id != org_id:
        raise NotFoundError(f"your organisation has no write {write_id}; the id is in the 202 answer that accepted it")
    return view_of(row)


def writes_in(session: Session, *states: str) -> list[OutboxWrite]:
    """Writes in any of `states`, oldest first (for the submitter, which updates them)."""
    return list(session.scalars(select(OutboxWrite).where(OutboxWrite.state.in_(states)).order_by(OutboxWrite.id)))


def nonce_claimant(session: Session, nonce_claim: str) -> OutboxWrite | None:
    """The write that holds `nonce_claim`, if any."""
    return session.scalars(select(OutboxWrite).where(OutboxWrite.nonce_claim == nonce_claim)).one_or_none()


def writes_on_their_way(session: Session, org_id: str, actions: Collection[str]) -> list[OutboxWrite]:
    """This organisation's writes of `actions` still queued, submitted or included, oldest first."""
    query = select(OutboxWrite).where(
        OutboxWrite.org_id == org_id,
        OutboxWrite.action.in_(actions),
        OutboxWrite.state.in_((QUEUED, SUBMITTED, INCLUDED)),
    )
    return list(session.scalars(query.order_by(OutboxWrite.id)))


def writes_confirmed_since(session: Session, block_number: int) -> list[OutboxWrite]:
    """Confirmed writes recorded in block `block_number` or later, oldest first (for the reconciler to look up)."""
    query = select(OutboxWrite).where(OutboxWrite.state == CONFIRMED, OutboxWrite.block_number >= block_number)
    return list(session.scalars(query.order_by(OutboxWrite.id)))


def state_counts(session: Session) -> dict[str, int]:
    """How many writes are in each state, by state name."""
    query = select(OutboxWrite.state, func.count()).group_by(OutboxWrite.state).order_by(OutboxWrite.state)
    return {str(state): int(count) for state, count in session.execute(query)}


def mark(row: OutboxWrite, state: str, **fields: Any) -> None:
    """Move `row` to `state`, setting the given columns and the update time."""
    row.state = state
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = datetime.now(UTC)


def record_sent(row: OutboxWrite, tx_hash: str, nonce: int) -> None:
    """`row` was signed as `tx_hash`: submitted, and remembered among everything sent for it."""
    sent = [*json.loads(row.sent_tx_hashes), tx_hash]
    mark(row, SUBMITTED, tx_hash=tx_hash, nonce=nonce, sent_tx_hashes=json.dumps(sent))


def sent_hashes(row: OutboxWrite) -> list[str]:
    """Every transaction ever sent for `row`, oldest first."""
    return [str(tx) for tx in json.loads(row.sent_tx_hashes)]


def ids_of(rows: Sequence[OutboxWrite]) -> str:
    """The writes' ids, for a log line."""
    return ", ".join(str(row.id) for row in rows)


def view_of(row: OutboxWrite) -> WriteView:
    """The plain view of an outbox row."""
    return WriteView(
        id=row.id, org_id=row.org_id, action=row.action, state=row.state, idempotency_key=row.idempotency_key,
        body=json.loads(row.body), tx_hash=row.tx_hash, block_number=row.block_number,
        error=json.loads(row.error) if row.error else None, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def enqueue_many(
    session: Session, org_id: str, signer: str, action: str, writes: list[tuple[str, Mapping[str, Any]]]
) -> list[WriteView]:
    """Add queued writes, each (Idempotency-Key, body), with one flush (the caller commits them before answering)."""
    now = datetime.now(UTC)
    rows = [_new_row(org_id, signer, action, key, body, now) for key, body in writes]
    session.add_all(rows)
    session.flush()
    return [view_of(row) for row in rows]


def _new_row(org_id: str, signer: str, action: str, key: str, body: Mapping[str, Any], now: datetime) -> OutboxWrite:
    return OutboxWrite(
        org_id=org_id, signer=signer, action=action, body=canonical_body(body), body_sha256=body_digest(body),
        idempotency_key=key, state=QUEUED, sent_tx_hashes="[]", created_at=now, updated_at=now,
    )  # fmt: skip
