"""An API client over a fresh, migrated mirror in the test's data directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    upgrade_schema(make_engine(settings.database_url))
    with TestClient(create_app(settings)) as test_client:
        yield test_client
