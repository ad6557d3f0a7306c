"""A supplier's writes, with no supplier key in the gateway.

`POST /bids/commitments` relays a bid commitment an account of the supplier signed as an EIP-712 message: the
gateway's relayer sends it, and the contract checks the signature. The other acts the contract takes only from a
supplier's own account, so the supplier signs the transaction itself and the gateway relays it unchanged (see
ledger.gateway.signed_calls). Every one is pre-flighted like any write and answers like POST /payments: 202 with
the write's id, the same Idempotency-Key giving the same write, and GET /writes/{id} following it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.auth import CallerDep, GatewayDep, role_required
from api.chain_calls import waiting_on_chain
from api.deps import SessionDep
from api.schemas import ErrorOut
from api.schemas_supplier_writes import BidCommitmentIn, SignedTransactionIn
from api.schemas_writes import WriteOut
from api.write_routes import IdempotencyKey, write_out
from ledger.errors import RoleRequiredError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.access import Caller, require_role
from ledger.gateway.actions import Action
from ledger.gateway.supplier_actions import (
    BID_COMMITMENT,
    BID_REVEAL,
    BID_SIGNATURE_CANCELLATION,
    COMPLAINT,
    DELIVERY,
    SUPPLIER,
)

router = APIRouter(tags=["supplier writes"])


def _responses(refusal: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": WriteOut, "description": "the same Idempotency-Key and body again: the write accepted first"},
        401: {"model": ErrorOut, "description": "no API token, or one not issued or revoked"},
        403: {"model": ErrorOut, "description": "the token's organisation is not a supplier, or " + refusal},
        409: {
            "model": ErrorOut,
            "description": "the contract refuses it (`revert` holds the decoded error; nothing is queued), or the "
            "Idempotency-Key was used with another body",
        },
        422: {"model": ErrorOut, "description": "a malformed body, or a signed transaction that cannot be relayed"},
        429: {"model": ErrorOut, "description": "over PROCLEDGER_WRITE_RATE for this token; see Retry-After"},
        503: {"model": ErrorOut, "description": "the chain does not answer, or the relayer has no keystore"},
    }


_SIGNED = _responses("the transaction is signed by an account of another organisation")


def _supplier(what: str) -> Any:
    return Depends(role_required(SUPPLIER, what))


def _supplier_even_suspended(what: str) -> Any:
    """The supplier role, suspended or not: the contract lets a suspended supplier reveal, cancel signatures,
    deliver and complain (only a new bid needs good standing), so the gateway refuses no more than it does."""

    def check(caller: CallerDep) -> Caller:
        require_role(replace(caller, suspended=False), SUPPLIER, what)
        return caller

    return Depends(check)


async def _accept(
    request: Request, gateway: WriteGateway, session: SessionDep, caller: Caller, action: Action, body: dict[str, Any],
    key: str,
) -> JSONResponse:  # fmt: skip
    view, created = await waiting_on_chain(request, lambda: gateway.accept(session, caller.org_id, action, body, key))
    return JSONResponse(write_out(view).model_dump(mode="json"), status_code=202 if created else 200)


@router.post(
    "/bids/commitments",
    status_code=202,
    response_model=WriteOut,
    responses=_responses("`bidder_org` is not the token's organisation"),
)
async def relay_bid_commitment(
    bid: BidCommitmentIn,
    key: IdempotencyKey,
    caller: Annotated[Caller, _supplier("POST /bids/commitments")],
    gateway: GatewayDep,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """Commit (or replace) your organisation's sealed bid, signed by one of its accounts; the gateway's relayer
    pays the gas. A forged signature, or one by an account of another organisation, is refused with the contract's
    decoded error (BidSignatureInvalid, AccessControlUnauthorizedAccount)."""
    if bid.bidder_org != caller.org_id:
        raise RoleRequiredError(
            f"POST /bids/commitments relays bids of the token's own organisation {caller.org_id}; this one is "
            f"{bid.bidder_org}'s"
        )
    return await _accept(request, gateway, session, caller, BID_COMMITMENT, bid.model_dump(), key)


@router.post("/bids/reveals", status_code=202, response_model=WriteOut, responses=_SIGNED)
async def relay_bid_reveal(
    signed: SignedTransactionIn,
    key: IdempotencyKey,
    caller: Annotated[Caller, _supplier_even_suspended("POST /bids/reveals")],
    gateway: GatewayDep,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """Reveal your organisation's sealed bid (`revealBid`, signed by your account) between the bid and the reveal
    deadlines."""
    return await _accept(request, gateway, session, caller, BID_REVEAL, signed.model_dump(), key)


@router.post("/bids/signature-cancellations", status_code=202, response_model=WriteOut, responses=_SIGNED)
async def relay_bid_signature_cancellation(
    signed: SignedTransactionIn,
    key: IdempotencyKey,
    caller: Annotated[Caller, _supplier_even_suspended("POST /bids/signature-cancellations")],
    gateway: GatewayDep,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """Void every bid signature of your organisation not relayed yet (`cancelBidSignatures`, signed by your
    account): the bid's nonce moves on."""
    return await _accept(request, gateway, session, caller, BID_SIGNATURE_CANCELLATION, signed.model_dump(), key)


@router.post("/deliveries", status_code=202, response_model=WriteOut, responses=_SIGNED)
async def relay_delivery(
    signed: SignedTransactionIn,
    key: IdempotencyKey,
    caller: Annotated[Caller, _supplier_even_suspended("POST /deliveries")],
    gateway: GatewayDep,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """Record the delivery of a contract milestone (`recordMilestone` with kind 0, Delivery, signed by your
    account); the purchaser then accepts it."""
    return await _accept(request, gateway, session, caller, DELIVERY, signed.model_dump(), key)


@router.post("/complaints", status_code=202, response_model=WriteOut, responses=_SIGNED)
async def relay_complaint(
    signed: SignedTransactionIn,
    key: IdempotencyKey,
    caller: Annotated[Caller, _supplier_even_suspended("POST /complaints")],
    gateway: GatewayDep,
    session: SessionDep,
    request: Request,
) -> JSONResponse:
    """File a complaint about a process (`fileComplaint`, signed by your account); award and signing pause until
    the finance bureau resolves it."""
    return await _accept(request, gateway, session, caller, COMPLAINT, signed.model_dump(), key)
