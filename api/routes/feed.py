"""The change feed for crawlers: every event in chain order, up to a finality watermark."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import DecoderDep, SessionDep
from api.paging import After, cursor_after, position_after
from api.schemas_feed import ChangeOut, FeedOut
from ledger.read.feed import changes_after

router = APIRouter(tags=["feed"])
_LISTING = "feed"
FeedLimit = Annotated[int, Query(ge=1, le=2000, description="how many changes per page")]


@router.get("/feed", response_model=FeedOut)
def feed(
    request: Request, session: SessionDep, decoder: DecoderDep, after: After = None, limit: FeedLimit = 500
) -> FeedOut:
    """Changes after the cursor, in chain order. Follow `next_cursor` to never miss a change nor see one twice;
    poll with the last cursor when `changes` comes back empty."""
    page = changes_after(
        session, decoder, request.app.state.settings.finality_depth, position_after(_LISTING, after), limit
    )
    return FeedOut(
        changes=[ChangeOut.model_validate(change) for change in page.changes],
        watermark=page.watermark,
        next_cursor=cursor_after(_LISTING, page.next_after),
    )
