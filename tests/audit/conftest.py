"""A fresh mirror of the demo chain (tests/api/conftest.py) per test, in SQLite and in PostgreSQL, for tests that
tamper with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.api.conftest import DemoChain, demo_chain, mirror_demo_chain
from tests.conftest import fresh_database
from tests.verify.conftest import source

__all__ = ["demo_chain", "source"]


@pytest.fixture(params=["sqlite", "postgresql"])
def mirror(request: pytest.FixtureRequest, demo_chain: DemoChain) -> Iterator[Engine]:
    """A mirror of the whole demo chain, with the demo's off-chain half, in each database."""
    with fresh_database(request.param, demo_chain.settings.data_dir) as url:
        engine = mirror_demo_chain(demo_chain.settings.model_copy(update={"database_url": url}))
        yield engine
        engine.dispose()
