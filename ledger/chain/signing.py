"""A supplier signs its own ledger call as a transaction, locally, for a gateway to relay as it is.

The transaction is an EIP-1559 one at the account's next nonce, with the gas the node estimates and its current
fees; the gateway checks the same things before it relays it (ledger.gateway.signed_calls).
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3.exceptions import ContractLogicError
from web3.types import Nonce

from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.sender import revert_bytes


def sign_call(ledger: LedgerContract, account: LocalAccount, function: str, *args: Any) -> str:
    """`function(*args)` on the ledger as a transaction signed by `account`, as 0x-hex; a call the contract would
    refuse raises the decoded ContractRevertError (the gas estimate runs it)."""
    w3 = ledger.contract.w3
    nonce = Nonce(int(w3.eth.get_transaction_count(account.address, "pending")))
    call = ledger.contract.functions[function](*args)
    try:
        tx = call.build_transaction({"from": account.address, "nonce": nonce, "chainId": int(w3.eth.chain_id)})
    except ContractLogicError as error:
        raise ledger.reverts.decode(revert_bytes(error), function) from None
    return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()  # type: ignore[arg-type]
