// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleRFC6962} from "../libraries/MerkleRFC6962.sol";
import {Procurement} from "./Procurement.sol";

/// @title Document anchoring
/// @notice Many document hashes are anchored in one transaction as the root of an RFC 6962 Merkle tree (SHA-256,
/// 0x00-prefixed leaves, 0x01-prefixed nodes; see MerkleRFC6962). Only the root and the leaf count go on chain;
/// the leaf list is kept and served off chain, and each document has an inclusion proof to its root.
abstract contract DocumentAnchors is Procurement {
    struct Anchor {
        uint32 count;
        uint64 blockNumber;
    }

    mapping(bytes32 root => Anchor) private _anchors;

    /// @notice Anchor `count` documents under Merkle root `root`, optionally for process `processId`.
    function anchorDocuments(bytes32 root, uint32 count, bytes32 processId) external {
        bytes32 org = _callerOrganisation(PURCHASER_ROLE);
        if (root == bytes32(0) || count == 0) revert AnchorInvalid(root, count);
        // Documents filed under a process are that process's purchaser's to anchor.
        if (processId != bytes32(0) && _existingProcess(processId).purchaserOrg != org) {
            revert ProcessNotPurchaser(processId, msg.sender);
        }
        Anchor storage anchor = _anchors[root];
        if (anchor.count != 0) revert AnchorAlreadyExists(root);
        (anchor.count, anchor.blockNumber) = (count, uint64(block.number));
        emit DocumentsAnchored(root, processId, org, count);
    }

    /// @notice The anchor of `root`: its leaf count and the block that anchored it (zeros if never anchored).
    function anchorOf(bytes32 root) external view returns (Anchor memory) {
        return _anchors[root];
    }

    /// @notice Whether document `docHash` is leaf `index` of the anchored tree `root`, by its inclusion proof.
    function verifyDocument(bytes32 root, bytes32 docHash, uint256 index, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        uint32 count = _anchors[root].count;
        // slither taints the whole Anchor struct with block.number (stored beside the count) and flags these strict
        // equalities; neither depends on the block: one tests the root was anchored, the other compares two hashes.
        // slither-disable-next-line incorrect-equality
        if (count == 0) revert AnchorUnknown(root);
        // slither-disable-next-line incorrect-equality
        return MerkleRFC6962.rootFromProof(index, count, MerkleRFC6962.leafHash(docHash), proof) == root;
    }
}
