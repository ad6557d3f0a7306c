// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleRFC6962} from "../libraries/MerkleRFC6962.sol";
import {Procurement} from "./Procurement.sol";

/// @title Document anchoring
/// @notice Many document hashes are anchored in one transaction as the root of an RFC 6962 Merkle tree (SHA-256,
/// 0x00-prefixed leaves, 0x01-prefixed nodes; see MerkleRFC6962). Only the root and the leaf count go on chain;
/// the leaf list is kept and served off chain, and each document has an inclusion proof to its root.
/// Any registered organisation anchors its own documents. Anchors are keyed by (anchorer, root), so nobody can
/// take another organisation's root, and `verifyDocument` needs nothing but the public record: the anchorer, the
/// root, the document hash, its index and its proof.
abstract contract DocumentAnchors is Procurement {
    mapping(bytes32 anchorerOrg => mapping(bytes32 root => Anchor)) private _anchors;

    /// @notice Anchor `count` documents of the caller's organisation under Merkle root `root`, optionally filed
    /// under process `processId`, which only its purchaser or its finance bureau may do.
    function anchorDocuments(bytes32 root, uint32 count, bytes32 processId) external {
        bytes32 org = _callerOrganisationAny();
        if (org == bytes32(0)) revert AccountNotRegistered(msg.sender);
        Anchor storage anchor = _anchors[org][root];
        if (anchor.count != 0) revert AnchorAlreadyRecorded(org, root);
        if (root == bytes32(0) || count == 0) revert AnchorInvalid(root, count);
        if (processId != bytes32(0)) {
            Process storage process = _existingProcess(processId);
            if (org != process.purchaserOrg && org != process.financeOrg) revert AnchorNotProcessParty(processId, org);
        }
        (anchor.count, anchor.blockNumber) = (count, uint64(block.number));
        emit DocumentsAnchored(root, processId, org, count);
    }

    /// @notice The anchor of `root` by `anchorerOrg`: its leaf count and the block that anchored it (zeros if none).
    function anchorOf(bytes32 anchorerOrg, bytes32 root) external view returns (Anchor memory) {
        return _anchors[anchorerOrg][root];
    }

    /// @notice Whether document `docHash` is leaf `index` of the tree `root` that `anchorerOrg` anchored, by its
    /// inclusion proof.
    function verifyDocument(bytes32 anchorerOrg, bytes32 root, bytes32 docHash, uint256 index, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        uint32 count = _anchors[anchorerOrg][root].count;
        // slither taints the whole Anchor struct with block.number (stored beside the count) and flags these strict
        // equalities; neither depends on the block: one tests the root was anchored, the other compares two hashes.
        // slither-disable-next-line incorrect-equality
        if (count == 0) revert AnchorUnknown(anchorerOrg, root);
        // slither-disable-next-line incorrect-equality
        return MerkleRFC6962.rootFromProof(index, count, MerkleRFC6962.leafHash(docHash), proof) == root;
    }
}
