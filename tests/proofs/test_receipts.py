"""Receipt tries rebuilt from a real anvil's eth_getBlockReceipts, and proofs of single receipts against them."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from ledger.chain.client import rpc_call
from ledger.errors import LogNotInReceiptError, ReceiptProofError
from ledger.proofs.receipts import ReceiptLog, prove_receipt, receipt_proofs, verify_log_in_receipt

TRANSACTIONS = 20
KINDS: list[dict[str, Any]] = [  # legacy, EIP-2930 and EIP-1559 transactions, each with its own receipt type
    {"gasPrice": 10**10},
    {"gasPrice": 10**10, "type": 1, "accessList": []},
    {"maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9},
]


def _block_of_many_transactions(w3: Web3) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One block holding legacy, access-list and EIP-1559 transfers, mined together."""
    sender, receiver = w3.eth.accounts[:2]
    nonce = w3.eth.get_transaction_count(sender)
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    for value in range(TRANSACTIONS):
        kind = KINDS[value % len(KINDS)]
        w3.eth.send_transaction(
            {"from": sender, "to": receiver, "value": 1, "nonce": nonce + value, "gas": 21_000, **kind}
        )
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    block = rpc_call(w3, "eth_getBlockByNumber", ["latest", False])
    return block, rpc_call(w3, "eth_getBlockReceipts", [block["number"]])


def test_receipts_rebuild_the_block_receipts_root_and_each_proof_proves_its_receipt(w3: Web3) -> None:
    block, receipts = _block_of_many_transactions(w3)
    assert len(receipts) == TRANSACTIONS
    assert {receipt["type"] for receipt in receipts} == {"0x0", "0x1", "0x2"}
    root, proofs = receipt_proofs(receipts, range(TRANSACTIONS))
    assert root == block["receiptsRoot"]
    number = int(block["number"], 16)
    for index, proof in proofs.items():
        receipt = prove_receipt(root, number, index, proof)
        assert (receipt.tx_index, receipt.status, receipt.logs) == (index, 1, ())
    # The proof holds the nodes on one path, not the block: it grows with the log of the block's size.
    assert max(len(proof) for proof in proofs.values()) < TRANSACTIONS // 4


def test_a_changed_proof_node_is_refused(w3: Web3) -> None:
    block, receipts = _block_of_many_transactions(w3)
    root, proofs = receipt_proofs(receipts, [3])
    node = proofs[3][-1]
    forged = [*proofs[3][:-1], node[:-2] + ("00" if node[-2:] != "00" else "01")]
    with pytest.raises(
        ReceiptProofError, match=rf"expected proof nodes leading from receiptsRoot {root} to the receipt"
    ):
        prove_receipt(root, int(block["number"], 16), 3, forged)


def test_a_proof_for_another_index_is_reported_as_absent_or_wrong(w3: Web3) -> None:
    block, receipts = _block_of_many_transactions(w3)
    root, proofs = receipt_proofs(receipts, [3])
    with pytest.raises(ReceiptProofError, match=r"receipt of block \d+ tx index 4"):
        prove_receipt(root, int(block["number"], 16), 4, proofs[3])
    with pytest.raises(ReceiptProofError, match="got a proof that it is absent"):
        absent = TRANSACTIONS + 5
        prove_receipt(root, int(block["number"], 16), absent, receipt_proofs(receipts, [absent])[1][absent])


def test_a_log_that_is_not_in_the_receipt_is_named_with_what_it_holds(w3: Web3) -> None:
    block, receipts = _block_of_many_transactions(w3)
    root, proofs = receipt_proofs(receipts, [0])
    receipt = prove_receipt(root, int(block["number"], 16), 0, proofs[0])
    log = ReceiptLog("0x" + "11" * 20, ("0x" + "22" * 32,), "0x")
    with pytest.raises(
        LogNotInReceiptError,
        match=r"^event 7: expected a log at position 0 in the receipt of block \d+ tx index 0, got 0 log\(s\)$",
    ):
        verify_log_in_receipt(receipt, 0, log, "event 7")
