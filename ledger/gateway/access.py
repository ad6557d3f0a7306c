"""Who is calling and what they may do: an API token names an organisation; the mirror says its role on chain.

The chain checks the role again when the write lands; checking here first answers a wrong caller at once, with
a 401 or 403 that says what is needed, and keeps its write out of the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AuthenticationError, RoleRequiredError
from ledger.store.projections import Organisation
from ledger.store.tokens import authenticate

NEEDS_TOKEN = (
    "this endpoint needs an organisation's API token: send `Authorization: Bearer plt_…`; the gateway's operator "
    "issues one with `procledger tokens create ORG_ID`"
)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: its token and organisation, and that organisation's role on chain (if any)."""

    token_id: int
    org_id: str
    role: str | None
    suspended: bool


def authenticate_caller(session: Session, token: str | None, chain_id: int | None) -> Caller:
    """The caller a bearer token names; a missing, unknown or revoked token raises AuthenticationError."""
    if not token:
        raise AuthenticationError(NEEDS_TOKEN)
    info = authenticate(session, token)
    if info is None:
        raise AuthenticationError(
            "the API token is not one this gateway issued, or it was revoked; ask the gateway's operator for a new "
            "one (`procledger tokens create ORG_ID`)"
        )
    query = select(Organisation.role, Organisation.suspended_by).where(Organisation.org_id == info.org_id)
    if chain_id is not None:
        query = query.where(Organisation.chain_id == chain_id)
    found = session.execute(query.limit(1)).one_or_none()
    role, suspended = (found[0], found[1] is not None) if found is not None else (None, False)
    return Caller(info.id, info.org_id, role, suspended)


def require_role(caller: Caller, role: str, what: str) -> None:
    """Refuse `what` unless the caller's organisation holds `role` on chain and is not suspended."""
    if caller.role is None:
        raise RoleRequiredError(
            f"{what} needs the {role} role; organisation {caller.org_id} is not registered on chain (or the mirror "
            "has not indexed it yet)"
        )
    if caller.role != role:
        raise RoleRequiredError(f"{what} needs the {role} role; organisation {caller.org_id} holds {caller.role}")
    if caller.suspended:
        raise RoleRequiredError(
            f"{what} needs the {role} role in good standing; organisation {caller.org_id} is suspended"
        )


def require_registered(caller: Caller, what: str) -> None:
    """Refuse `what` unless the caller's organisation is registered on chain, in any role (as anchoring needs)."""
    if caller.role is None:
        raise RoleRequiredError(
            f"{what} needs an organisation registered on chain; organisation {caller.org_id} is not (or the mirror "
            "has not indexed it yet)"
        )
