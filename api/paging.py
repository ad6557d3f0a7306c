"""Query and path parameters the routers share: cursors, page sizes and on-chain ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from ledger.read.cursor import decode_cursor, encode_cursor

After = Annotated[str | None, Query(max_length=200, description="the `next_cursor` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200, description="how many items per page")]
Bytes32 = Annotated[
    str,
    Path(
        pattern=r"^0x[0-9a-fA-F]{64}$",
        description="a 32-byte id as 0x-hex (organisation: keccak256 of its registry id)",
        examples=["0x" + "ab" * 32],
    ),
]


def position_after(listing: str, after: str | None) -> tuple[int, int] | None:
    """The (block, log index) position a cursor of `listing` resumes after."""
    if after is None:
        return None
    block, log_index = decode_cursor(listing, after, (int, int))
    return int(block), int(log_index)


def cursor_after(listing: str, position: tuple[int, int] | None) -> str | None:
    """The cursor resuming `listing` after `position`, or None on the last page."""
    return encode_cursor(listing, position) if position is not None else None
