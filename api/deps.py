"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import LEDGER
from ledger.indexer.decode import EventDecoder
from ledger.settings import Settings

_decoder_lock = threading.Lock()


def get_session(request: Request) -> Iterator[Session]:
    """A read session on the mirror, closed when the request ends."""
    with Session(request.app.state.engine) as session:
        yield session


def get_decoder(request: Request) -> EventDecoder:
    """The event decoder of the ledger's ABI, built on first use (so the API starts before a build), then kept."""
    state = request.app.state
    decoder: EventDecoder | None = getattr(state, "decoder", None)
    if decoder is None:
        with _decoder_lock:
            settings: Settings = state.settings
            decoder = state.decoder = EventDecoder([load_artifact(settings.artifacts_dir, LEDGER).abi])
    return decoder


SessionDep = Annotated[Session, Depends(get_session)]
DecoderDep = Annotated[EventDecoder, Depends(get_decoder)]
