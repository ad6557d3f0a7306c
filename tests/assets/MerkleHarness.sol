// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleRFC6962} from "../../contracts/libraries/MerkleRFC6962.sol";

/// @title Test-only wrapper around MerkleRFC6962
/// @notice Exposes the library's internal functions to eth_call, for tests/proofs/test_merkle.py.
contract MerkleHarness {
    /// @notice See MerkleRFC6962.leafHash.
    function leafHash(bytes32 docHash) external pure returns (bytes32) {
        return MerkleRFC6962.leafHash(docHash);
    }

    /// @notice See MerkleRFC6962.nodeHash.
    function nodeHash(bytes32 left, bytes32 right) external pure returns (bytes32) {
        return MerkleRFC6962.nodeHash(left, right);
    }

    /// @notice See MerkleRFC6962.rootFromProof.
    function rootFromProof(uint256 index, uint256 size, bytes32 leaf, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return MerkleRFC6962.rootFromProof(index, size, leaf, proof);
    }

    /// @notice The root a document's proof leads to: rootFromProof of the document's leaf hash.
    function rootOfDocument(bytes32 docHash, uint256 index, uint256 size, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return MerkleRFC6962.rootFromProof(index, size, MerkleRFC6962.leafHash(docHash), proof);
    }
}
