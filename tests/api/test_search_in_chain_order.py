"""Search by words through the processes' text index in chain order (SQLite): the same pages as through the
documents, and kept in step with both halves of the mirror (a notice stored late, a process rolled back)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.ledger_contract import ZERO_HASH
from ledger.demo import BUDGET_ID, DEMO_PROCESSES, OCID_PREFIX, PURCHASER
from ledger.indexer.runner import Indexer, build_indexer
from ledger.read.processes import ProcessFilters, search_processes
from ledger.settings import Settings
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.models import Checkpoint, table_of
from ledger.store.search import ProcessText
from tests.api.conftest import DemoChain, mirror_demo_chain
from tests.conftest import fresh_database

OPEN_TENDER = 0
WORDS = ("Resurfacing", "ent", "物业管理", "Riverside Road", "management", "no such words")


@dataclass(frozen=True)
class Mirror:
    settings: Settings
    engine: Engine
    w3: Web3
    indexer: Indexer


@pytest.fixture
def mirror(demo_chain: DemoChain) -> Iterator[Mirror]:
    with fresh_database("sqlite", demo_chain.settings.data_dir) as url:
        settings = demo_chain.settings.model_copy(update={"database_url": url})
        engine = mirror_demo_chain(settings)
        w3 = connect(settings.rpc_url)
        yield Mirror(settings, engine, w3, build_indexer(settings, w3, engine))
        engine.dispose()


def _pages(engine: Engine, words: str, filters: ProcessFilters | None = None) -> list[list[str]]:
    """Every page of one process each, following the cursor, as ocids."""
    filters = ProcessFilters(q=words) if filters is None else filters
    pages, after = [], None
    with Session(engine) as session:
        while True:
            items, after = search_processes(session, filters, after, limit=1)
            pages.append([item.ocid for item in items])
            if after is None:
                return pages


def test_pages_through_the_chain_ordered_index_equal_those_through_the_documents(mirror: Mirror) -> None:
    with Session(mirror.engine) as session:
        assert all(ProcessText.serves(session, words) for words in WORDS)
    ordered = {words: _pages(mirror.engine, words) for words in WORDS}
    stage = ProcessFilters(q="ent", stage="tender")
    ordered_in_stage = _pages(mirror.engine, "ent", stage)
    assert sum(len(page) for page in ordered["ent"]) >= 2  # paging is exercised
    with Session(mirror.engine) as session, session.begin():  # a second chain mirrored: positions may collide
        session.execute(insert(table_of(Checkpoint)).values(
            chain_id=999, block_number=1, block_hash="0x" + "11" * 32, head_block=1, updated_at=datetime.now(UTC)
        ))  # fmt: skip
    with Session(mirror.engine) as session:
        assert not any(ProcessText.serves(session, words) for words in WORDS)
    assert {words: _pages(mirror.engine, words) for words in WORDS} == ordered
    assert _pages(mirror.engine, "ent", stage) == ordered_in_stage


def test_a_process_is_found_once_its_notice_is_stored_and_lost_once_rolled_back(
    mirror: Mirror, demo_chain: DemoChain
) -> None:
    def open_process(notice: bytes) -> tuple[str, tuple[int, int]]:
        # A new sender each time: one kept over the revert would count on a nonce the chain forgot.
        purchaser = demo_chain.ledger.sender(derive_account(mirror.settings, PURCHASER.account_index))
        ocid = f"{OCID_PREFIX}-late-{hashlib.sha256(notice).hexdigest()[:8]}"
        digest = hashlib.sha256(notice).digest()
        receipt = demo_chain.ledger.send(purchaser, "createProcess", ocid, BUDGET_ID, OPEN_TENDER, digest, ZERO_HASH)
        mirror.indexer.catch_up()
        return ocid, (receipt["blockNumber"], receipt["logs"][0]["logIndex"])

    notice = f"Snow clearing of Harbour Bridge approaches ({mirror.settings.database_url})".encode()
    snapshot = mirror.w3.provider.make_request("evm_snapshot", [])["result"]  # test-only RPC: rewrites history
    ocid, position = open_process(notice)
    assert _found(mirror.engine, "Snow clearing") == []  # the chain has its hash; the store not yet its words
    store = DocumentStore(DocumentFiles(mirror.settings.documents_dir))
    with Session(mirror.engine) as session, session.begin():
        store.add(session, notice, "text/plain", "Snow clearing of Harbour Bridge approaches", "en")
    assert _found(mirror.engine, "Snow clearing") == [ocid]
    with Session(mirror.engine) as session, session.begin():  # a title corrected in the store, by hand
        session.execute(text("UPDATE documents SET title = 'Gritting of Harbour Bridge' WHERE title LIKE 'Snow%'"))
    assert (_found(mirror.engine, "Snow clearing"), _found(mirror.engine, "Gritting")) == ([], [ocid])
    mirror.w3.provider.make_request("evm_revert", [snapshot])
    # Another process at the very same chain position: the rolled-back one's words must not stay with it.
    other, other_position = open_process(b"a notice the store does not hold")
    assert other != ocid and other_position == position
    assert _found(mirror.engine, "Gritting") == []
    assert _found(mirror.engine, DEMO_PROCESSES[0].title[:12]) == [DEMO_PROCESSES[0].ocid]


def _found(engine: Engine, words: str) -> list[str]:
    with Session(engine) as session:
        assert ProcessText.serves(session, words)
        items, _ = search_processes(session, ProcessFilters(q=words), None, limit=50)
    return [item.ocid for item in items]
