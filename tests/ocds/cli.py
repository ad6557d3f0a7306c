"""Running `procledger` for the OCDS import tests, and what the chain holds around a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.settings import Settings
from ledger.store.database import make_engine
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.ocds_imports import imported_release_texts, imported_releases
from tests.helpers import PROJECT_DIR
from tests.test_cli_gateway import _run

FICTIONAL = PROJECT_DIR / "tests" / "assets" / "ocds" / "fictional-1.1"
RELEASE_FILES = sorted(FICTIONAL.glob("ocds-213czf-000-00001-0*.json"))


def procledger(settings: Settings, *args: str, **extra: str) -> Result:
    """Run `procledger ARGS` as a user does (Typer's runner, the settings in the environment); it must succeed."""
    return _run(settings, *args, **extra)


def fictional_package(folder: Path) -> Path:
    """The standard's six fictional releases, planning → implementation, as one release package."""
    package = json.loads(RELEASE_FILES[0].read_text())
    package["releases"] = [json.loads(path.read_text())["releases"][0] for path in RELEASE_FILES]
    path = folder / "fictional.json"
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False))
    return path


def releases_back(settings: Settings, **filters: Any) -> list[dict[str, Any]]:
    """What `imported_releases` yields from this test's store."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        found = list(imported_releases(session, DocumentStore(DocumentFiles(settings.documents_dir)), **filters))
    engine.dispose()
    return found


def texts_back(settings: Settings) -> list[bytes]:
    """What `imported_release_texts` yields from this test's store."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        found = list(imported_release_texts(session, DocumentStore(DocumentFiles(settings.documents_dir))))
    engine.dispose()
    return found


def chain_activity(w3: Web3) -> tuple[int, int]:
    """The head block and the number of transactions in all blocks up to it."""
    head = w3.eth.block_number
    return head, sum(w3.eth.get_block_transaction_count(number) for number in range(head + 1))
