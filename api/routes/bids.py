"""Sealed bids: a supplier checks its bid against the chain, and lists its bids."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DecoderDep, SessionDep
from api.paging import After, Bytes32, Limit, cursor_after, position_after
from api.schemas import ErrorOut
from api.schemas_bids import BidCheckOut, BidVerifyIn, SupplierBidOut, SupplierBidsOut
from ledger.read.bids import BidClaim, check_bid, supplier_bids

router = APIRouter(tags=["bids"])


@router.post("/bids/verify", response_model=BidCheckOut, responses={404: {"model": ErrorOut}})
def verify_bid(request: BidVerifyIn, session: SessionDep, decoder: DecoderDep) -> BidCheckOut:
    """Whether this exact bid was committed (in which block, when), replaced, and revealed as such. The commitment
    is recomputed from what the supplier kept and looked for in the chain's events."""
    source = request.receipt or request
    claim = BidClaim(
        ocid=str(source.ocid),
        bidder_org=str(source.bidder_org).lower(),
        amount=int(source.amount or 0),
        bid_doc_hash=str(source.bid_doc_hash).lower(),
        salt=str(source.salt).lower(),
        tx_hash=request.receipt.tx_hash if request.receipt else None,
    )
    result = BidCheckOut.model_validate(check_bid(session, decoder, claim))
    claimed = request.receipt.commitment if request.receipt else None
    return result.model_copy(
        update={"receipt_commitment_matches": None if claimed is None else claimed.lower() == result.commitment}
    )


@router.get("/suppliers/{org_id}/bids", response_model=SupplierBidsOut)
def bids_of_supplier(org_id: Bytes32, session: SessionDep, after: After = None, limit: Limit = 50) -> SupplierBidsOut:
    """A supplier organisation's bids, in the order they were first committed: sealed ones show no amount."""
    listing = "bids:" + org_id.lower()
    items, last = supplier_bids(session, org_id.lower(), position_after(listing, after), limit)
    return SupplierBidsOut(
        items=[SupplierBidOut.model_validate(item) for item in items], next_cursor=cursor_after(listing, last)
    )
