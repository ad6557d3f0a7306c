"""A write whose transaction the node holds but does not mine (on a live network: its fee cap fell behind a rising
base fee) is sent again after `resend_after` as the same call at the same nonce at higher fees, which the node
takes in its place: the write is confirmed and its act recorded once. On a real anvil with automine off: the node
holds the transaction until the test mines a block."""

from __future__ import annotations

import pytest
from hexbytes import HexBytes
from web3.exceptions import TransactionNotFound

from ledger.chain.client import rpc_call
from ledger.gateway.actions import PAYMENT
from ledger.gateway.outbox import CONFIRMED, SUBMITTED
from tests.gateway.test_already_recorded import chain, submitter  # noqa: F401  (fixture)
from tests.gateway.workload import (
    GatewayChain,
    accept,
    act_key,
    acts_on_chain,
    outbox_rows,
    payment_body,
    sent_hashes_of,
)


def test_a_write_its_node_holds_unmined_is_replaced_at_higher_fees_and_recorded_once(
    chain: GatewayChain,  # noqa: F811
) -> None:
    w3 = chain.ledger.contract.w3
    body = payment_body(chain, chain.processes[0], 0, "TV-unmined")
    write = accept(chain, PAYMENT, body, "unmined")
    rpc_call(w3, "evm_setAutomine", [False])  # test-only RPC: blocks only when the test mines one
    try:
        patient, eager = submitter(chain, resend_after=3600.0), submitter(chain, resend_after=0.0)
        patient.run_once()
        [row] = outbox_rows(chain.engine)
        first = w3.eth.get_transaction(HexBytes(str(row.tx_hash)))
        patient.run_once()  # held unmined, but not for long yet: left alone
        assert sent_hashes_of(chain.engine, write.id) == [first["hash"].to_0x_hex()]

        eager.run_once()  # held unmined too long: the same call at the same nonce, at higher fees
        [row] = outbox_rows(chain.engine)
        replacement = w3.eth.get_transaction(HexBytes(str(row.tx_hash)))
        assert row.state == SUBMITTED and sent_hashes_of(chain.engine, write.id) == [
            first["hash"].to_0x_hex(), replacement["hash"].to_0x_hex()
        ]  # fmt: skip
        assert (replacement["nonce"], replacement["input"], replacement["gas"]) == (
            first["nonce"], first["input"], first["gas"]
        )  # fmt: skip
        assert replacement["maxFeePerGas"] >= first["maxFeePerGas"] * 5 // 4
        assert replacement["maxPriorityFeePerGas"] >= first["maxPriorityFeePerGas"] * 5 // 4
        with pytest.raises(TransactionNotFound):  # the node took the replacement in its place
            w3.eth.get_transaction(first["hash"])

        rpc_call(w3, "evm_mine", [])
        eager.run_once()
    finally:
        rpc_call(w3, "evm_setAutomine", [True])
    [row] = outbox_rows(chain.engine)
    assert (row.state, HexBytes(str(row.tx_hash))) == (CONFIRMED, replacement["hash"])
    assert w3.eth.get_transaction_receipt(replacement["hash"])["status"] == 1
    assert acts_on_chain(chain.ledger)[act_key(PAYMENT.name, body)] == 1
