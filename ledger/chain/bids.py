"""Sealed bids as a supplier prepares them: the commitment, and the EIP-712 signature a relayer submits.

A bid belongs to the supplier's organisation: the commitment binds the organisation id, and any account that signs
for the organisation may commit, replace, reveal, or sign a commitment for a relayer. Each bid (process,
organisation) has its own nonce, which every commit and every cancellation moves on (`bidNonce` on the ledger).
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from web3 import Web3

# The EIP-712 domain and type the ledger checks in commitBidFor (SealedBids.BID_COMMITMENT_TYPEHASH).
EIP712_NAME = "ProcurementLedger"
EIP712_VERSION = "2"
BID_COMMITMENT_TYPES = {
    "BidCommitment": [
        {"name": "processId", "type": "bytes32"},
        {"name": "bidderOrg", "type": "bytes32"},
        {"name": "commitment", "type": "bytes32"},
        {"name": "nonce", "type": "uint64"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def bid_commitment(process_id: bytes, bidder_org: bytes, amount: int, bid_doc_hash: bytes, salt: bytes) -> bytes:
    """keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash, salt)), as the contract recomputes it."""
    encoded = encode(
        ["bytes32", "bytes32", "uint96", "bytes32", "bytes32"], [process_id, bidder_org, amount, bid_doc_hash, salt]
    )
    return bytes(Web3.keccak(encoded))


def sign_bid_commitment(
    private_key: bytes | str,
    *,
    chain_id: int,
    ledger_address: str,
    process_id: bytes,
    bidder_org: bytes,
    commitment: bytes,
    nonce: int,
    deadline: int,
    **domain_overrides: Any,
) -> bytes:
    """The EIP-712 signature of `commitment` for organisation `bidder_org` at the bid's current `nonce`.

    An account of the supplier's organisation signs with its own key; whoever relays the signature can neither
    change the bid, replay it, nor land it after a newer commit. `domain_overrides` exist so tests can sign for a
    wrong domain on purpose.
    """
    domain = {
        "name": EIP712_NAME,
        "version": EIP712_VERSION,
        "chainId": chain_id,
        "verifyingContract": ledger_address,
        **domain_overrides,
    }
    message = {
        "processId": process_id,
        "bidderOrg": bidder_org,
        "commitment": commitment,
        "nonce": nonce,
        "deadline": deadline,
    }
    return bytes(Account.sign_typed_data(private_key, domain, BID_COMMITMENT_TYPES, message).signature)
