// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Naive document anchoring, the baseline of scripts/bench/gas.py
/// @notice The way the ledger does not anchor: one document hash per transaction, each in its own storage slot.
/// It keeps what a fair comparison needs and nothing more: a caller check (the owner, read from storage like the
/// ledger's role check), refusal of a zero or repeated hash, the block time, and an event. Benchmark only; it is
/// compiled by the benchmark and never deployed with the ledger.
contract NaiveAnchor {
    /// @notice The only account allowed to anchor.
    address public owner;

    /// @notice Block time at which each document hash was anchored (zero if never).
    mapping(bytes32 docHash => uint256) public anchoredAt;

    /// @notice Document `docHash` was anchored by `anchorer`.
    event DocumentAnchored(bytes32 indexed docHash, address indexed anchorer);

    error NotOwner(address account);
    error DocumentHashMissing();
    error DocumentAlreadyAnchored(bytes32 docHash);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Anchor one document hash.
    function anchor(bytes32 docHash) external onlyOwner {
        if (docHash == bytes32(0)) revert DocumentHashMissing();
        if (anchoredAt[docHash] != 0) revert DocumentAlreadyAnchored(docHash);
        anchoredAt[docHash] = block.timestamp;
        emit DocumentAnchored(docHash, msg.sender);
    }
}
