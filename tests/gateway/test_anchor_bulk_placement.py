"""Placing many documents into anchor batches at once: the open batch is filled, full batches close with the root
of their leaves, and a document already placed keeps its place. Real SQLite; no chain is needed to batch."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.gateway.anchor_batches import (
    BatchRules,
    anchor_place,
    batches_of_leaves,
    place_all_in_batches,
    place_in_batch,
)
from ledger.proofs.merkle import merkle_root
from ledger.store.anchor_batch_models import BATCHING, CLOSED, AnchorBatch
from ledger.store.anchoring import anchored_leaves
from ledger.store.database import make_engine, upgrade_schema

CHAIN, ORG, SIGNER = 31337, "0x" + "ab" * 32, "0x" + "cd" * 20
RULES = BatchRules(size=4, interval=3600)


def _docs(count: int, tag: str = "doc") -> list[str]:
    return ["0x" + hashlib.sha256(f"{tag} {index}".encode()).hexdigest() for index in range(count)]


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'gateway.sqlite3'}")
    upgrade_schema(engine)
    with Session(engine) as opened:
        yield opened
    engine.dispose()


def test_many_documents_fill_the_open_batch_then_new_ones_each_closed_with_its_leaves_root(session: Session) -> None:
    first = place_in_batch(session, CHAIN, ORG, SIGNER, None, _docs(1, "earlier")[0], RULES)
    docs = _docs(9)
    placed = place_all_in_batches(session, CHAIN, ORG, SIGNER, None, docs, RULES)
    assert list(placed) == docs
    batches = batches_of_leaves(session, [placed[doc] for doc in docs])
    assert [batches[placed[doc]] for doc in docs] == [1, 1, 1, 2, 2, 2, 2, 3, 3]
    assert anchor_place(session, first).batch_id == 1
    states = {row.id: row.state for row in session.execute(select(AnchorBatch.id, AnchorBatch.state))}
    assert states == {1: CLOSED, 2: CLOSED, 3: BATCHING}
    for batch_id, leaves in ((1, [_docs(1, "earlier")[0], *docs[:3]]), (2, docs[3:7])):
        root = session.get_one(AnchorBatch, batch_id).root
        assert root == "0x" + merkle_root([bytes.fromhex(leaf[2:]) for leaf in leaves]).hex()
        assert [doc for _, doc in anchored_leaves(session, CHAIN, ORG, str(root))] == leaves


def test_documents_already_placed_keep_their_place_and_repeats_are_placed_once(session: Session) -> None:
    docs = _docs(3)
    before = place_all_in_batches(session, CHAIN, ORG, SIGNER, None, docs[:2], RULES)
    again = place_all_in_batches(session, CHAIN, ORG, SIGNER, None, [docs[0], *docs, docs[2]], RULES)
    assert again[docs[0]] == before[docs[0]] and again[docs[1]] == before[docs[1]]
    assert [anchor_place(session, again[doc]).leaf_index for doc in docs] == [0, 1, 2]
    assert place_in_batch(session, CHAIN, ORG, SIGNER, None, docs[2], RULES) == again[docs[2]]
