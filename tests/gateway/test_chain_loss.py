"""The chain loses blocks under the gateway: anvil restarted from an older state file, and reorganisations. The
submitter runs its real loop in a thread; writes it had confirmed or included are found gone and sent again, and the
chain ends with each accepted write's act exactly once (counted from its events).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.chain.client import rpc_call
from ledger.gateway.actions import PAYMENT
from ledger.gateway.contract_actions import ACCEPTANCE as ACCEPTANCE_ACTION
from ledger.gateway.outbox import CONFIRMED, INCLUDED, WriteView
from tests.conftest import fresh_database
from tests.gateway.workload import (
    GatewayChain,
    accept,
    acceptance_body,
    act_key,
    acts_on_chain,
    all_in,
    assert_each_accepted_write_is_on_chain_once,
    gateway_chain,
    outbox_rows,
    payment_body,
    running_submitter,
    seed_contracts,
    sent_hashes_of,
    settings_for,
    wait_until,
)


@pytest.fixture
def chain(tmp_path: Path, built: None) -> Iterator[GatewayChain]:
    with fresh_database("sqlite", tmp_path) as url, gateway_chain(settings_for(tmp_path, url)) as chain:
        seed_contracts(chain, processes=2, milestones=6, accepted=3)
        yield chain


def included_again(chain: GatewayChain, lost_block: int | None) -> bool:
    (row,) = outbox_rows(chain.engine)
    return row.state == INCLUDED and row.block_number is not None and row.block_number != lost_block


def some_writes(chain: GatewayChain, count: int, tag: str) -> list[WriteView]:
    """`count` writes, alternating payments and acceptances over the seeded processes."""
    views = []
    for index in range(count):
        ocid = chain.processes[index % len(chain.processes)]
        if index % 2 == 0:
            views.append(
                accept(chain, PAYMENT, payment_body(chain, ocid, index % 3, f"TV-{tag}-{index}"), f"{tag}-{index}")
            )
        else:
            views.append(accept(chain, ACCEPTANCE_ACTION, acceptance_body(ocid, 3 + index // 2 % 3), f"{tag}-{index}"))
    return views


def test_anvil_restarted_from_an_older_state_file_loses_confirmed_writes_and_they_are_sent_again_once(
    chain: GatewayChain,
) -> None:
    chain.anvil.stop()  # a clean stop writes the state file: this is the older state the chain comes back to
    older = chain.settings.chain_state_file.with_name("older-state.json")
    shutil.copyfile(chain.settings.chain_state_file, older)
    chain.anvil.start()
    head_before = chain.w3.eth.block_number
    with running_submitter(chain, confirmations=0) as submitter:
        accepted = some_writes(chain, 6, "restart")
        wait_until("every write is confirmed", lambda: all_in(chain, CONFIRMED))
        assert all(acts_on_chain(chain.ledger)[act_key(view.action, view.body)] == 1 for view in accepted)
        chain.anvil.kill()  # kill -9: nothing saved since; then the older state file comes back
        shutil.copyfile(older, chain.settings.chain_state_file)
        time.sleep(0.5)  # the submitter's rounds meet a chain that is not there, and go on
    chain.anvil.start()  # the submitter paused a moment, to look at the chain before it sends anything again
    assert chain.w3.eth.block_number == head_before  # the blocks with the writes are gone
    assert sum(acts_on_chain(chain.ledger)[act_key(view.action, view.body)] for view in accepted) == 0
    with running_submitter(chain, confirmations=0, submitter=submitter):  # the same one, with what it saw
        wait_until(
            "the lost writes are sent again",
            lambda: all(len(sent_hashes_of(chain.engine, view.id)) == 2 for view in accepted),
        )
        wait_until("every write is confirmed again", lambda: all_in(chain, CONFIRMED))
    assert_each_accepted_write_is_on_chain_once(chain, accepted)


@pytest.mark.parametrize("depth", [1, 4])
def test_a_reorg_that_drops_an_included_write_gets_it_included_again_once(chain: GatewayChain, depth: int) -> None:
    """Depth 1 drops a write only included (2 confirmations needed); depth 4 drops it after it was confirmed: the
    chain watch notices the head it saw is gone and looks the confirmed write up again."""
    w3 = chain.w3
    with running_submitter(chain, confirmations=2) as submitter:
        (write,) = some_writes(chain, 1, f"reorg{depth}")
        wait_until("the write is included", lambda: all_in(chain, INCLUDED))
        if depth > 1:
            rpc_call(w3, "anvil_mine", [hex(depth - 1)])  # test-only RPC
            wait_until("the write is confirmed", lambda: all_in(chain, CONFIRMED))
    first_block = outbox_rows(chain.engine)[0].block_number
    assert first_block == w3.eth.block_number - (depth - 1)
    rpc_call(w3, "anvil_reorg", [depth, []])  # the last `depth` blocks replaced by empty ones
    assert acts_on_chain(chain.ledger)[act_key(write.action, write.body)] == 0
    with running_submitter(chain, confirmations=2, submitter=submitter):  # the same one, with what it saw
        # gone, or back among the pending transactions: either way it is recorded again, in a later block
        wait_until("the write is included again", lambda: included_again(chain, first_block))
        rpc_call(w3, "anvil_mine", [hex(2)])
        wait_until("the write is confirmed again", lambda: all_in(chain, CONFIRMED))
    assert_each_accepted_write_is_on_chain_once(chain, [write])
