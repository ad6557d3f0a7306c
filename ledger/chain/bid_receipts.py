"""The receipt a supplier keeps of its sealed bid, and what the chain says about it.

A receipt is the JSON document the read API's `POST /bids/verify` takes (format `procledger.bid-receipt/1`):
ocid, bidder organisation, amount, bid document hash and salt (what the commitment is made of), the commitment,
and once it is on chain the transaction, block, chain and ledger. It is written before the commitment leaves the
machine, so the salt is never lost with a crash; only its owner can read it, since the salt opens the bid.

Checking it needs no mirror: the commitment is recomputed the way the contract computes it and looked for among
the ledger's BidCommitted events of that organisation and process, then BidRevealed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import LedgerContract, process_id_of
from ledger.errors import BidReceiptError, VerificationError

RECEIPT_FORMAT = "procledger.bid-receipt/1"


@dataclass(frozen=True)
class BidReceipt:
    """A kept bid: its fields as 0x-hex (amount in minor units), and where it was committed once known."""

    ocid: str
    bidder_org: str
    amount: int
    bid_doc_hash: str
    salt: str
    commitment: str
    tx_hash: str | None = None
    block_number: int | None = None
    chain_id: int | None = None
    contract: str | None = None
    format: str = RECEIPT_FORMAT

    @classmethod
    def new(cls, ocid: str, bidder_org: bytes, amount: int, bid_doc_hash: bytes, salt: bytes) -> BidReceipt:
        """A receipt for a bid not committed yet, with its commitment computed."""
        commitment = bid_commitment(process_id_of(ocid), bidder_org, amount, bid_doc_hash, salt)
        return cls(ocid, _hex(bidder_org), amount, _hex(bid_doc_hash), _hex(salt), _hex(commitment))

    @classmethod
    def read(cls, path: Path) -> BidReceipt:
        """The receipt in `path`; one that is unreadable, of another format or inconsistent raises BidReceiptError."""
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            receipt = cls(**data)
        except (OSError, ValueError, TypeError) as error:
            raise BidReceiptError(
                f"{path} is not a bid receipt ({error}); give the file `procledger bid commit` wrote"
            ) from None
        if receipt.format != RECEIPT_FORMAT:
            raise BidReceiptError(f"{path} is a {receipt.format!r} file; expected a {RECEIPT_FORMAT!r} receipt")
        recomputed = _hex(receipt.recompute())
        if recomputed != receipt.commitment.lower():
            raise BidReceiptError(
                f"expected the receipt's commitment to recompute from its fields, got {recomputed} instead of "
                f"{receipt.commitment}: {path} was changed since it was written"
            )
        return receipt

    def write(self, path: Path, *, new: bool) -> None:
        """Write the receipt readable by its owner only; a `new` one never overwrites a file (it may hold a salt)."""
        flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if new else os.O_TRUNC)
        try:
            descriptor = os.open(path, flags, 0o600)
        except FileExistsError:
            raise BidReceiptError(
                f"{path} exists already, and may be the receipt of another bid; choose another --receipt file"
            ) from None
        with os.fdopen(descriptor, "w") as handle:
            handle.write(json.dumps(asdict(self), indent=2) + "\n")

    def committed(self, tx_hash: str, block_number: int, chain_id: int, contract: str) -> BidReceipt:
        """This receipt with where its commitment landed."""
        return replace(self, tx_hash=tx_hash, block_number=block_number, chain_id=chain_id, contract=contract)

    def recompute(self) -> bytes:
        """keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash, salt)), from the receipt's fields."""
        return bid_commitment(
            process_id_of(self.ocid), _bytes(self.bidder_org), self.amount, _bytes(self.bid_doc_hash), _bytes(self.salt)
        )


@dataclass(frozen=True)
class ChainEvidence:
    """One event on chain: its block, transaction and the block's time."""

    block_number: int
    tx_hash: str
    timestamp: int


@dataclass(frozen=True)
class ReceiptCheck:
    """What the chain holds of a receipt's bid."""

    committed_at: ChainEvidence
    replaced_at: ChainEvidence | None
    replaced_by: str | None
    revealed_at: ChainEvidence | None
    reveal_matches: bool
    tx_hash_matches: bool | None


def check_receipt(ledger: LedgerContract, receipt: BidReceipt, from_block: int) -> ReceiptCheck:
    """Where the receipt's bid was committed, replaced and revealed; never committed raises VerificationError."""
    filters = {"processId": process_id_of(receipt.ocid), "bidderOrg": _bytes(receipt.bidder_org)}
    events = ledger.contract.events
    commits = list(events.BidCommitted.get_logs(from_block=from_block, argument_filters=filters))
    commitment = _bytes(receipt.commitment)
    mine = next((log for log in commits if bytes(log["args"]["commitment"]) == commitment), None)
    if mine is None:
        raise VerificationError(
            f"expected a BidCommitted event of organisation {receipt.bidder_org} on {receipt.ocid} with commitment "
            f"{receipt.commitment}, found none among its {len(commits)} commitment(s) there; check the receipt is "
            f"for this chain ({ledger.address})"
        )
    later = [log for log in commits if (log["blockNumber"], log["logIndex"]) > (mine["blockNumber"], mine["logIndex"])]
    reveals = list(events.BidRevealed.get_logs(from_block=from_block, argument_filters=filters))
    reveal = reveals[0] if reveals and not later else None
    opened = (int(reveal["args"]["amount"]), bytes(reveal["args"]["bidDocHash"])) if reveal is not None else None
    matches = opened == (receipt.amount, _bytes(receipt.bid_doc_hash))
    return ReceiptCheck(
        committed_at=_evidence(ledger, mine),
        replaced_at=_evidence(ledger, later[-1]) if later else None,
        replaced_by=_hex(bytes(later[-1]["args"]["commitment"])) if later else None,
        revealed_at=_evidence(ledger, reveal) if reveal is not None else None,
        reveal_matches=matches,
        tx_hash_matches=None if receipt.tx_hash is None else receipt.tx_hash.lower() == _tx(mine),
    )


def _evidence(ledger: LedgerContract, log: Any) -> ChainEvidence:
    block = ledger.contract.w3.eth.get_block(log["blockNumber"])
    return ChainEvidence(int(log["blockNumber"]), _tx(log), int(block["timestamp"]))


def _tx(log: Any) -> str:
    return str(log["transactionHash"].to_0x_hex())


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))
