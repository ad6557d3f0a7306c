"""A chain per test module holding the demo, the full lifecycle (tests/api/lifecycle.py) and the acts it leaves
out (tests/ocds/more_acts.py), mirrored into SQLite: every OCDS export test reads it and writes only files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.demo import PURCHASER
from ledger.proofs.merkle import merkle_root
from ledger.store.anchoring import record_anchored_leaves
from tests.api.conftest import DemoChain, demo_chain, mirror_demo_chain
from tests.api.lifecycle import ANCHORED
from tests.ocds.more_acts import run_remaining_acts

__all__ = ["demo_chain"]


@pytest.fixture(scope="module")
def full_chain(demo_chain: DemoChain) -> DemoChain:
    """The demo chain with every kind of process event on it."""
    run_remaining_acts(demo_chain.settings, demo_chain.ledger, connect(demo_chain.settings.rpc_url))
    return demo_chain


@pytest.fixture(scope="module")
def mirrored(full_chain: DemoChain) -> Iterator[Engine]:
    """The full chain's mirror (SQLite in its data directory), indexed up to the head."""
    engine = mirror_demo_chain(full_chain.settings)
    chain_id = int(full_chain.ledger.contract.w3.eth.chain_id)
    with Session(engine) as session, session.begin():  # the leaf list the lifecycle's anchoring leaves out
        record_anchored_leaves(session, chain_id, PURCHASER.org_id, merkle_root(list(ANCHORED)), list(ANCHORED))
    yield engine
    engine.dispose()
