"""Shared fixtures: a real anvil per test, real SQLite, and real PostgreSQL where it answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import Web3

from ledger.chain.anvil import AnvilProcess
from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.setup import ensure_built, ensure_deployed, open_ledger
from ledger.chain.toolchain import find_anvil
from ledger.demo import set_up_organisations_and_budget
from ledger.settings import Settings
from tests.helpers import PROJECT_DIR, free_port

# ape's pytest plugin starts its own anvil when collection ends and looks for it on PATH; the npm one is ours.
os.environ["PATH"] = f"{PROJECT_DIR / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
POSTGRES_URL = os.environ.get("PROCLEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("PROCLEDGER_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def built() -> None:
    """Compile the contracts once per run (a no-op when the artifacts are current)."""
    ensure_built(Settings(project_dir=PROJECT_DIR))


def _postgres_admin_url() -> str | None:
    if POSTGRES_URL in ("", "off"):
        return None
    try:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return POSTGRES_URL
    except Exception as exc:  # probing: any failure means "not available here"
        if REQUIRE_POSTGRES:
            raise RuntimeError(f"PostgreSQL is required (PROCLEDGER_REQUIRE_POSTGRES=1) but {exc}") from exc
        return None


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file in `folder`, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'mirror-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    name = f"procledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data directory, chain port and API port."""
    return Settings(
        project_dir=PROJECT_DIR,
        data_dir=tmp_path / "data",
        chain_port=free_port(),
        api_port=free_port(),
        poll_interval=0.1,
    )


@pytest.fixture
def anvil(settings: Settings, built: None) -> Iterator[AnvilProcess]:
    """A real anvil for this test, its state persisted in the test's data directory."""
    process = AnvilProcess(find_anvil(PROJECT_DIR), settings.chain_port, settings.chain_state_file)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def w3(anvil: AnvilProcess) -> Web3:
    """A web3 connection to this test's anvil."""
    return connect(anvil.rpc_url)


@pytest.fixture
def ledger_contract(settings: Settings, w3: Web3) -> LedgerContract:
    """The ledger deployed on this test's chain, with the demo organisations and budget line set up."""
    ensure_deployed(settings, w3)
    deployed = open_ledger(settings, w3)
    set_up_organisations_and_budget(settings, deployed)
    return deployed
