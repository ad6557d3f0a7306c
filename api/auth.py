"""Authentication and authorisation of the write gateway: a bearer token names the caller's organisation, the
mirror says its role, and each token has its own rate limit. Failures answer 401, 403 and 429 (api.errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.deps import kept
from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.keystore import Keystores
from ledger.chain.setup import open_ledger
from ledger.gateway.accept import WriteGateway
from ledger.gateway.access import Caller, authenticate_caller, require_role
from ledger.gateway.rate import TokenRateLimit
from ledger.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="plt_…",
    description="an organisation's API token, from `procledger tokens create ORG_ID`",
)


def get_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    """The authenticated caller, counted against its token's rate limit."""
    state = request.app.state
    settings: Settings = state.settings
    deployment = Deployment.load(settings.deployment_file)
    token = credentials.credentials if credentials is not None else None
    with Session(state.engine) as session, session.begin():  # records the token's last use
        caller = authenticate_caller(session, token, deployment.chain_id if deployment else None)
    rate: TokenRateLimit = state.write_rate
    rate.hit(caller.token_id)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def role_required(role: str, what: str) -> Callable[[Caller], Caller]:
    """A dependency passing only callers whose organisation holds `role` on chain, for action `what`."""

    def check(caller: CallerDep) -> Caller:
        require_role(caller, role, what)
        return caller

    return check


def get_gateway(request: Request) -> WriteGateway:
    """The write gateway: chain connection, ledger contract and keystores."""
    return kept(request, "gateway", _build_gateway)


def _build_gateway(settings: Settings) -> WriteGateway:
    return WriteGateway(open_ledger(settings, connect(settings.rpc_url)), Keystores.from_settings(settings))


GatewayDep = Annotated[WriteGateway, Depends(get_gateway)]
