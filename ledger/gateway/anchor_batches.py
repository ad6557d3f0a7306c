"""Anchor batches: document hashes collected per (organisation, process) until PROCLEDGER_ANCHOR_BATCH_SIZE of them,
or PROCLEDGER_ANCHOR_INTERVAL seconds, then anchored as one Merkle root by one outbox write.

A batch's write is in the outbox from the batch's first document, in state `batching`, so every document's answer
names the write to follow; the submitter leaves it alone until the batch closes. Closing computes the root
(RFC 6962, ledger.proofs.merkle), records the leaf list where the read side finds it (`anchored_documents`), and
queues the write with its root and count. Adding a leaf and closing both take the batch row with a conditional
UPDATE first, so on PostgreSQL they wait for each other and a leaf never lands in a batch already closed.
Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ledger.gateway.anchor_action import ANCHOR
from ledger.gateway.outbox import FAILED, QUEUED, body_digest, canonical_body, mark
from ledger.proofs.merkle import merkle_root
from ledger.store.anchor_batch_models import BATCHING, CLOSED, AnchorBatch, AnchorBatchLeaf
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.gateway_models import OutboxWrite

_IN_CHUNK = 500  # values per IN (...), well under every backend's parameter limit


@dataclass(frozen=True)
class AnchorPlace:
    """Where a document will be (or is) anchored: leaf `leaf_index` of batch `batch_id`, anchored by `write_id`."""

    batch_id: int
    leaf_index: int
    write_id: int
    state: str  # batching, closed
    size: int  # leaves so far; the tree size once closed
    closes_at: datetime
    root: str | None
    ocid: str | None


@dataclass(frozen=True)
class BatchRules:
    """When batches close, from the settings."""

    size: int
    interval: float


def place_in_batch(
    session: Session, chain_id: int, org_id: str, signer: str, ocid: str | None, doc_sha256: str, rules: BatchRules
) -> int:
    """Put a document into the organisation's open batch for `ocid` (opening one if needed) and return its leaf's
    id; a document already in one of this organisation's batches for `ocid` keeps its place there (unless that
    batch's write failed). The batch closes here when it is full."""
    key = ocid or ""
    known = _known_leaf(session, chain_id, org_id, key, doc_sha256)
    if known is not None:
        return known
    while True:
        batch = _open_batch(session, chain_id, org_id, signer, key, rules)
        taken = session.execute(
            update(AnchorBatch).where(AnchorBatch.id == batch.id, AnchorBatch.state == BATCHING)
            .values(size=AnchorBatch.size + 1)
        )  # fmt: skip
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            break  # else it closed since we looked: open the next
    session.refresh(batch)
    leaf = AnchorBatchLeaf(batch_id=batch.id, leaf_index=batch.size - 1, doc_sha256=doc_sha256)
    session.add(leaf)
    session.flush()
    if batch.size >= rules.size:
        close_batch(session, batch.id)
    return leaf.id


def place_all_in_batches(
    session: Session,
    chain_id: int,
    org_id: str,
    signer: str,
    ocid: str | None,
    doc_hashes: Sequence[str],
    rules: BatchRules,
) -> dict[str, int]:
    """Put many documents into the organisation's batches for `ocid` at once, in order: the open batch is filled,
    then as many new ones as needed (each closed when full). Returns each hash's leaf id; a hash already in one of
    this organisation's batches for `ocid` keeps its place, as with place_in_batch. For bulk filers (an OCDS import):
    a few statements per batch instead of a few per document."""
    key = ocid or ""
    wanted = list(dict.fromkeys(doc_hashes))
    placed = _known_leaves(session, chain_id, org_id, key, wanted)
    fresh = [doc for doc in wanted if doc not in placed]
    while fresh:
        batch = _open_batch(session, chain_id, org_id, signer, key, rules)
        session.refresh(batch)
        size = batch.size
        take = min(max(rules.size - size, 1), len(fresh))
        taken = session.execute(
            update(AnchorBatch)
            .where(AnchorBatch.id == batch.id, AnchorBatch.state == BATCHING, AnchorBatch.size == size)
            .values(size=size + take)
        )  # fmt: skip
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue  # it closed, or grew, since we looked: look again
        leaves = [
            AnchorBatchLeaf(batch_id=batch.id, leaf_index=size + offset, doc_sha256=doc)
            for offset, doc in enumerate(fresh[:take])
        ]
        session.add_all(leaves)
        session.flush()
        placed.update((leaf.doc_sha256, leaf.id) for leaf in leaves)
        fresh = fresh[take:]
        if size + take >= rules.size:
            close_batch(session, batch.id)
    return placed


def batches_of_leaves(session: Session, leaf_ids: Sequence[int]) -> dict[int, int]:
    """The batch of each leaf, by leaf id."""
    found: dict[int, int] = {}
    for start in range(0, len(leaf_ids), _IN_CHUNK):
        chunk = list(leaf_ids[start : start + _IN_CHUNK])
        rows = session.execute(
            select(AnchorBatchLeaf.id, AnchorBatchLeaf.batch_id).where(AnchorBatchLeaf.id.in_(chunk))
        )
        found.update((int(leaf_id), int(batch_id)) for leaf_id, batch_id in rows)
    return found


def close_batch(session: Session, batch_id: int) -> bool:
    """Close a batch now: its root, its leaf list on record, its write queued. False if it was closed already."""
    now = datetime.now(UTC)
    taken = session.execute(
        update(AnchorBatch).where(AnchorBatch.id == batch_id, AnchorBatch.state == BATCHING)
        .values(state=CLOSED, closed_at=now)
    )  # fmt: skip
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    batch = session.get_one(AnchorBatch, batch_id, populate_existing=True)
    leaves = list(
        session.scalars(
            select(AnchorBatchLeaf.doc_sha256).where(AnchorBatchLeaf.batch_id == batch_id)
            .order_by(AnchorBatchLeaf.leaf_index)
        )
    )  # fmt: skip
    root = "0x" + merkle_root([bytes.fromhex(leaf[2:]) for leaf in leaves]).hex()
    record_anchored_leaves(session, batch.chain_id, batch.org_id, root, leaves)
    batch.root = root
    body = {"batch_id": batch.id, "root": root, "count": len(leaves), "ocid": batch.process_key or None}
    write = session.get_one(OutboxWrite, batch.write_id)
    write.body, write.body_sha256 = canonical_body(body), body_digest(body)
    mark(write, QUEUED)
    session.flush()
    return True


def close_due_batches(session: Session) -> int:
    """Close every batch whose interval has passed; returns how many closed. The submitter calls it each round."""
    due = session.scalars(
        select(AnchorBatch.id).where(AnchorBatch.state == BATCHING, AnchorBatch.closes_at <= datetime.now(UTC))
    ).all()
    return sum(close_batch(session, batch_id) for batch_id in due)


def anchor_place(session: Session, leaf_id: int) -> AnchorPlace:
    """Where the leaf `leaf_id` is: its batch, index, write and, once closed, root."""
    leaf = session.get_one(AnchorBatchLeaf, leaf_id)
    batch = session.get_one(AnchorBatch, leaf.batch_id, populate_existing=True)
    return AnchorPlace(
        batch.id, leaf.leaf_index, batch.write_id, batch.state, batch.size, batch.closes_at, batch.root,
        batch.process_key or None,
    )  # fmt: skip


def _known_leaf(session: Session, chain_id: int, org_id: str, key: str, doc_sha256: str) -> int | None:
    found = session.scalars(
        select(AnchorBatchLeaf.id)
        .join(AnchorBatch, AnchorBatch.id == AnchorBatchLeaf.batch_id)
        .join(OutboxWrite, OutboxWrite.id == AnchorBatch.write_id)
        .where(
            AnchorBatchLeaf.doc_sha256 == doc_sha256, AnchorBatch.chain_id == chain_id,
            AnchorBatch.org_id == org_id, AnchorBatch.process_key == key, OutboxWrite.state != FAILED,
        )
        .order_by(AnchorBatchLeaf.id)
        .limit(1)
    ).first()  # fmt: skip
    return found


def _known_leaves(session: Session, chain_id: int, org_id: str, key: str, doc_hashes: Sequence[str]) -> dict[str, int]:
    """_known_leaf of many hashes: the first leaf of each already in a batch of this organisation and key."""
    found: dict[str, int] = {}
    for start in range(0, len(doc_hashes), _IN_CHUNK):
        rows = session.execute(
            select(AnchorBatchLeaf.doc_sha256, func.min(AnchorBatchLeaf.id))
            .join(AnchorBatch, AnchorBatch.id == AnchorBatchLeaf.batch_id)
            .join(OutboxWrite, OutboxWrite.id == AnchorBatch.write_id)
            .where(
                AnchorBatchLeaf.doc_sha256.in_(list(doc_hashes[start : start + _IN_CHUNK])),
                AnchorBatch.chain_id == chain_id, AnchorBatch.org_id == org_id, AnchorBatch.process_key == key,
                OutboxWrite.state != FAILED,
            )
            .group_by(AnchorBatchLeaf.doc_sha256)
        )  # fmt: skip
        found.update((str(doc), int(leaf_id)) for doc, leaf_id in rows)
    return found


def _open_batch(session: Session, chain_id: int, org_id: str, signer: str, key: str, rules: BatchRules) -> AnchorBatch:
    """The open batch of this organisation and process, or a new one with its write (state `batching`)."""
    query = select(AnchorBatch).where(
        AnchorBatch.chain_id == chain_id, AnchorBatch.org_id == org_id, AnchorBatch.process_key == key,
        AnchorBatch.state == BATCHING,
    )  # fmt: skip
    batch = session.scalars(query).first()
    if batch is not None:
        return batch
    now = datetime.now(UTC)
    # The key only has to be unique for the organisation (and unguessable, so no client's key takes it first): the
    # batch row, not the key, makes its anchor happen once.
    write = OutboxWrite(
        org_id=org_id, signer=signer, action=ANCHOR.name, body="{}", body_sha256="",
        idempotency_key=f"procledger-anchor-batch:{uuid.uuid4().hex}", state=BATCHING, sent_tx_hashes="[]",
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(write)
    session.flush()
    batch = AnchorBatch(
        chain_id=chain_id, org_id=org_id, process_key=key, state=BATCHING, size=0, write_id=write.id,
        opened_at=now, closes_at=now + timedelta(seconds=rules.interval),
    )  # fmt: skip
    session.add(batch)
    session.flush()
    body = {"batch_id": batch.id, "ocid": key or None}  # root and count come when it closes
    write.body, write.body_sha256 = canonical_body(body), body_digest(body)
    session.flush()
    return batch
