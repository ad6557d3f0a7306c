"""`procledger withdraw`, run as a user runs it: the organisation that added a document withdraws its content,
locally and through a remote gateway; the bytes go, the record stays and says when and why; anyone else, and a
second withdrawal, is refused in words."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ledger.chain.deployment import Deployment
from ledger.errors import DocumentWithdrawnError
from ledger.settings import Settings
from ledger.store.database import make_engine
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from tests.test_cli import _fails, deployed  # noqa: F401  (fixture)
from tests.test_cli_gateway import SECRET, _run
from tests.test_cli_writes import _configured, _gateway


def _file(settings: Settings, name: str) -> Path:
    path = settings.data_dir.parent / name
    path.write_text(f"{name}: a tender annex with a trade secret\n")
    return path


def _sha256(path: Path) -> str:
    return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()


def _withdrawn_reason(settings: Settings, sha256: str) -> str:
    """The reason a withdrawn document's content gives, once its bytes are gone from the store."""
    files, engine = DocumentFiles(settings.documents_dir), make_engine(settings.database_url)
    try:
        with Session(engine) as session, pytest.raises(DocumentWithdrawnError) as withdrawn:
            DocumentStore(files).open_content(session, sha256)
    finally:
        engine.dispose()
    assert not files.has(sha256)
    return withdrawn.value.reason


def test_the_organisation_that_added_a_document_withdraws_it_locally_and_remotely_and_nobody_else_can(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    configured = _configured(settings)
    _run(settings, "seed")
    annex, letter = _file(settings, "annex.txt"), _file(settings, "letter.txt")
    _run(settings, "anchor", str(annex), str(letter), "--as", "purchaser")

    other = _fails(settings, "withdraw", str(annex), "--reason", "not ours", "--as", "finance", **SECRET)
    assert other.startswith(f"error: only the organisation that added document {_sha256(annex)} may withdraw it")
    done = _run(settings, "withdraw", str(annex), "--reason", "a trade secret", "--as", "purchaser").stderr
    assert f"document {_sha256(annex)} withdrawn: its content now answers 410" in done
    assert _withdrawn_reason(settings, _sha256(annex)) == "a trade secret"
    again = _fails(settings, "withdraw", _sha256(annex), "--reason", "twice", "--as", "purchaser", **SECRET)
    assert again.startswith(f"error: document {_sha256(annex)} was withdrawn on ") and ": a trade secret." in again

    purchaser = _run(settings, "tokens", "create", "purchaser").stdout.strip()
    finance = _run(settings, "tokens", "create", "finance").stdout.strip()
    with _gateway(configured) as url:
        remote = {"PROCLEDGER_GATEWAY_URL": url}
        as_finance, as_purchaser = (
            {**remote, "PROCLEDGER_GATEWAY_TOKEN": finance},
            {**remote, "PROCLEDGER_GATEWAY_TOKEN": purchaser},
        )
        refused = _fails(settings, "withdraw", _sha256(letter), "--reason", "none of yours", **as_finance)
        assert refused.startswith("error: the gateway says: only the organisation that added document")
        withdrawn = _run(settings, "withdraw", _sha256(letter).upper().replace("0X", "0x"), "--reason",
                         "a deletion request", **as_purchaser).stderr  # fmt: skip
        assert f"document {_sha256(letter)} withdrawn" in withdrawn
        gone = _fails(
            settings, "withdraw", str(annex), "--reason", "again", PROCLEDGER_GATEWAY_TOKEN=purchaser, **remote
        )
        assert gone.startswith(f"error: the gateway says: document {_sha256(annex)} was withdrawn on ")
    assert _withdrawn_reason(settings, _sha256(letter)) == "a deletion request"


def test_withdraw_says_what_it_needs(settings: Settings) -> None:
    missing = _fails(settings, "withdraw", "nowhere.pdf", "--reason", "a request", "--as", "purchaser")
    assert missing.startswith("error: nowhere.pdf is neither a SHA-256 (0x and 64 hex digits) nor a file to read")
    blank = _fails(settings, "withdraw", "0x" + "ab" * 32, "--reason", "  x ", "--as", "purchaser")
    assert blank == (
        "error: say why with --reason, in 3 to 1,000 characters: the document's 410 answer will show it to every reader"
    )
    nobody = _fails(settings, "withdraw", "0x" + "ab" * 32, "--reason", "a request")
    assert nobody.startswith("error: say which organisation withdraws: --as ORG")
