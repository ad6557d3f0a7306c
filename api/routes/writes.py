"""The write gateway: a finance bureau records a payment; every write is followed by its id.

A write is accepted only with an API token of an organisation holding the role, an Idempotency-Key, and after the
contract's own checks pass in a simulation (eth_call) as the organisation's signing account. It is then in the
outbox (202), and the submitter takes it to the chain. The other roles' writes are in the *_writes routers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import CallerDep
from api.deps import SessionDep
from api.schemas import ErrorOut
from api.schemas_writes import PaymentIn, WriteOut
from api.write_routes import AUTH_ERRORS, add_write_route, write_out
from ledger.gateway.actions import PAYMENT
from ledger.gateway.outbox import find_write

router = APIRouter(tags=["writes"])

add_write_route(router, "/payments", PAYMENT, PaymentIn, "Record a payment for an accepted milestone")


@router.get("/writes/{write_id}", response_model=WriteOut, responses={404: {"model": ErrorOut}, **AUTH_ERRORS})
def write(
    write_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the id a write endpoint answered with")],
    caller: CallerDep,
    session: SessionDep,
) -> WriteOut:
    """How far one of your organisation's writes has got: queued, submitted, included, confirmed or failed."""
    return write_out(find_write(session, write_id, caller.org_id))
