"""`procledger withdraw`: an organisation withdraws the content of a document it added (a deletion right, a trade
secret), locally or through a remote gateway (`DELETE /documents/{sha256}`).

Its bytes are deleted; its hash, its anchor and its inclusion proof stay, and its content answers 410 with when
and why. Only the organisation that added a document may withdraw it, and a withdrawal is never undone.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from ledger.cli_keys import resolve_org
from ledger.cli_local_gateway import console
from ledger.cli_writes import AsOption, GatewayOption, TokenOption, remote_target
from ledger.errors import ConfigurationError
from ledger.gateway.documents import REASON_LENGTH, withdraw_document
from ledger.gateway.remote import RemoteGateway
from ledger.settings import settings_from_environment
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore

_SHA256 = re.compile(r"(0x)?[0-9a-fA-F]{64}")


def withdraw(
    document: Annotated[str, typer.Argument(help="the document's SHA-256 (0x…), or the file itself to hash")],
    reason: Annotated[str, typer.Option("--reason", help="why, as the 410 answer will say, e.g. a deletion request")],
    as_org: AsOption = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Withdraw the content of a document your organisation added; its hash, anchor and proof stay."""
    settings = settings_from_environment()
    sha256 = _sha256_of(document)
    shortest, longest = REASON_LENGTH
    if not shortest <= len(reason.strip()) <= longest:
        raise ConfigurationError(
            f"say why with --reason, in {shortest} to {longest:,} characters: the document's 410 answer will show it "
            "to every reader"
        )
    target = remote_target(settings, gateway, token)
    if target is not None:
        with RemoteGateway(*target, settings.tx_timeout) as remote:
            remote.withdraw(sha256, reason)
    else:
        if as_org is None:
            raise ConfigurationError(
                "say which organisation withdraws: --as ORG (its id or keystore label), or --gateway URL --token TOKEN"
            )
        engine = make_engine(settings.database_url)
        upgrade_schema(engine)
        with Session(engine) as session:
            store = DocumentStore(DocumentFiles(settings.documents_dir))
            withdraw_document(session, store, resolve_org(settings, as_org), sha256, reason)
        engine.dispose()
    console.print(
        f"document {sha256} withdrawn: its content now answers 410 with your reason; its hash, anchor and proof stay",
        soft_wrap=True,
    )


def _sha256_of(document: str) -> str:
    if _SHA256.fullmatch(document):
        return "0x" + document.removeprefix("0x").lower()
    path = Path(document)
    try:
        return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise ConfigurationError(
            f"{document} is neither a SHA-256 (0x and 64 hex digits) nor a file to read ({error.strerror})"
        ) from None
