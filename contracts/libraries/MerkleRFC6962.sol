// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice The leaf index is not below the tree size (a tree of `size` leaves has indexes 0 to size - 1).
/// @param index The leaf index given.
/// @param size The tree size given.
error MerkleIndexOutOfRange(uint256 index, uint256 size);

/// @notice The proof does not have the one length an audit path for this index and tree size has.
/// @param expected The number of hashes the audit path must have.
/// @param got The number of hashes given.
error MerkleProofLengthMismatch(uint256 expected, uint256 got);

/// @title RFC 6962 Merkle inclusion proofs over SHA-256
/// @notice The document-anchoring scheme of `ledger/proofs/merkle.py`: RFC 6962 / RFC 9162 trees over SHA-256
/// with domain separation. leafHash = sha256(0x00 || docHash), nodeHash = sha256(0x01 || left || right), the
/// root is MTH of RFC 6962 section 2.1 and a proof is its audit path (section 2.1.1), leaf level first.
/// Both implementations are pinned by `tests/assets/merkle_rfc6962_vectors.json`.
/// @dev Uses the sha256 precompile, as the Python side and off-chain tools do, rather than keccak256.
library MerkleRFC6962 {
    /// @notice The leaf of a document whose SHA-256 is `docHash`.
    /// @param docHash SHA-256 of the document.
    /// @return The leaf hash, sha256(0x00 || docHash).
    function leafHash(bytes32 docHash) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), docHash));
    }

    /// @notice The parent of two subtree hashes.
    /// @param left The left child's hash.
    /// @param right The right child's hash.
    /// @return The node hash, sha256(0x01 || left || right).
    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /// @notice The root that `proof` leads to from `leaf` at `index` in a tree of `size` leaves, by the
    /// algorithm of RFC 9162 section 2.1.3.2. The caller compares it with the anchored root.
    /// @dev Reverts with MerkleIndexOutOfRange if index >= size (so also when size is 0), and with
    /// MerkleProofLengthMismatch unless the proof has exactly the audit path's length; after that check the
    /// RFC's in-loop "sn is 0" failure cannot happen, and sn ends at 0.
    /// @param index The leaf's position, from 0.
    /// @param size The number of leaves in the tree.
    /// @param leaf The leaf hash (see leafHash).
    /// @param proof The audit path, leaf level first.
    /// @return root The computed root.
    function rootFromProof(uint256 index, uint256 size, bytes32 leaf, bytes32[] memory proof)
        internal
        pure
        returns (bytes32 root)
    {
        if (index >= size) revert MerkleIndexOutOfRange(index, size);
        uint256 last;
        // Safe: size > index >= 0 was just checked, so size >= 1.
        unchecked {
            last = size - 1;
        }
        uint256 expected = _proofLength(index, last);
        if (proof.length != expected) revert MerkleProofLengthMismatch(expected, proof.length);

        uint256 fn = index;
        uint256 sn = last;
        root = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (fn & 1 == 1 || fn == sn) {
                root = nodeHash(proof[i], root);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                root = nodeHash(root, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
    }

    /// @dev The audit path length for `index` when the last leaf is `last`: one hash per level below the point
    /// where the paths to `index` and `last` meet, then one per level above it where `index` is a right child.
    function _proofLength(uint256 index, uint256 last) private pure returns (uint256 length) {
        uint256 inner = _bitLength(index ^ last);
        uint256 upper = index >> inner;
        // Safe: `length` counts set bits of a uint256 added to `inner` <= 256, so it stays <= 512.
        unchecked {
            length = inner;
            while (upper != 0) {
                length += upper & 1;
                upper >>= 1;
            }
        }
    }

    /// @dev The number of bits needed to write `x`, 0 for 0.
    function _bitLength(uint256 x) private pure returns (uint256 bits) {
        // Safe: `bits` is incremented once per bit shifted out of a uint256, so at most 256 times.
        unchecked {
            while (x != 0) {
                x >>= 1;
                ++bits;
            }
        }
    }
}
