"""API tokens: issued per organisation, kept only as hashes, looked up by hash, revoked by id.

A token is `plt_` and 32 random bytes (secrets.token_urlsafe): 256 bits, so a plain SHA-256 of it is enough to
store. Slow password hashes (scrypt, argon2) exist to make guessing a low-entropy secret expensive; nobody can
enumerate 2**256 candidates, and a fast hash lets every request be checked with one indexed lookup. Nothing here
commits: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.store.gateway_models import ApiToken

TOKEN_PREFIX = "plt_"


@dataclass(frozen=True)
class TokenInfo:
    """What the gateway tells about a token: never its text."""

    id: int
    org_id: str
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def token_digest(token: str) -> str:
    """The SHA-256 (hex) a token is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, org_id: str, label: str | None = None) -> tuple[TokenInfo, str]:
    """A new token for `org_id`: its record and its text, which is not kept and cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_sha256=token_digest(token), org_id=org_id, label=label, created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return _info(row), token


def list_tokens(session: Session) -> list[TokenInfo]:
    """Every token issued, revoked ones included, oldest first."""
    return [_info(row) for row in session.scalars(select(ApiToken).order_by(ApiToken.id))]


def revoke_token(session: Session, token_id: int) -> TokenInfo:
    """Revoke token `token_id` (a second revocation keeps the first's time)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"no token has id {token_id}; `procledger tokens list` shows the ids")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    return _info(row)


def revoke_labelled(session: Session, org_id: str, label: str) -> int:
    """Revoke every live token of `org_id` with `label`; returns how many."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.org_id == org_id, ApiToken.label == label, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = datetime.now(UTC)
    return len(rows)


def authenticate(session: Session, token: str) -> TokenInfo | None:
    """The live token with this text, its last use updated; None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = datetime.now(UTC)
    return _info(row)


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.id, row.org_id, row.label, row.created_at, row.last_used_at, row.revoked_at)
