"""The write gateway: a finance bureau records a payment; every write is followed by its id.

A write is accepted only with an API token of an organisation holding the role, an Idempotency-Key, and after the
contract's own checks pass in a simulation (eth_call) as the organisation's signing account. It is then in the
outbox (202), and the submitter takes it to the chain.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse

from api.auth import CallerDep, GatewayDep, role_required
from api.chain_calls import waiting_on_chain
from api.deps import SessionDep
from api.schemas import ErrorOut, RevertOut
from api.schemas_writes import PaymentIn, WriteOut
from ledger.gateway.access import Caller
from ledger.gateway.actions import PAYMENT
from ledger.gateway.outbox import WriteView, find_write

router = APIRouter(tags=["writes"])

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
_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no API token, or one not issued or revoked (WWW-Authenticate: Bearer)"},
    429: {"model": ErrorOut, "description": "over PROCLEDGER_WRITE_RATE for this token; see Retry-After"},
    422: {"model": ErrorOut},
}
FinanceCaller = Annotated[Caller, Depends(role_required("finance", "POST /payments"))]


@router.post(
    "/payments",
    status_code=202,
    response_model=WriteOut,
    responses={
        200: {"model": WriteOut, "description": "the same Idempotency-Key and body again: the write accepted first"},
        403: {"model": ErrorOut, "description": "the token's organisation is not a finance bureau, or is suspended"},
        409: {
            "model": ErrorOut,
            "description": "the contract refuses it (`revert` holds the decoded error; nothing is queued), or the "
            "Idempotency-Key was used with another body",
        },
        503: {"model": ErrorOut, "description": "the chain does not answer, or no signing key is configured"},
        **_AUTH_ERRORS,
    },
)
async def record_payment(
    payment: PaymentIn,
    key: IdempotencyKey,
    caller: FinanceCaller,
    gateway: GatewayDep,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """Record a payment for an accepted milestone (finance bureaus). Checked against the contract first; accepted
    writes answer 202 with the write's id, and GET /writes/{id} follows it to the chain."""
    body = payment.model_dump()
    view, created = await waiting_on_chain(request, lambda: gateway.accept(session, caller.org_id, PAYMENT, body, key))
    return JSONResponse(_out(view).model_dump(mode="json"), status_code=202 if created else 200)


@router.get("/writes/{write_id}", response_model=WriteOut, responses={404: {"model": ErrorOut}, **_AUTH_ERRORS})
def write(
    write_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the id a write endpoint answered with")],
    caller: CallerDep,
    session: SessionDep,
) -> WriteOut:
    """How far one of your organisation's writes has got: queued, submitted, included, confirmed or failed."""
    return _out(find_write(session, write_id, caller.org_id))


def _out(view: WriteView) -> WriteOut:
    return WriteOut(
        id=view.id, action=view.action, state=view.state, idempotency_key=view.idempotency_key, request=view.body,
        tx_hash=view.tx_hash, block_number=view.block_number,
        error=RevertOut(**view.error) if view.error else None, created_at=view.created_at, updated_at=view.updated_at,
    )  # fmt: skip
