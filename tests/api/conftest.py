"""One chain per test module holding the demo and a full lifecycle, mirrored into SQLite and PostgreSQL, and
an API client over each mirror. Building it takes seconds, so the API tests share it and only read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.setup import open_ledger
from ledger.demo import load_demo_data
from ledger.indexer.runner import build_indexer
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from tests.api.lifecycle import run_tender_to_payment
from tests.conftest import fresh_database
from tests.helpers import PROJECT_DIR, deployed_chain, free_port


@dataclass(frozen=True)
class DemoChain:
    """A chain with the demo and the full lifecycle on it, and the settings that reach it."""

    settings: Settings
    ledger: LedgerContract


@pytest.fixture(scope="module")
def demo_chain(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[DemoChain]:
    data_dir: Path = tmp_path_factory.mktemp("api") / "data"
    settings = Settings(project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port(), api_port=free_port())
    with deployed_chain(settings) as (w3, ledger):
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        load_demo_data(settings, ledger, engine)
        engine.dispose()
        run_tender_to_payment(settings, ledger, w3)
        yield DemoChain(settings, ledger)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_app(request: pytest.FixtureRequest, demo_chain: DemoChain) -> Iterator[FastAPI]:
    """The API application over a mirror of the demo chain holding the full demo, in each database."""
    with fresh_database(request.param, demo_chain.settings.data_dir) as url:
        settings = demo_chain.settings.model_copy(update={"database_url": url})
        mirror_demo_chain(settings).dispose()
        yield create_app(settings)


def mirror_demo_chain(settings: Settings) -> Engine:
    """Migrate the database at `settings.database_url` and mirror the demo chain into it; returns its engine."""
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    w3 = connect(settings.rpc_url)
    # The demo's off-chain half (documents, titles, leaf lists) too; every transaction is on chain already.
    assert load_demo_data(settings, open_ledger(settings, w3), engine) == 0
    build_indexer(settings, w3, engine).catch_up()
    return engine


@pytest.fixture(scope="module")
def api(api_app: FastAPI) -> Iterator[TestClient]:
    """A client of the API over the demo chain's mirror, in each database."""
    with TestClient(api_app) as client:
        yield client


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of the API over a fresh, empty, migrated mirror in the test's data directory."""
    upgrade_schema(make_engine(settings.database_url))
    with TestClient(create_app(settings)) as test_client:
        yield test_client
