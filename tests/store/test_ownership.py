"""Every table is marked derived or off-chain; reindex and reorg rollback empty and rebuild only the derived ones."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, Table, select
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import ZERO_HASH, LedgerContract
from ledger.demo import PURCHASER
from ledger.gateway.outbox import enqueue
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.models import Base
from ledger.store.ownership import derived_tables, entity_tables, off_chain_tables, unmarked_tables
from ledger.store.projections import Anchor
from ledger.store.tokens import issue_token
from tests.indexer.mirror import open_mirror

CHAIN_ID = 31337


def test_every_table_carries_an_ownership_mark() -> None:
    assert unmarked_tables() == []
    names = {table.name for table in Base.metadata.sorted_tables}
    assert {table.name for table in derived_tables()} | {table.name for table in off_chain_tables()} == names
    assert {table.name for table in off_chain_tables()} == {
        "anchored_documents", "documents", "organisation_profiles", "reorgs", "api_tokens", "outbox",
        "anchor_batches", "anchor_batch_leaves", "document_uploads", "ocds_imported_releases",
        "document_store_generation",
    }  # fmt: skip
    assert {"raw_logs", "blocks", "checkpoints", "processes", "anchors"} <= {table.name for table in derived_tables()}


def test_every_derived_table_is_per_chain_and_every_entity_column_exists() -> None:
    assert all("chain_id" in table.c for table in derived_tables())
    entities = entity_tables()
    assert {entity.table.name for entity in entities} == {table.name for table in derived_tables()} - {
        "raw_logs", "blocks", "checkpoints",
    }  # fmt: skip
    assert all(entity.column in entity.table.c for entity in entities)


@pytest.fixture
def unmarked_table() -> Iterator[Table]:
    table = Table("unmarked_for_this_test", Base.metadata, Column("id", Integer, primary_key=True))
    yield table
    Base.metadata.remove(table)


def test_an_unmarked_table_is_reported_and_stops_reset_from_guessing(unmarked_table: Table) -> None:
    assert unmarked_tables() == ["unmarked_for_this_test"]
    with pytest.raises(RuntimeError, match="carry no ownership mark"):
        derived_tables()


def _off_chain_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
            for table in off_chain_tables()
        }


def _anchors(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Anchor.root)))


def test_a_reorg_rollback_and_a_reindex_leave_off_chain_tables_untouched(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str
) -> None:
    indexer, engine = open_mirror(settings, w3, database_url)
    store = DocumentStore(DocumentFiles(settings.documents_dir))
    contents = [f"document {index}".encode() for index in range(3)]
    leaves = [hashlib.sha256(content).digest() for content in contents]
    root = merkle_root(leaves)
    with Session(engine) as session, session.begin():
        for content in contents:
            store.add(session, content, "text/plain", "a document", "en")
        store.withdraw(session, "0x" + leaves[2].hex(), "trade secret")
        store.add_organisation_profile(session, PURCHASER.registry_id, PURCHASER.name)
        record_anchored_leaves(session, CHAIN_ID, PURCHASER.org_id, root, leaves)
        org_id = "0x" + PURCHASER.org_id.hex()
        issue_token(session, org_id, "gateway")
        enqueue(session, org_id, "0x" + "11" * 20, "payment", {"ocid": "x"}, "key-1")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # test-only RPC: rewrites history
    purchaser = ledger_contract.sender(derive_account(settings, PURCHASER.account_index))
    ledger_contract.send(purchaser, "anchorDocuments", root, len(leaves), ZERO_HASH)
    indexer.catch_up()
    assert _anchors(engine) == ["0x" + root.hex()]
    off_chain = _off_chain_rows(engine)
    # leaves, tokens, documents (+ profile), profiles, outbox, reorgs
    assert {name: len(rows) for name, rows in off_chain.items()} == {
        "anchored_documents": 3, "api_tokens": 1, "documents": 4, "organisation_profiles": 1, "outbox": 1,
        "reorgs": 0, "anchor_batches": 0, "anchor_batch_leaves": 0, "document_uploads": 0,
        "ocds_imported_releases": 0, "document_store_generation": 1,
    }  # fmt: skip

    w3.provider.make_request("evm_revert", [snapshot])
    w3.provider.make_request("anvil_mine", [hex(3)])
    indexer.catch_up()  # rolls the anchor back, and logs that it did: the reorg log only ever grows
    assert _anchors(engine) == []
    after_rollback = _off_chain_rows(engine)
    [reorg] = after_rollback.pop("reorgs")
    assert after_rollback == {name: rows for name, rows in off_chain.items() if name != "reorgs"}
    off_chain["reorgs"] = [reorg]

    purchaser = ledger_contract.sender(derive_account(settings, PURCHASER.account_index))  # nonces from the new chain
    ledger_contract.send(purchaser, "anchorDocuments", root, len(leaves), ZERO_HASH)
    indexer.reset()
    assert _off_chain_rows(engine) == off_chain
    indexer.catch_up()
    assert _anchors(engine) == ["0x" + root.hex()]
    assert _off_chain_rows(engine) == off_chain
    engine.dispose()
