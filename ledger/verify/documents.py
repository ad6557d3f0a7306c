"""Documents against the chain: every file of a folder has the SHA-256 its manifest gives it, and that hash is a
leaf of a batch whose Merkle root (RFC 6962, ledger.proofs.merkle) was anchored on chain with that many leaves.

The chain holds only each batch's root and leaf count; which hashes a batch holds, in which order, is kept off
chain. A folder brings that leaf list with it, in a manifest named `procledger-documents.json`:

    {"format": "procledger-documents/1",
     "batches": [{"anchorer_org": "0x<32 bytes>", "root": "0x<32 bytes>",
                  "leaves": [{"sha256": "0x<32 bytes>", "file": "notice.txt"}, {"sha256": "0x…", "file": null}]}]}

Leaves are in the order the root was built from. A leaf names the file holding its document, or null when the
folder does not have it (a withdrawn document keeps its place in the batch). Every other file of the folder must
be named by a leaf. The manifest is not trusted: its roots are recomputed and looked up on chain, and each file's
inclusion proof is built from its leaves and checked against the anchored root with the anchored count.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import DocumentVerificationError, VerificationError
from ledger.indexer.fetch import fetch_head, retrying
from ledger.proofs.merkle import inclusion_proof, merkle_root, verify_inclusion
from ledger.verify.source import ChainSource, logs_matching

MANIFEST = "procledger-documents.json"
FORMAT = "procledger-documents/1"


@dataclass(frozen=True)
class VerifiedDocument:
    """A file whose bytes are leaf `leaf_index` of a root anchored on chain by the event `tx_hash`."""

    file: str
    sha256: str
    root: str
    leaf_index: int
    tree_size: int
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class _Batch:
    anchorer_org: str
    root: str
    leaves: list[tuple[str, str | None]]


def verify_documents(source: ChainSource, folder: Path) -> list[VerifiedDocument]:
    """Check every file of `folder` against its manifest and the chain's anchors; raise on the first mismatch."""
    batches = _read_manifest(folder)
    named = {file: batch for batch in batches for _, file in batch.leaves if file is not None}
    present = sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
    unlisted = [file for file in present if file != MANIFEST and file not in named]
    if unlisted:
        raise DocumentVerificationError(
            f"expected every file of {folder} to be a leaf of {MANIFEST}, got unlisted file(s) {', '.join(unlisted)}"
        )
    anchors = _anchors(source, batches)
    verified = []
    for batch in batches:
        hashes = [bytes.fromhex(sha[2:]) for sha, _ in batch.leaves]
        built = "0x" + merkle_root(hashes).hex()
        if built != batch.root:
            raise DocumentVerificationError(f"expected the leaves of {MANIFEST} to give root {batch.root}, got {built}")
        anchor = anchors.get((batch.anchorer_org, batch.root))
        if anchor is None:
            raise DocumentVerificationError(
                f"expected root {batch.root} anchored on chain by {batch.anchorer_org}, got no DocumentsAnchored event"
            )
        size, tx_hash, log_index = anchor
        for index, (sha, file) in enumerate(batch.leaves):
            if file is None:
                continue
            path = folder / file
            if not path.is_file():
                raise DocumentVerificationError(f"expected file {file} (leaf {index} of root {batch.root}), got none")
            actual = "0x" + hashlib.sha256(path.read_bytes()).hexdigest()
            if actual != sha:
                raise DocumentVerificationError(
                    f"expected {file} to have SHA-256 {sha} (leaf {index} of root {batch.root}), got {actual}"
                )
            try:
                verify_inclusion(
                    hashes[index], index, size, inclusion_proof(hashes, index), bytes.fromhex(batch.root[2:])
                )
            except VerificationError as error:
                raise DocumentVerificationError(f"{file}: {error} (anchored with {size} leaves)") from error
            verified.append(VerifiedDocument(file, sha, batch.root, index, size, tx_hash, log_index))
    return verified


def _anchors(source: ChainSource, batches: list[_Batch]) -> dict[tuple[str, str], tuple[int, str, int]]:
    """Leaf count and event of each (anchorer, root) the chain anchored among the manifest's roots."""
    if not batches:
        return {}
    head = retrying(lambda: fetch_head(source.w3))
    topic = source.decoder.topic_of("DocumentsAnchored")
    logs = logs_matching(source, head, [topic, sorted({batch.root for batch in batches})])
    found: dict[tuple[str, str], tuple[int, str, int]] = {}
    for log in logs:
        event = source.decoder.decode(log)
        if event is not None:
            key = (str(event.args["anchorerOrg"]), str(event.args["root"]))
            found.setdefault(key, (int(event.args["count"]), log.tx_hash, log.log_index))
    return found


def _read_manifest(folder: Path) -> list[_Batch]:
    path = folder / MANIFEST
    try:
        data: Any = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise DocumentVerificationError(f"expected a manifest {path} listing each batch's leaves, got none") from exc
    except ValueError as exc:
        raise DocumentVerificationError(f"expected {path} to be JSON, got {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise DocumentVerificationError(f"expected {MANIFEST} of format {FORMAT}, got {got!r}")
    try:
        return [
            _Batch(
                parsed_hash(batch["anchorer_org"]),
                parsed_hash(batch["root"]),
                [(parsed_hash(leaf["sha256"]), leaf.get("file")) for leaf in batch["leaves"]],
            )
            for batch in data["batches"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise DocumentVerificationError(f"expected {MANIFEST} to follow {FORMAT}, got {exc!r}") from exc


def parsed_hash(value: object) -> str:
    """A 32-byte hash read from a file, as lower-case 0x-hex; ValueError if it is not one."""
    text = str(value).lower()
    if len(text) != 66 or not text.startswith("0x"):
        raise ValueError(f"expected a 0x-hex 32-byte hash, got {value!r}")
    int(text, 16)
    return text
