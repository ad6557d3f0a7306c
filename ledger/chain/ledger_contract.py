"""The deployed ProcurementLedger contract, for writers (demo data, tests, the future gateway)."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from ledger.chain.artifacts import Artifact
from ledger.chain.deployment import LEDGER, DeployedContract, Deployment
from ledger.chain.reverts import RevertDecoder
from ledger.chain.sender import TransactionSender

FINANCE_ROLE = Web3.keccak(text="FINANCE_ROLE")
PURCHASER_ROLE = Web3.keccak(text="PURCHASER_ROLE")
SUPPLIER_ROLE = Web3.keccak(text="SUPPLIER_ROLE")
AUDITOR_ROLE = Web3.keccak(text="AUDITOR_ROLE")


def process_id_of(ocid: str) -> bytes:
    """The deterministic on-chain id of a process: keccak256 of its ocid."""
    return bytes(Web3.keccak(text=ocid))


class LedgerContract:
    """The deployed ledger, with a revert decoder that knows its errors and OpenZeppelin's."""

    def __init__(self, w3: Web3, artifact: Artifact, address: str, timeout: float = 30.0) -> None:
        self._w3 = w3
        self._timeout = timeout
        self.contract: Contract = w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)
        self.reverts = RevertDecoder([artifact.abi])

    @classmethod
    def deploy(cls, w3: Web3, artifact: Artifact, admin: LocalAccount, timeout: float = 30.0) -> Deployment:
        """Deploy a new ledger administered by `admin` and describe where it landed."""
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        sender = TransactionSender(w3, admin, RevertDecoder([artifact.abi]), timeout)
        receipt = sender.transact(factory.constructor(admin.address))
        deployed = DeployedContract(
            address=str(receipt["contractAddress"]),
            tx_hash=receipt["transactionHash"].to_0x_hex(),
            block_number=receipt["blockNumber"],
            block_hash=receipt["blockHash"].to_0x_hex(),
        )
        return Deployment(chain_id=w3.eth.chain_id, contracts={LEDGER: deployed})

    def sender(self, account: LocalAccount) -> TransactionSender:
        """A sender for `account` that decodes this contract's errors."""
        return TransactionSender(self._w3, account, self.reverts, self._timeout)

    def send(self, sender: TransactionSender, function: str, *args: Any) -> TxReceipt:
        """Call write `function` as `sender`; a refusal raises ContractRevertError with the decoded error."""
        return sender.transact(self.contract.functions[function](*args))

    def call(self, function: str, *args: Any) -> Any:
        """Call view `function`."""
        return self.contract.functions[function](*args).call()

    def process_exists(self, ocid: str) -> bool:
        """Whether a process with this ocid is on chain."""
        return bool(self.call("processExists", process_id_of(ocid)))
