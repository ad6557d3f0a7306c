"""`procledger anchor FILES… --as ORG [--ocid OCID]`: an organisation anchors documents from the terminal, through
the same document store, batches and outbox as POST /documents.

The files are checked against the contract (may this organisation anchor, under that process?), kept in the store
as the organisation's, and batched; the batches holding them close at once (a command's files need not wait for
others), and the submitter anchors them. Each file's line gives its SHA-256, its root, its place and the
transaction, checked with the contract's own verifyDocument. Running the same command again anchors nothing twice.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.setup import open_ledger
from ledger.cli_keys import resolve_org
from ledger.cli_submit import build_submitter
from ledger.errors import ConfigurationError, ContractRevertError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.anchor_action import ANCHOR
from ledger.gateway.anchor_batches import BatchRules, close_batch
from ledger.gateway.documents import DocumentGateway, DocumentIn, FiledDocument
from ledger.gateway.outbox import FAILED, find_write
from ledger.gateway.submitter import submit_until_settled
from ledger.proofs.merkle import inclusion_proof
from ledger.settings import settings_from_environment
from ledger.store.anchoring import anchored_leaves
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import CHUNK_BYTES, DocumentFiles
from ledger.store.documents import DocumentStore

console = Console(stderr=True)


def anchor(
    files: Annotated[list[Path], typer.Argument(help="the documents to anchor; each is kept in the document store")],
    as_org: Annotated[str, typer.Option("--as", help="the anchoring organisation: its id or keystore label")],
    ocid: Annotated[
        str | None, typer.Option("--ocid", help="file them under this process (its purchaser or finance bureau)")
    ] = None,
) -> None:
    """Anchor documents on chain as one Merkle root, signed with the organisation's keystore key."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    hashes = [_sha256_of(path) for path in files]
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    w3 = connect(settings.rpc_url)
    ledger = open_ledger(settings, w3)
    docs = DocumentGateway(
        WriteGateway(ledger, Keystores.from_settings(settings)), DocumentStore(DocumentFiles(settings.documents_dir)),
        BatchRules(settings.anchor_batch_size, settings.anchor_interval),
    )  # fmt: skip
    filed: list[FiledDocument] = []
    with Session(engine) as session:
        with console.status(f"Checking and storing {len(files)} document(s)…"):
            for path, sha256 in zip(files, hashes, strict=True):
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                key = "procledger-anchor:" + hashlib.sha256(f"{ocid}|{sha256}|{path.name}".encode()).hexdigest()
                with path.open("rb") as content:
                    document = DocumentIn(sha256, content, media_type, title=path.name, ocid=ocid)
                    filed.append(docs.file(session, org_id, document, key))
        for batch_id in sorted({each.place.batch_id for each in filed}):
            close_batch(session, batch_id)  # False when already closed (a rerun, or full): nothing to do
        session.commit()
    with console.status("Anchoring: submitting and waiting for confirmation…"):
        submit_until_settled(build_submitter(settings, w3, engine), settings.tx_timeout, settings.poll_interval)
    with Session(engine) as session:
        for path, each in zip(files, filed, strict=True):
            place = each.place  # its batch, index and write never change; the write says how far it got
            write = find_write(session, place.write_id, org_id)
            if write.state == FAILED and write.error is not None:
                raise ContractRevertError(write.error["name"], write.error["args"], ANCHOR.function)
            root = str(write.body["root"])
            leaves = [bytes.fromhex(leaf[2:]) for _, leaf in anchored_leaves(session, docs.chain_id, org_id, root)]
            path_to_root = inclusion_proof(leaves, place.leaf_index)
            verified = ledger.call(
                "verifyDocument", bytes.fromhex(org_id[2:]), bytes.fromhex(root[2:]), bytes.fromhex(each.sha256[2:]),
                place.leaf_index, path_to_root,
            ) if write.tx_hash else False  # fmt: skip
            check = "verified on chain" if verified else f"not on chain yet ({write.state})"
            typer.echo(
                f"{path}: sha256 {each.sha256}, leaf {place.leaf_index} of {len(leaves)} under root {root}, "
                f"transaction {write.tx_hash}, block {write.block_number}: {write.state}, {check}"
            )
    engine.dispose()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as content:
            for chunk in iter(lambda: content.read(CHUNK_BYTES), b""):
                digest.update(chunk)
    except OSError as error:
        raise ConfigurationError(f"cannot read {path} ({error.strerror}); check the path") from None
    return "0x" + digest.hexdigest()
