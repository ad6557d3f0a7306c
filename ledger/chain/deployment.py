"""Where the contracts live on the configured chain, kept in the data directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from web3 import Web3

LEDGER = "ProcurementLedger"


@dataclass(frozen=True)
class DeployedContract:
    """One contract's address and the transaction and block that created it."""

    address: str
    tx_hash: str
    block_number: int
    block_hash: str


@dataclass(frozen=True)
class Deployment:
    """The set of contracts deployed together on one chain."""

    chain_id: int
    contracts: dict[str, DeployedContract]

    @property
    def start_block(self) -> int:
        """The first block that can hold events of ours: where indexing starts."""
        return min(contract.block_number for contract in self.contracts.values())

    def address_of(self, name: str) -> str:
        """The address of contract `name`."""
        return self.contracts[name].address

    def save(self, path: Path) -> None:
        """Write the record atomically, so a crash never leaves half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        scratch.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment | None:
        """The record at `path`, or None when nothing was deployed from this data directory."""
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        contracts = {name: DeployedContract(**fields) for name, fields in data["contracts"].items()}
        return cls(chain_id=int(data["chain_id"]), contracts=contracts)

    def is_live_on(self, w3: Web3) -> bool:
        """Whether this deployment is on the chain `w3` talks to: same chain id, same blocks, code present."""
        if w3.eth.chain_id != self.chain_id:
            return False
        for contract in self.contracts.values():
            block = w3.eth.get_block(contract.block_number) if contract.block_number <= w3.eth.block_number else None
            if block is None or block["hash"].to_0x_hex() != contract.block_hash:
                return False
            if not w3.eth.get_code(Web3.to_checksum_address(contract.address)):
                return False
        return True
