"""One way to turn a gateway Action and its request model into a write endpoint, so every write answers alike.

Each endpoint needs a token of an organisation holding the action's role (else 401/403), an Idempotency-Key, and
a body the contract would take as that organisation's signing account (else 409 with the decoded refusal). It
then answers 202 with the queued write, or 200 with the write first accepted under the same key and body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.auth import GatewayDep, role_required
from api.chain_calls import waiting_on_chain
from api.deps import SessionDep
from api.schemas import ErrorOut, RevertOut
from api.schemas_writes import WriteOut
from ledger.gateway.accept import WriteGateway
from ledger.gateway.access import Caller
from ledger.gateway.actions import Action
from ledger.gateway.outbox import WriteView

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="your id for this write (e.g. a UUID): sending it again with the same body returns the same "
        "write; with another body it is refused with 409",
    ),
]
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no API token, or one not issued or revoked (WWW-Authenticate: Bearer)"},
    429: {"model": ErrorOut, "description": "over PROCLEDGER_WRITE_RATE for this token; see Retry-After"},
    422: {"model": ErrorOut},
}


def write_responses(role: str, forbidden: str | None = None) -> dict[int | str, dict[str, Any]]:
    """The answers a write endpoint documents besides its 202; `forbidden` says when it answers 403."""
    return {
        200: {"model": WriteOut, "description": "the same Idempotency-Key and body again: the write accepted first"},
        403: {
            "model": ErrorOut,
            "description": forbidden or f"the token's organisation does not hold the {role} role, or is suspended",
        },
        409: {
            "model": ErrorOut,
            "description": "the contract refuses it (`revert` holds the decoded error; nothing is queued), or the "
            "Idempotency-Key was used with another body",
        },
        503: {"model": ErrorOut, "description": "the chain does not answer, or no signing key is configured"},
        **AUTH_ERRORS,
    }


def add_write_route(
    router: APIRouter, path: str, action: Action, model: type[BaseModel], summary: str, *,
    caller: Any = None, responses: dict[int | str, dict[str, Any]] | None = None, description: str | None = None,
) -> None:  # fmt: skip
    """Add `POST path` to `router`: a `model` body becomes `action`. The caller must hold the action's role, unless
    `caller` (a FastAPI dependency giving the Caller) checks otherwise."""
    check = caller if caller is not None else Depends(role_required(action.role, f"POST {path}"))

    async def record(
        write: BaseModel, key: IdempotencyKey, caller: Caller, gateway: GatewayDep, session: SessionDep,
        request: Request,
    ) -> JSONResponse:  # fmt: skip
        return await accept_write(request, gateway, session, caller, action, write.model_dump(mode="json"), key)

    # FastAPI reads the body model and the caller check from the signature; they differ per route.
    record.__annotations__.update(write=model, caller=Annotated[Caller, check])
    if description is None:
        description = (
            f"Needs a token of an organisation holding the **{action.role}** role; recorded on chain with "
            f"`{action.function}`, signed by that organisation's key. The write is checked against the contract "
            "first (a refusal answers 409 with the decoded error, and nothing is queued); an accepted one answers "
            "202 with its id, and GET /writes/{id} follows it to the chain."
        )
    router.add_api_route(
        path, record, methods=["POST"], status_code=202, response_model=WriteOut,
        responses=responses if responses is not None else write_responses(action.role), summary=summary,
        description=description, operation_id=f"record_{action.name}",
    )  # fmt: skip


async def accept_write(
    request: Request, gateway: WriteGateway, session: Session, caller: Caller, action: Action, body: dict[str, Any],
    key: str,
) -> JSONResponse:  # fmt: skip
    """Accept `body` as `action` of the caller's organisation: 202 with the new write, 200 with the one first
    accepted under the same key and body."""
    view, created = await waiting_on_chain(request, lambda: gateway.accept(session, caller.org_id, action, body, key))
    return JSONResponse(write_out(view).model_dump(mode="json"), status_code=202 if created else 200)


def write_out(view: WriteView) -> WriteOut:
    """A write as the API shows it."""
    return WriteOut(
        id=view.id, org_id=view.org_id, action=view.action, state=view.state, idempotency_key=view.idempotency_key,
        request=view.body, tx_hash=view.tx_hash, block_number=view.block_number,
        error=RevertOut(**view.error) if view.error else None, created_at=view.created_at, updated_at=view.updated_at,
    )  # fmt: skip
