"""Typed calls to the ProcurementRegistry contract, for writers (demo data, tests, the future gateway)."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from ledger.chain.artifacts import Artifact
from ledger.chain.deployment import REGISTRY, DeployedContract, Deployment
from ledger.chain.reverts import RevertDecoder
from ledger.chain.sender import TransactionSender

PURCHASER_ROLE = Web3.keccak(text="PURCHASER_ROLE")


def process_id_of(ocid: str) -> bytes:
    """The deterministic on-chain id of a process: keccak256 of its ocid."""
    return bytes(Web3.keccak(text=ocid))


class Registry:
    """The deployed registry, with a revert decoder that knows its errors and OpenZeppelin's."""

    def __init__(self, w3: Web3, artifact: Artifact, address: str, timeout: float = 30.0) -> None:
        self._w3 = w3
        self._timeout = timeout
        self.contract: Contract = w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)
        self.reverts = RevertDecoder([artifact.abi])

    @classmethod
    def deploy(cls, w3: Web3, artifact: Artifact, admin: LocalAccount, timeout: float = 30.0) -> Deployment:
        """Deploy a new registry administered by `admin` and describe where it landed."""
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        sender = TransactionSender(w3, admin, RevertDecoder([artifact.abi]), timeout)
        receipt = sender.transact(factory.constructor(admin.address))
        deployed = DeployedContract(
            address=str(receipt["contractAddress"]),
            tx_hash=receipt["transactionHash"].to_0x_hex(),
            block_number=receipt["blockNumber"],
            block_hash=receipt["blockHash"].to_0x_hex(),
        )
        return Deployment(chain_id=w3.eth.chain_id, contracts={REGISTRY: deployed})

    def sender(self, account: LocalAccount) -> TransactionSender:
        """A sender for `account` that decodes this contract's errors."""
        return TransactionSender(self._w3, account, self.reverts, self._timeout)

    def grant_purchaser(self, admin: TransactionSender, account: str) -> TxReceipt:
        """Grant the purchaser role to `account`; only the admin may."""
        return admin.transact(self.contract.functions.grantRole(PURCHASER_ROLE, Web3.to_checksum_address(account)))

    def is_purchaser(self, account: str) -> bool:
        """Whether `account` holds the purchaser role."""
        return bool(self.contract.functions.hasRole(PURCHASER_ROLE, Web3.to_checksum_address(account)).call())

    def create_process(self, purchaser: TransactionSender, ocid: str, doc_hash: bytes) -> TxReceipt:
        """Open the process `ocid`, backed by the document whose SHA-256 is `doc_hash`."""
        return purchaser.transact(self.contract.functions.createProcess(ocid, doc_hash))

    def process_exists(self, ocid: str) -> bool:
        """Whether a process with this ocid is on chain."""
        return bool(self.contract.functions.processExists(process_id_of(ocid)).call())
