"""`--rpc`: a verified bundle checked against a node. Its blocks must be canonical there and it must hold every
event of its process; a reorg that replaced a block, or an event left out, is caught."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from ledger.chain.client import connect, rpc_call
from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import BundleScopeError, NotCanonicalError
from ledger.indexer.decode import EventDecoder
from ledger.proofs.bundle import load_bundle
from ledger.proofs.bundle_verify import verify_bundle
from ledger.proofs.canonical import verify_canonical
from ledger.settings import Settings
from tests.api.conftest import DemoChain
from tests.helpers import open_process
from tests.proofs.conftest import DEMO_OCIDS, export, without_block

Bundle = dict[str, Any]


@pytest.mark.parametrize("ocid", DEMO_OCIDS)
def test_every_demo_bundle_is_canonical_and_complete_on_the_live_chain(
    ocid: str, bundle_files: dict[str, Path], decoder: EventDecoder, proof_chain: DemoChain
) -> None:
    verified = verify_bundle(load_bundle(bundle_files[ocid].read_text()), decoder)
    verify_canonical(connect(proof_chain.settings.rpc_url), verified, decoder)


def test_an_event_left_out_passes_offline_but_not_against_the_node(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder, proof_chain: DemoChain
) -> None:
    bundle = lifecycle_bundle()
    payment = next(e for e in bundle["events"] if e["topics"][0] == decoder.topic_of("PaymentRecorded"))
    block = payment["block_number"]
    bundle = without_block(bundle, block)
    verified = verify_bundle(load_bundle(json.dumps(bundle)), decoder)  # a bundle proves what it holds
    with pytest.raises(BundleScopeError, match=rf"got {len(bundle['events'])}: missing block {block} log 0$"):
        verify_canonical(connect(proof_chain.settings.rpc_url), verified, decoder)


def test_a_node_of_another_chain_id_is_refused(
    bundle_files: dict[str, Path], decoder: EventDecoder, proof_chain: DemoChain
) -> None:
    bundle = load_bundle(bundle_files[DEMO_OCIDS[1]].read_text())
    verified = verify_bundle({**bundle, "chain_id": 5}, decoder)
    with pytest.raises(BundleScopeError, match=r"expected the node to serve chain id 5, got chain id 31337"):
        verify_canonical(connect(proof_chain.settings.rpc_url), verified, decoder)


@pytest.mark.parametrize("how", ["anvil_reorg", "evm_revert"])
def test_a_bundle_whose_block_was_replaced_by_a_reorg_is_not_canonical(
    how: str, settings: Settings, ledger_contract: LedgerContract, w3: Web3, tmp_path: Path
) -> None:
    ocid = "ocds-pl0001-2026-0900"
    snapshot = rpc_call(w3, "evm_snapshot", [])
    block = open_process(settings, ledger_contract, ocid)["blockNumber"]
    bundle_file = export(settings, ocid, tmp_path / "bundle.json")
    decoder = EventDecoder([list(ledger_contract.contract.abi)])
    verified = verify_bundle(load_bundle(bundle_file.read_text()), decoder)
    verify_canonical(w3, verified, decoder)
    original = verified.blocks[block]

    if how == "anvil_reorg":  # the same height, new blocks without the process
        rpc_call(w3, "anvil_reorg", [w3.eth.block_number - block + 1, []])
    else:  # back before the process, then a longer chain without it
        rpc_call(w3, "evm_revert", [snapshot])
        rpc_call(w3, "anvil_mine", ["0x3"])
    replaced = rpc_call(w3, "eth_getBlockByNumber", [hex(block), False])["hash"]
    assert replaced != original
    with pytest.raises(
        NotCanonicalError,
        match=rf"expected block {block} to be {original} on the node's canonical chain, got {replaced}",
    ):
        verify_canonical(w3, verified, decoder)
