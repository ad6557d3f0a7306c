"""Reorgs that take payments away: the mirror ends equal to a fresh index of the canonical chain, with no orphans.

The reorged-away blocks hold a payment (and, when there are two or more, the acceptance of a milestone, so mutable
rows must go back to their earlier state); the replacing blocks hold a different payment of the same contract under
the same payment id (ids are the writer's: one resending a lost payment reuses its id), or nothing. Chains are
rewritten with `anvil_reorg` (same length, new blocks) or with `evm_snapshot`/`evm_revert` (a chain that ends up
shorter or longer than the one indexed), between two catch-ups or, through a proxy that rewrites the chain just
before forwarding a request, in the middle of one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from hexbytes import HexBytes
from sqlalchemy import select
from web3 import Web3
from web3.types import TxParams, Wei

from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.demo import FINANCE, PURCHASER
from ledger.settings import Settings
from ledger.store.database import make_engine
from ledger.store.models import Checkpoint
from tests.indexer.mirror import assert_mirror_equals_a_fresh_index, assert_mirror_is_on_chain, open_mirror, rows
from tests.indexer.rpc_proxy import FaultyRpcProxy
from tests.indexer.scenario import ACCEPTANCE, PayableContract, document, payable_contract, payment_args

CHAIN_ID = 31337
CASES = [
    pytest.param(1, "anvil_reorg", True, id="depth1-reorg-other-payment"),
    pytest.param(2, "revert", False, id="depth2-revert-longer-chain-no-payment"),
    pytest.param(5, "anvil_reorg", True, id="depth5-reorg-other-payment"),
    pytest.param(5, "revert", True, id="depth5-revert-shorter-chain-other-payment"),
    pytest.param(10, "anvil_reorg", True, id="depth10-reorg-other-payment"),
    pytest.param(10, "anvil_reorg", False, id="depth10-reorg-no-payment"),
]


def _rpc(w3: Web3, method: str, params: list[Any]) -> Any:
    response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    assert "error" not in response, f"{method}: {response['error']}"
    return response["result"]


def _signed_payment(w3: Web3, ledger: LedgerContract, finance: LocalAccount, args: tuple[Any, ...], at: int) -> str:
    """A raw signed recordPayment with finance's nonce as of block `at`, for anvil_reorg to mine."""
    base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
    params: TxParams = {
        "from": finance.address,
        "nonce": w3.eth.get_transaction_count(finance.address, at),
        "gas": 500_000,
        "chainId": CHAIN_ID,
        "maxFeePerGas": Wei(4 * base_fee + 10**9),
        "maxPriorityFeePerGas": Wei(10**9),
    }
    tx = ledger.contract.functions.recordPayment(*args).build_transaction(params)
    return "0x" + finance.sign_transaction(tx).raw_transaction.hex()  # type: ignore[arg-type]


@pytest.mark.parametrize(("depth", "how", "other_payment"), CASES)
def test_reorged_payment_leaves_no_row_and_mirror_equals_fresh_index(
    settings: Settings,
    ledger_contract: LedgerContract,
    w3: Web3,
    database_url: str,
    tmp_path: Path,
    depth: int,
    how: str,
    other_payment: bool,
) -> None:
    contract: PayableContract = payable_contract(settings, ledger_contract, "ocds-pl0001-reorg-pay-0001")
    finance_account = derive_account(settings, FINANCE.account_index)
    finance = ledger_contract.sender(finance_account)
    first_milestone, second_milestone, third_milestone = contract.accepted
    ledger_contract.send(finance, "recordPayment", *payment_args(contract, "P1", first_milestone, 100_000_00, "kept"))
    indexer, engine = open_mirror(settings, w3, database_url, batch_blocks=3)
    indexer.catch_up()

    # The blocks that will be reorged away: a payment, a milestone acceptance, then empty blocks up to `depth`.
    ancestor = w3.eth.block_number
    snapshot = _rpc(w3, "evm_snapshot", []) if how == "revert" else None
    orphan_args = payment_args(contract, "P2", second_milestone, 250_000_00, "orphan")
    orphan_tx = ledger_contract.send(finance, "recordPayment", *orphan_args)["transactionHash"].to_0x_hex()
    if depth >= 2:
        purchaser = ledger_contract.sender(derive_account(settings, PURCHASER.account_index))
        acceptance = (contract.process_id, contract.delivered, ACCEPTANCE, document("gone"))
        ledger_contract.send(purchaser, "recordMilestone", *acceptance)
    if w3.eth.block_number < ancestor + depth:
        _rpc(w3, "anvil_mine", [hex(ancestor + depth - w3.eth.block_number)])
    assert w3.eth.block_number == ancestor + depth
    indexer.catch_up()
    assert orphan_tx in {row["tx_hash"] for row in rows(engine, "payments", CHAIN_ID)}

    replacement_args = payment_args(contract, "P2", third_milestone, 175_000_00, "replacement")
    replacement_tx = None
    if how == "anvil_reorg":  # same length: `depth` new blocks, the replacement payment in the newest of them
        signed = [[_signed_payment(w3, ledger_contract, finance_account, replacement_args, ancestor), depth - 1]]
        _rpc(w3, "anvil_reorg", [depth, signed if other_payment else []])
        if other_payment:
            mined = w3.eth.get_block(ancestor + depth)["transactions"][0]
            assert isinstance(mined, HexBytes)
            replacement_tx = mined.to_0x_hex()
    else:  # back to the snapshot: a shorter chain with the replacement, or a longer one without
        _rpc(w3, "evm_revert", [snapshot])
        if other_payment:
            fresh_sender = ledger_contract.sender(finance_account)  # the old one's nonce belongs to the lost branch
            receipt = ledger_contract.send(fresh_sender, "recordPayment", *replacement_args)
            replacement_tx = receipt["transactionHash"].to_0x_hex()
        else:
            _rpc(w3, "anvil_mine", [hex(depth + 2)])
    assert w3.eth.get_block(ancestor)["number"] == ancestor
    if replacement_tx is not None:
        assert w3.eth.get_transaction_receipt(HexStr(replacement_tx))["status"] == 1

    indexer.catch_up()
    payment_txs = {row["tx_hash"] for row in rows(engine, "payments", CHAIN_ID)}
    assert orphan_tx not in payment_txs
    assert (replacement_tx in payment_txs) is other_payment
    milestones = {row["milestone_id"]: row["state"] for row in rows(engine, "milestones", CHAIN_ID)}
    assert milestones["0x" + contract.delivered.hex()] == "delivered"
    assert_mirror_is_on_chain(engine, w3, CHAIN_ID, ledger_contract.contract.address)
    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    engine.dispose()


def test_reorg_while_a_catch_up_is_under_way_is_rolled_back_within_that_catch_up(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: Path
) -> None:
    contract = payable_contract(settings, ledger_contract, "ocds-pl0001-reorg-midway-0001")
    finance_account = derive_account(settings, FINANCE.account_index)
    ancestor = w3.eth.block_number
    finance = ledger_contract.sender(finance_account)
    orphan = ledger_contract.send(finance, "recordPayment", *payment_args(contract, "P1", contract.accepted[0], 1, "a"))
    _rpc(w3, "anvil_mine", [hex(7)])
    head, depth = w3.eth.block_number, w3.eth.block_number - ancestor
    replacement = _signed_payment(
        w3, ledger_contract, finance_account, payment_args(contract, "P1", contract.accepted[1], 2, "b"), ancestor
    )
    reorged: list[Any] = []
    mirrored_at_reorg: list[int] = []
    observer = make_engine(database_url)

    def reorg_before_the_last_range(request: Any) -> None:
        """When the indexer asks for the logs of the last blocks, the orphan payment's range is already applied."""
        logs = isinstance(request, dict) and request["method"] == "eth_getLogs"
        if logs and not reorged and int(request["params"][0]["fromBlock"], 16) >= head - 1:
            call = {"jsonrpc": "2.0", "id": 1, "method": "anvil_reorg", "params": [depth, [[replacement, 0]]]}
            reorged.append(requests.post(settings.rpc_url, json=call, timeout=30).json())
            with observer.connect() as connection:
                mirrored_at_reorg.append(connection.execute(select(Checkpoint.block_number)).scalar_one())

    proxy = FaultyRpcProxy(settings.rpc_url, seed=0)  # no faults: it only rewrites the chain at the right moment
    proxy.before_forward = reorg_before_the_last_range
    proxy.start()
    try:
        through_proxy = settings.model_copy(update={"rpc_url": proxy.url})
        indexer, engine = open_mirror(through_proxy, connect(proxy.url), database_url, batch_blocks=2)
        indexer.catch_up()
    finally:
        proxy.stop()

    assert reorged == [{"jsonrpc": "2.0", "id": 1, "result": None}]
    assert mirrored_at_reorg[0] > ancestor  # the orphan payment's block was in the mirror when the chain changed
    assert w3.eth.block_number == head and w3.eth.get_block(ancestor + 1)["hash"] != orphan["blockHash"]
    payment_txs = {row["tx_hash"] for row in rows(engine, "payments", CHAIN_ID)}
    assert orphan["transactionHash"].to_0x_hex() not in payment_txs and len(payment_txs) == 1
    assert_mirror_is_on_chain(engine, w3, CHAIN_ID, ledger_contract.contract.address)
    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    engine.dispose()
    observer.dispose()


def test_one_block_reorg_of_a_payment_after_a_long_quiet_stretch_rolls_back_one_block(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, database_url: str, tmp_path: Path
) -> None:
    contract = payable_contract(settings, ledger_contract, "ocds-pl0001-reorg-quiet-0001")
    finance_account = derive_account(settings, FINANCE.account_index)
    _rpc(w3, "anvil_mine", [hex(300)])  # no ledger events for 300 blocks: the ranges over them grow long
    finance = ledger_contract.sender(finance_account)
    orphan_tx = ledger_contract.send(
        finance, "recordPayment", *payment_args(contract, "P1", contract.accepted[0], 1, "a")
    )
    indexer, engine = open_mirror(settings, w3, database_url)
    indexer.catch_up()

    head = w3.eth.block_number
    replacement = payment_args(contract, "P1", contract.accepted[1], 2, "b")
    _rpc(w3, "anvil_reorg", [1, [[_signed_payment(w3, ledger_contract, finance_account, replacement, head - 1), 0]]])
    assert w3.eth.get_block(head)["hash"] != orphan_tx["blockHash"]
    indexer.catch_up()

    assert_mirror_equals_a_fresh_index(engine, settings, w3, tmp_path, CHAIN_ID)
    engine.dispose()
