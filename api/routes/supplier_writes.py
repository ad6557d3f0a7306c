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
from api.deps import SessionDep
from api.schemas import ErrorOut
from api.schemas_supplier_writes import BidCommitmentIn, SignedTransactionIn
from api.schemas_writes import WriteOut
from api.write_routes import IdempotencyKey, accept_write, add_write_route, write_responses
from ledger.errors import RoleRequiredError
from ledger.gateway.access import Caller, require_role
from ledger.gateway.supplier_actions import (
    BID_COMMITMENT,
    BID_REVEAL,
    BID_SIGNATURE_CANCELLATION,
    COMPLAINT,
    DELIVERY,
    SUPPLIER,
)

router = APIRouter(tags=["supplier writes"])


def _responses(forbidden: str) -> dict[int | str, dict[str, Any]]:
    return write_responses(SUPPLIER, "the token's organisation is not a supplier, or " + forbidden) | {
        422: {"model": ErrorOut, "description": "a malformed body, or a signed transaction that cannot be relayed"},
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
    return await accept_write(request, gateway, session, caller, BID_COMMITMENT, bid.model_dump(), key)


# The acts a supplier's own account signs, relayed unchanged: (path, action, summary, what it does).
_SIGNED_ACTS = (
    ("/bids/reveals", BID_REVEAL, "Reveal your sealed bid",
     "Reveal your organisation's sealed bid (`revealBid`, signed by your account) between the bid and the reveal "
     "deadlines."),
    ("/bids/signature-cancellations", BID_SIGNATURE_CANCELLATION, "Void your bid signatures not relayed yet",
     "Void every bid signature of your organisation not relayed yet (`cancelBidSignatures`, signed by your "
     "account): the bid's nonce moves on."),
    ("/deliveries", DELIVERY, "Record a milestone's delivery",
     "Record the delivery of a contract milestone (`recordMilestone` with kind 0, Delivery, signed by your "
     "account); the purchaser then accepts it."),
    ("/complaints", COMPLAINT, "File a complaint",
     "File a complaint about a process (`fileComplaint`, signed by your account); award and signing pause until "
     "the finance bureau resolves it."),
)  # fmt: skip
for path, action, summary, what in _SIGNED_ACTS:
    add_write_route(
        router, path, action, SignedTransactionIn, summary, caller=_supplier_even_suspended(f"POST {path}"),
        responses=_SIGNED, description=what + " Post the transaction your account signed, as `signed_transaction`; "
        "the gateway checks it is that call, on this ledger and chain, by an account of your organisation, "
        "simulates it, and sends it unchanged.",
    )  # fmt: skip
