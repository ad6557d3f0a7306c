"""A chain per test module holding the demo, the full lifecycle (tests/api/lifecycle.py) and the acts it leaves
out (tests/ocds/more_acts.py), mirrored into SQLite and PostgreSQL: every OCDS export test reads a mirror and
writes only files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.demo import PURCHASER
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.database import make_engine
from tests.api.conftest import DemoChain, demo_chain, mirror_demo_chain
from tests.api.lifecycle import ANCHORED
from tests.conftest import fresh_database
from tests.ocds.more_acts import run_remaining_acts

__all__ = ["demo_chain"]


@pytest.fixture(scope="module")
def full_chain(demo_chain: DemoChain) -> DemoChain:
    """The demo chain with every kind of process event on it."""
    run_remaining_acts(demo_chain.settings, demo_chain.ledger, connect(demo_chain.settings.rpc_url))
    return demo_chain


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mirrored_settings(request: pytest.FixtureRequest, full_chain: DemoChain) -> Iterator[Settings]:
    """Settings whose database is a mirror of the full chain, indexed up to the head, in each database."""
    with fresh_database(request.param, full_chain.settings.data_dir) as url:
        settings = full_chain.settings.model_copy(update={"database_url": url})
        engine = mirror_demo_chain(settings)
        chain_id = int(full_chain.ledger.contract.w3.eth.chain_id)
        with Session(engine) as session, session.begin():  # the leaf list the lifecycle's anchoring leaves out
            record_anchored_leaves(session, chain_id, PURCHASER.org_id, merkle_root(list(ANCHORED)), list(ANCHORED))
        engine.dispose()
        yield settings


@pytest.fixture(scope="module")
def mirrored(mirrored_settings: Settings) -> Iterator[Engine]:
    """The engine of that mirror."""
    engine = make_engine(mirrored_settings.database_url)
    yield engine
    engine.dispose()
