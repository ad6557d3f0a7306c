"""`procledger ocds import`, run as a user runs it right after `procledger deploy` on a fresh anvil."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.chain.deployment import Deployment
from ledger.settings import Settings
from ledger.store.database import make_engine
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.ocds_imports import imported_releases
from tests.helpers import PROJECT_DIR
from tests.test_cli import _invoke, deployed  # noqa: F401  (fixture)

FICTIONAL = PROJECT_DIR / "tests" / "assets" / "ocds" / "fictional-1.1"
PACKAGES = sorted(FICTIONAL.glob("ocds-213czf-000-00001-0*.json"))


def fictional_package(folder: Path) -> Path:
    """The six fictional releases, planning → implementation, as one release package."""
    first = json.loads(PACKAGES[0].read_text())
    first["releases"] = [json.loads(path.read_text())["releases"][0] for path in PACKAGES]
    path = folder / "fictional.json"
    path.write_text(json.dumps(first, indent=2, ensure_ascii=False))
    return path


def releases_back(settings: Settings) -> list[dict]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        found = list(imported_releases(session, DocumentStore(DocumentFiles(settings.documents_dir))))
    engine.dispose()
    return found


def test_import_right_after_deploy_registers_the_publisher_and_anchors_the_fictional_example(
    settings: Settings,
    deployed: Deployment,
    tmp_path: Path,  # noqa: F811
) -> None:
    package = fictional_package(tmp_path)
    result = _invoke(settings, "ocds", "import", str(package))
    assert "registered" in result.stderr and "PUBLISHER_ROLE" in result.stderr
    assert "summary: 6 imported, 0 already imported, 0 skipped" in result.stdout, result.stdout
    assert "1 transaction(s) sent" in result.stdout
    assert releases_back(settings) == json.loads(package.read_text())["releases"]
