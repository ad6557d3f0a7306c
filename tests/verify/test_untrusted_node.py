"""The node is not trusted either: through a fault-injecting proxy (the one fake allowed, at the RPC boundary),
transient faults are retried and a node that lies in a log's data is caught by the rules it breaks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.chain.client import connect
from ledger.demo import DEMO_PROCESSES
from ledger.errors import AwardError, MalformedRpcResponse
from ledger.verify import ChainSource, verify_process
from tests.api.conftest import DemoChain
from tests.indexer.rpc_proxy import FaultyRpcProxy

PAID = DEMO_PROCESSES[1]  # single source: awarded without bids, contracted, paid


@pytest.fixture
def proxy(demo_chain: DemoChain) -> Iterator[FaultyRpcProxy]:
    proxy = FaultyRpcProxy(demo_chain.settings.rpc_url, seed=10, fault_rate=0.3, client_timeout=2.0)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def lying_source(source: ChainSource, proxy: FaultyRpcProxy) -> ChainSource:
    """The same deployment, read through the proxy."""
    return ChainSource(connect(proxy.url, timeout=2.0), source.addresses, source.start_block, source.decoder)


def test_transient_node_faults_are_retried_and_the_replay_is_the_same(
    source: ChainSource, lying_source: ChainSource, proxy: FaultyRpcProxy
) -> None:
    proxy.enabled = True
    through_faults = verify_process(lying_source, DEMO_PROCESSES[0].ocid)
    assert sum(proxy.injected.values()) > 0
    assert through_faults.tables == verify_process(source, DEMO_PROCESSES[0].ocid).tables


def test_a_node_rewriting_a_single_source_process_as_an_open_tender_is_caught_by_the_award_rule(
    lying_source: ChainSource, proxy: FaultyRpcProxy
) -> None:
    proxy.enabled, proxy.tamper = True, "second_data_word_zeroed"  # the first log: ProcessCreated's method
    with pytest.raises(AwardError, match=r"expected the award to go to a revealed bid of 0x[0-9a-f]{64}, got no bid"):
        verify_process(lying_source, PAID.ocid)
    assert proxy.injected["second_data_word_zeroed"] == 1


def test_a_node_serving_a_log_of_another_contract_is_refused(lying_source: ChainSource, proxy: FaultyRpcProxy) -> None:
    proxy.enabled, proxy.tamper = True, "foreign_log"
    with pytest.raises(MalformedRpcResponse, match="returned a log of 0xdede"):
        verify_process(lying_source, PAID.ocid)
