"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """A read session on the mirror, closed when the request ends."""
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

MAX_OFFSET = 2**31 - 1
"""Deepest offset a page may start at: past it no database can be asked (SQLite overflows at 2**63)."""

Offset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description=f"rows to skip before the page starts, at most {MAX_OFFSET:,}")
]
