"""Block headers recomputed from what a real anvil serves: keccak256(rlp(fields)) is the block hash."""

from __future__ import annotations

import pytest
from web3 import Web3

from ledger.chain.client import rpc_call
from ledger.errors import BlockHeaderError
from ledger.proofs.headers import FORK_FIELDS, header_hash, header_of, verify_header


def _mine_blocks_of_every_transaction_type(w3: Web3) -> None:
    sender, receiver = w3.eth.accounts[:2]
    w3.eth.send_transaction({"from": sender, "to": receiver, "value": 1, "gasPrice": w3.eth.gas_price})  # legacy
    w3.eth.send_transaction({"from": sender, "to": receiver, "value": 2})  # EIP-1559
    w3.eth.send_transaction({"from": sender, "to": receiver, "value": 3, "accessList": [], "gasPrice": 10**10})


def test_header_hash_recomputes_every_anvil_block_hash(w3: Web3) -> None:
    _mine_blocks_of_every_transaction_type(w3)
    for number in range(w3.eth.block_number + 1):
        block = rpc_call(w3, "eth_getBlockByNumber", [hex(number), False])
        assert "0x" + header_hash(header_of(block)).hex() == block["hash"]
        verify_header(header_of(block), block["hash"])


def test_header_of_keeps_the_prague_fields_anvil_serves(w3: Web3) -> None:
    header = header_of(rpc_call(w3, "eth_getBlockByNumber", ["0x0", False]))
    assert [name for name, _ in FORK_FIELDS if name in header] == [name for name, _ in FORK_FIELDS]
    assert "hash" not in header and "size" not in header  # only what the hash covers


def test_a_changed_header_field_is_reported_with_both_hashes(w3: Web3) -> None:
    block = rpc_call(w3, "eth_getBlockByNumber", ["0x0", False])
    header = {**header_of(block), "gasLimit": "0x1"}
    with pytest.raises(BlockHeaderError, match=rf"expected the header of block 0 to hash to {block['hash']}, got 0x"):
        verify_header(header, block["hash"])


def test_a_fork_field_after_a_missing_one_is_refused(w3: Web3) -> None:
    header = header_of(rpc_call(w3, "eth_getBlockByNumber", ["0x0", False]))
    del header["blobGasUsed"]
    with pytest.raises(BlockHeaderError, match="expected blobGasUsed before excessBlobGas in the header of block 0"):
        header_hash(header)


def test_a_missing_base_field_is_named(w3: Web3) -> None:
    header = header_of(rpc_call(w3, "eth_getBlockByNumber", ["0x0", False]))
    del header["stateRoot"]
    with pytest.raises(BlockHeaderError, match="expected field stateRoot in the header of block 0, got none"):
        header_hash(header)
