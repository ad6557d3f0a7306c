"""Sealed bids as a supplier prepares them: the commitment, and the EIP-712 signature a relayer submits."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from web3 import Web3

# The EIP-712 type the ledger checks in commitBidFor (Procurement.BID_COMMITMENT_TYPEHASH).
BID_COMMITMENT_TYPES = {
    "BidCommitment": [
        {"name": "processId", "type": "bytes32"},
        {"name": "bidder", "type": "address"},
        {"name": "commitment", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def bid_commitment(process_id: bytes, bidder: str, amount: int, bid_doc_hash: bytes, salt: bytes) -> bytes:
    """keccak256(abi.encode(processId, bidder, amount, bidDocHash, salt)), as the contract recomputes it."""
    encoded = encode(
        ["bytes32", "address", "uint96", "bytes32", "bytes32"],
        [process_id, Web3.to_checksum_address(bidder), amount, bid_doc_hash, salt],
    )
    return bytes(Web3.keccak(encoded))


def sign_bid_commitment(
    private_key: bytes | str,
    *,
    chain_id: int,
    ledger_address: str,
    process_id: bytes,
    bidder: str,
    commitment: bytes,
    nonce: int,
    deadline: int,
    **domain_overrides: Any,
) -> bytes:
    """The EIP-712 signature of `commitment` for `bidder` at its current `nonce`, for `commitBidFor`.

    The supplier signs with its own key; whoever relays the signature cannot change the bid or replay it.
    `domain_overrides` exist so tests can sign for a wrong domain on purpose.
    """
    domain = {
        "name": "ProcurementLedger",
        "version": "1",
        "chainId": chain_id,
        "verifyingContract": ledger_address,
        **domain_overrides,
    }
    message = {
        "processId": process_id,
        "bidder": bidder,
        "commitment": commitment,
        "nonce": nonce,
        "deadline": deadline,
    }
    return bytes(Account.sign_typed_data(private_key, domain, BID_COMMITMENT_TYPES, message).signature)
