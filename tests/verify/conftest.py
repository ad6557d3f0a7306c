"""The API tests' chain (the demo and a full lifecycle, tests/api/lifecycle.py) serves the verifier's tests too."""

from __future__ import annotations

import pytest
from web3 import Web3

from ledger.chain.client import connect
from ledger.verify import ChainSource, chain_source
from tests.api.conftest import DemoChain, demo_chain

__all__ = ["demo_chain"]


@pytest.fixture(scope="module")
def source(demo_chain: DemoChain) -> ChainSource:
    """What the verifier reads: the demo chain's node and its recorded deployment."""
    w3: Web3 = connect(demo_chain.settings.rpc_url)
    return chain_source(demo_chain.settings, w3)
