"""Anchored documents: the leaf lists kept off chain, where a document is anchored, and its inclusion proofs.

The chain holds only each batch's root and leaf count (the mirror's `anchors`); whoever anchors records the leaf
list here (`anchored_documents`). A document counts as anchored once the mirror holds the anchor for its leaf list,
and every proof served is checked against that root first (ledger.proofs.merkle), so a bad leaf list is reported,
never served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ledger.errors import VerificationError
from ledger.proofs.merkle import inclusion_proof, merkle_root, verify_inclusion
from ledger.store.document_files import as_sha256
from ledger.store.models import RawLog
from ledger.store.projections import Anchor, AnchoredDocument, Process


@dataclass(frozen=True)
class DocumentAnchor:
    """One place a document is anchored: leaf `leaf_index` of the `tree_size`-leaf tree `root` that `anchorer_org`
    anchored, optionally filed under a process, and the event that recorded it on chain."""

    chain_id: int
    anchorer_org: str
    root: str
    leaf_index: int
    tree_size: int
    process_id: str | None
    ocid: str | None
    contract: str | None
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    block_time: int


@dataclass(frozen=True)
class DocumentProof:
    """A document's RFC 6962 inclusion proof (audit path, leaf level first) to the root of one anchor."""

    anchor: DocumentAnchor
    audit_path: list[str]


def record_anchored_leaves(
    session: Session, chain_id: int, anchorer_org: str | bytes, root: str | bytes, leaf_hashes: Sequence[str | bytes]
) -> int:
    """Record the leaf list of a root its anchorer sends (or sent) on chain; returns how many rows were added.

    The leaves must give the root (VerificationError otherwise). Recording the same list again adds nothing.
    """
    org, root_hex = as_sha256(anchorer_org), as_sha256(root)
    leaves = [as_sha256(leaf) for leaf in leaf_hashes]
    computed = "0x" + merkle_root([bytes.fromhex(leaf[2:]) for leaf in leaves]).hex()
    if computed != root_hex:
        raise VerificationError(f"expected leaves with root {root_hex}, got leaves with root {computed}")
    existing = set(
        session.scalars(
            select(AnchoredDocument.leaf_index).where(
                AnchoredDocument.chain_id == chain_id, AnchoredDocument.anchorer_org == org,
                AnchoredDocument.root == root_hex,
            )
        )
    )  # fmt: skip
    added = [
        AnchoredDocument(chain_id=chain_id, anchorer_org=org, root=root_hex, leaf_index=index, doc_hash=leaf)
        for index, leaf in enumerate(leaves)
        if index not in existing
    ]
    session.add_all(added)
    session.flush()
    return len(added)


def document_anchors(session: Session, sha256: str) -> list[DocumentAnchor]:
    """Every anchor on chain that holds the document, oldest first; leaf lists the chain never confirmed are left
    out."""
    doc = as_sha256(sha256)
    leaf, anchor, process, raw = AnchoredDocument, Anchor, Process, RawLog
    query = (
        select(leaf.leaf_index, anchor, process.ocid, raw.address)
        .join(anchor, and_(
            anchor.chain_id == leaf.chain_id, anchor.anchorer_org == leaf.anchorer_org, anchor.root == leaf.root,
        ))
        .outerjoin(process, and_(process.chain_id == anchor.chain_id, process.process_id == anchor.process_id))
        .outerjoin(raw, and_(
            raw.chain_id == anchor.chain_id, raw.block_hash == anchor.block_hash, raw.log_index == anchor.log_index,
        ))
        .where(leaf.doc_hash == doc)
        .order_by(anchor.block_number, anchor.log_index, leaf.leaf_index)
    )  # fmt: skip
    anchors = []
    for leaf_index, row, ocid, address in session.execute(query):
        found = DocumentAnchor(
            row.chain_id, row.anchorer_org, row.root, leaf_index, row.count, row.process_id, ocid, address,
            row.tx_hash, row.block_number, row.block_hash, row.log_index, row.block_time,
        )  # fmt: skip
        anchors.append(found)
    return anchors


def document_proofs(session: Session, sha256: str) -> list[DocumentProof]:
    """The document's inclusion proof for every anchor that holds it, each checked against the anchored root."""
    doc = as_sha256(sha256)
    proofs = []
    for anchor in document_anchors(session, doc):
        leaves = _leaf_list(session, anchor)
        path = inclusion_proof(leaves, anchor.leaf_index)
        # The size comes from the chain's anchor, never from the leaf list: a short or padded list fails here.
        verify_inclusion(_bytes(doc), anchor.leaf_index, anchor.tree_size, path, _bytes(anchor.root))
        proofs.append(DocumentProof(anchor, ["0x" + step.hex() for step in path]))
    return proofs


def anchored_leaves(session: Session, chain_id: int, anchorer_org: str, root: str) -> list[tuple[int, str]]:
    """The recorded leaf list of a root, as (leaf index, document SHA-256) in leaf order; empty if none."""
    rows = session.execute(
        select(AnchoredDocument.leaf_index, AnchoredDocument.doc_hash)
        .where(
            AnchoredDocument.chain_id == chain_id, AnchoredDocument.anchorer_org == as_sha256(anchorer_org),
            AnchoredDocument.root == as_sha256(root),
        )
        .order_by(AnchoredDocument.leaf_index)
    ).all()  # fmt: skip
    return [(int(index), str(doc_hash)) for index, doc_hash in rows]


def _leaf_list(session: Session, anchor: DocumentAnchor) -> list[bytes]:
    rows = anchored_leaves(session, anchor.chain_id, anchor.anchorer_org, anchor.root)
    if [index for index, _ in rows] != list(range(anchor.tree_size)):
        raise VerificationError(
            f"expected leaves 0..{anchor.tree_size - 1} of root {anchor.root} by {anchor.anchorer_org}, got "
            f"{len(rows)} leaf row(s); the leaf list kept off chain is incomplete"
        )
    return [_bytes(doc_hash) for _, doc_hash in rows]


def _bytes(hex_hash: str) -> bytes:
    return bytes.fromhex(hex_hash[2:])
