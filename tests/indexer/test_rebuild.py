"""Rebuilding the mirror from the chain gives the rows that indexing as the history was written gave."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3 import Web3
from web3.types import TxReceipt

from ledger.chain.ledger_contract import LedgerContract
from ledger.settings import Settings
from tests.indexer.mirror import (
    Dump,
    assert_mirror_equals_a_fresh_index,
    assert_mirror_is_on_chain,
    assert_mirror_matches_scenario,
    dump,
    fresh_dump,
    open_mirror,
)
from tests.indexer.scenario import run_scenario

CHAIN_ID = 31337
INDEX_EVERY = 3  # blocks between two incremental catch-ups


def _log_blocks(mirror: Dump) -> set[tuple[object, ...]]:
    """The stored blocks that hold a log: (chain id, number, hash, parent hash, timestamp)."""
    numbers = {row[1] for row in mirror["raw_logs"]}  # (chain id, block number, ...)
    return {row for row in mirror["blocks"] if row[1] in numbers}  # (chain id, number, ...)


def test_reset_and_catch_up_equals_incremental_indexing_and_a_fresh_index(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: Path
) -> None:
    indexer, engine = open_mirror(settings, w3, database_url, batch_blocks=2)
    catch_ups: list[int] = []

    def index_now_and_then(receipt: TxReceipt) -> None:
        if receipt["blockNumber"] % INDEX_EVERY == 0:
            catch_ups.append(indexer.catch_up().events)

    scenario = run_scenario(settings, w3, ledger_contract, after_each=index_now_and_then)
    indexer.catch_up()
    assert len(catch_ups) >= 10 and sum(catch_ups) > 0  # the mirror really was built a few blocks at a time
    incremental = dump(engine, CHAIN_ID)
    assert_mirror_matches_scenario(engine, CHAIN_ID, scenario, ledger_contract)
    assert_mirror_is_on_chain(engine, w3, CHAIN_ID, ledger_contract.contract.address)

    reindexer, _ = open_mirror(settings, w3, database_url)  # `procledger reindex`: default ranges, reset, catch up
    reindexer.reset()
    assert all(not table_rows for table_rows in dump(engine, CHAIN_ID).values())
    reindexer.catch_up()
    rebuilt = dump(engine, CHAIN_ID)

    # The blocks table holds every block with a log plus the last block of each committed range. The incremental
    # run ended many small ranges, and one wherever a catch-up found the head; the rebuild ended few, where its
    # adaptive spans led. So only the blocks with logs must agree; every stored block is checked against the chain.
    assert _log_blocks(rebuilt) == _log_blocks(incremental)
    incremental.pop("blocks"), rebuilt.pop("blocks")
    assert rebuilt == incremental
    assert_mirror_is_on_chain(engine, w3, CHAIN_ID, ledger_contract.contract.address)
    assert fresh_dump(settings, w3, f"sqlite:///{tmp_path / 'fresh.sqlite3'}", CHAIN_ID) == rebuilt
    engine.dispose()


@pytest.mark.parametrize("index_worker", ["never", "always"])
def test_one_catch_up_in_one_block_ranges_equals_a_fresh_index(
    index_worker: str, settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: Path
) -> None:
    """Every range reads what earlier ranges of the same catch-up wrote (through the row cache, milestones
    delivered in one range and accepted in a later one included), fetched here or by the worker process."""
    scenario = run_scenario(settings, w3, ledger_contract)
    indexer, engine = open_mirror(settings.model_copy(update={"index_worker": index_worker}), w3, database_url, 1)
    result = indexer.catch_up()
    assert result.to_block - result.from_block > 50  # as many ranges as blocks
    assert_mirror_matches_scenario(engine, CHAIN_ID, scenario, ledger_contract)
    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    engine.dispose()
