"""`procledger anchor FILES… --as ORG [--ocid OCID]`: an organisation anchors documents from the terminal, through
the same document store, batches and outbox as POST /documents.

The files are checked against the contract (may this organisation anchor, under that process?), kept in the store
as the organisation's, and batched; the batches holding them close at once (a command's files need not wait for
others), and the submitter anchors them. Each file's line gives its SHA-256, its root, its place and the
transaction, checked with the contract's own verifyDocument. Running the same command again anchors nothing twice.
With `--gateway URL --token …` each file is uploaded to a remote gateway's POST /documents under the same
Idempotency-Key instead, and the command follows the write anchoring its batch (which closes on the gateway's own
size or interval) and prints the same line but for the on-chain check.
"""

from __future__ import annotations

import hashlib
import mimetypes
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.chain.keystore import Keystores
from ledger.chain.setup import open_ledger
from ledger.cli_keys import resolve_org
from ledger.cli_submit import build_submitter
from ledger.cli_writes import AsOption, GatewayOption, TokenOption, follow_remote, remote_target
from ledger.errors import ConfigurationError, ContractRevertError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.anchor_action import ANCHOR
from ledger.gateway.anchor_batches import BatchRules, close_batch
from ledger.gateway.documents import DocumentGateway, DocumentIn, FiledDocument
from ledger.gateway.outbox import FAILED, find_write
from ledger.gateway.remote import RemoteGateway
from ledger.gateway.submitter import submit_until_settled
from ledger.proofs.merkle import inclusion_proof
from ledger.settings import Settings, settings_from_environment
from ledger.store.anchoring import anchored_leaves
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import CHUNK_BYTES, DocumentFiles
from ledger.store.documents import DocumentStore

console = Console(stderr=True)


def anchor(
    files: Annotated[list[Path], typer.Argument(help="the documents to anchor; each is kept in the document store")],
    as_org: AsOption = None,
    ocid: Annotated[
        str | None, typer.Option("--ocid", help="file them under this process (its purchaser or finance bureau)")
    ] = None,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Anchor documents on chain as one Merkle root, signed with your keystore key (remotely: the gateway's).

    With --gateway the files are uploaded to the remote gateway, which anchors them in its next batch."""
    settings = settings_from_environment()
    hashes = [_sha256_of(path) for path in files]
    target = remote_target(settings, gateway, token)
    if target is not None:
        _anchor_remotely(settings, files, hashes, ocid, *target)
        return
    if as_org is None:
        raise ConfigurationError(
            "say which organisation anchors: --as ORG (its id or keystore label) to sign locally, or --gateway URL "
            "--token TOKEN to upload to a remote gateway"
        )
    org_id = resolve_org(settings, as_org)
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
                with path.open("rb") as content:
                    document = DocumentIn(sha256, content, _media_type(path), title=path.name, ocid=ocid)
                    filed.append(docs.file(session, org_id, document, _key(ocid, sha256, path)))
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


def _anchor_remotely(
    settings: Settings, files: list[Path], hashes: list[str], ocid: str | None, url: str, token: str
) -> None:
    """Upload each file to POST /documents, follow the writes anchoring their batches, and print each anchor."""
    fields = {"ocid": ocid} if ocid else {}
    filed: list[dict[str, Any]] = []
    with RemoteGateway(url, token, settings.tx_timeout) as remote:
        for path, sha256 in zip(files, hashes, strict=True):
            with console.status(f"Uploading {path} to {remote.url}…"):
                answer, created = remote.post_file(
                    "/documents", path, _media_type(path), {**fields, "title": path.name, "sha256": sha256},
                    _key(ocid, sha256, path), ANCHOR.function,
                )  # fmt: skip
            place = answer["anchor"]
            console.print(
                f"{path} {'filed' if created else 'already filed'}: leaf {place['leaf_index']} of batch "
                f"{place['batch_id']}, anchored by write {place['write_id']} ({place['state']})",
                soft_wrap=True,
            )
            filed.append(answer)
        done: dict[int, Any] = {}
        for answer in filed:
            place = answer["anchor"]
            if place["write_id"] not in done:  # the batch may wait up to its closing time, then for the chain
                closes_in = datetime.fromisoformat(place["closes_at"]).timestamp() - time.time()
                timeout = max(closes_in, 0) + 3 * settings.tx_timeout
                done[place["write_id"]] = follow_remote(remote, settings, place["write_id"], timeout)
    for path, answer in zip(files, filed, strict=True):
        write = done[answer["anchor"]["write_id"]]
        if write["state"] == FAILED and isinstance(write.get("error"), dict):
            raise ContractRevertError(write["error"]["name"], write["error"]["args"], ANCHOR.function)
        typer.echo(
            f"{path}: sha256 {answer['sha256']}, leaf {answer['anchor']['leaf_index']} under root "
            f"{write['request'].get('root')}, transaction {write['tx_hash']}, block {write['block_number']}: "
            f"{write['state']}"
        )


def _key(ocid: str | None, sha256: str, path: Path) -> str:
    """The Idempotency-Key of anchoring one file: the same file, name and process give the same anchor."""
    return "procledger-anchor:" + hashlib.sha256(f"{ocid}|{sha256}|{path.name}".encode()).hexdigest()


def _media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as content:
            for chunk in iter(lambda: content.read(CHUNK_BYTES), b""):
                digest.update(chunk)
    except OSError as error:
        raise ConfigurationError(f"cannot read {path} ({error.strerror}); check the path") from None
    return "0x" + digest.hexdigest()
