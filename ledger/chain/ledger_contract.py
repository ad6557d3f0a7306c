"""The deployed ProcurementLedger contract, for writers (demo data, tests, the future gateway)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_abi.abi import encode
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
PUBLISHER_ROLE = Web3.keccak(text="PUBLISHER_ROLE")
ZERO_HASH = bytes(32)


@lru_cache(maxsize=4096)  # pure, and the gateway encodes many writes of the same few processes
def process_id_of(ocid: str) -> bytes:
    """The deterministic on-chain id of a process: keccak256 of its ocid."""
    return bytes(Web3.keccak(text=ocid))


def organisation_id_of(registry_id: str) -> bytes:
    """An organisation's on-chain id: keccak256 of its registry id (e.g. the unified social credit code)."""
    return bytes(Web3.keccak(text=registry_id))


def scoped_id(org_id: bytes, ref: bytes) -> bytes:
    """The id of a record an organisation names by its own reference (budget lines, complaints, audit notes):
    keccak256(abi.encode(orgId, ref)), as the ledger's `scopedId` computes it."""
    return bytes(Web3.keccak(encode(["bytes32", "bytes32"], [org_id, ref])))


def reference(text: str) -> bytes:
    """A caller-chosen 32-byte id or reference from a human one (a voucher number, a contract number): its keccak256.

    Resending a write with the same reference is refused on chain as already recorded, so a writer can resend.
    """
    return bytes(Web3.keccak(text=text))


class LedgerContract:
    """The deployed ledger, with a revert decoder that knows its errors and OpenZeppelin's."""

    def __init__(self, w3: Web3, artifact: Artifact, address: str, timeout: float = 30.0) -> None:
        self._w3 = w3
        self._timeout = timeout
        self.contract: Contract = w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)
        self.reverts = RevertDecoder([artifact.abi])

    @classmethod
    def deploy(
        cls, w3: Web3, artifact: Artifact, admin: LocalAccount, admin_delay: int, timeout: float = 30.0
    ) -> Deployment:
        """Deploy a new ledger administered by `admin`, whose successor waits `admin_delay` seconds to accept."""
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        sender = TransactionSender(w3, admin, RevertDecoder([artifact.abi]), timeout)
        receipt = sender.transact(factory.constructor(admin_delay, admin.address))
        deployed = DeployedContract(
            address=str(receipt["contractAddress"]),
            tx_hash=receipt["transactionHash"].to_0x_hex(),
            block_number=receipt["blockNumber"],
            block_hash=receipt["blockHash"].to_0x_hex(),
        )
        return Deployment(chain_id=w3.eth.chain_id, contracts={LEDGER: deployed})

    @property
    def address(self) -> str:
        """The ledger's checksummed address."""
        return str(self.contract.address)

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
        """Whether a process with this ocid is on chain (its stage is not None)."""
        return int(self.call("processOf", process_id_of(ocid))[4]) != 0
