// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IProcurementLedger} from "../IProcurementLedger.sol";
import {Procurement} from "./Procurement.sol";

/// @title Sealed bids, evaluation and award
/// @notice One bid per supplier organisation per process, sealed by commit–reveal: before the bid deadline any
/// account of the organisation commits keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash, salt)),
/// and may replace it; between the bid and reveal deadlines it reveals, and a reveal that does not match
/// reverts. Nobody, the operator included, sees an amount before opening.
///
/// A relayer may submit a commitment that an account of the organisation signed (EIP-712), so suppliers need no
/// gas. Each bid has its own nonce, which every commit uses up, direct or relayed, and which the supplier can move
/// on to cancel signatures it handed out: no older signature can land after a newer commit, and a withheld
/// signature blocks nothing but itself.
abstract contract SealedBids is Procurement, EIP712 {
    /// @notice EIP-712 type of a bid commitment signed by a supplier's account and relayed by anyone.
    bytes32 public constant BID_COMMITMENT_TYPEHASH = keccak256(
        "BidCommitment(bytes32 processId,bytes32 bidderOrg,bytes32 commitment,uint64 nonce,uint256 deadline)"
    );

    mapping(bytes32 processId => mapping(bytes32 bidderOrg => Bid)) private _bids;
    mapping(bytes32 processId => bytes32[]) private _revealedBidders;

    /// @notice A supplier commits, or replaces, its organisation's sealed bid before the bid deadline.
    function commitBid(bytes32 processId, bytes32 commitment) external {
        bytes32 org = _activeCallerOrganisation(SUPPLIER_ROLE);
        _commit(processId, org, msg.sender, commitment, address(0));
    }

    /// @notice Anyone relays a commitment signed by `signer`, an account of supplier organisation `bidderOrg`, at
    /// the bid's current `nonce`; the relayer can neither forge, replay nor reorder bids.
    function commitBidFor(
        bytes32 processId,
        bytes32 bidderOrg,
        address signer,
        bytes32 commitment,
        uint64 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        // slither-disable-next-line timestamp
        if (block.timestamp > deadline) revert BidSignatureExpired(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(BID_COMMITMENT_TYPEHASH, processId, bidderOrg, commitment, nonce, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
            revert BidSignatureInvalid(signer, bidderOrg);
        }
        if (_organisationOfAccount(signer) != bidderOrg || _roleOf(bidderOrg) != SUPPLIER_ROLE) {
            revert AccessControlUnauthorizedAccount(signer, SUPPLIER_ROLE);
        }
        _requireNotSuspended(bidderOrg);
        uint64 current = bidNonce(processId, bidderOrg);
        if (nonce != current) revert BidNonceMismatch(processId, bidderOrg, current, nonce);
        _commit(processId, bidderOrg, signer, commitment, msg.sender);
    }

    /// @notice Cancel every signature of the organisation's bid not yet relayed, by moving its nonce on.
    function cancelBidSignatures(bytes32 processId) external {
        bytes32 org = _callerOrganisation(SUPPLIER_ROLE);
        _existingProcess(processId);
        Bid storage bid = _bids[processId][org];
        bid.nonceBump += 1;
        emit BidSignaturesCancelled(processId, org, msg.sender, _nonceOf(bid));
    }

    /// @notice A supplier opens its organisation's sealed bid between the bid deadline and the reveal deadline.
    /// A suspended supplier still reveals: its bid is opened, though it cannot be awarded.
    function revealBid(bytes32 processId, uint96 amount, bytes32 bidDocHash, bytes32 salt) external {
        bytes32 org = _callerOrganisation(SUPPLIER_ROLE);
        Process storage process = _existingProcess(processId);
        _requireStage(processId, process, Stage.Tender);
        // slither-disable-next-line timestamp
        if (block.timestamp < process.bidDeadline || block.timestamp >= process.revealDeadline) {
            revert BidRevealWindowClosed(processId, process.bidDeadline, process.revealDeadline, block.timestamp);
        }
        Bid storage bid = _bids[processId][org];
        if (bid.commitment == bytes32(0)) revert BidCommitmentMissing(processId, org);
        if (bid.revealed) revert BidAlreadyRevealed(processId, org);
        bytes32 revealed = keccak256(abi.encode(processId, org, amount, bidDocHash, salt));
        if (revealed != bid.commitment) revert BidRevealMismatch(processId, org, bid.commitment, revealed);
        if (amount == 0) revert BidAmountInvalid(processId, org, amount);
        (bid.amount, bid.revealed) = (amount, true);
        process.revealCount += 1;
        _revealedBidders[processId].push(org);
        emit BidRevealed(processId, org, msg.sender, amount, bidDocHash);
    }

    /// @notice The bid of supplier organisation `bidderOrg` in process `processId`.
    function bidOf(bytes32 processId, bytes32 bidderOrg) external view returns (Bid memory) {
        return _bids[processId][bidderOrg];
    }

    /// @notice The nonce the next signed commitment of this bid must carry: it moves on with every commit and
    /// every cancellation.
    function bidNonce(bytes32 processId, bytes32 bidderOrg) public view returns (uint64) {
        return _nonceOf(_bids[processId][bidderOrg]);
    }

    /// @inheritdoc IProcurementLedger
    function bidCommitment(bytes32 processId, bytes32 bidderOrg, uint96 amount, bytes32 bidDocHash, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash, salt));
    }

    // ─── Evaluation and award ────────────────────────────────────────────────────────────────────────────

    /// @notice Record the evaluation report once the reveal window has closed.
    function recordEvaluation(bytes32 processId, bytes32 reportHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Tender);
        _requireDocument(reportHash, 1);
        // slither-disable-next-line timestamp
        if (block.timestamp < process.revealDeadline) {
            revert EvaluationTooEarly(processId, process.revealDeadline, block.timestamp);
        }
        process.stage = Stage.Evaluation;
        bytes32[] memory bidders = _revealedBidders[processId];
        uint96[] memory amounts = new uint96[](bidders.length);
        for (uint256 i = 0; i < bidders.length; ++i) {
            amounts[i] = _bids[processId][bidders[i]].amount;
        }
        uint32 unrevealed = process.bidCount - process.revealCount;
        emit EvaluationRecorded(processId, reportHash, process.bidCount, unrevealed, bidders, amounts);
    }

    /// @notice Award the process to a supplier organisation: to a revealed bid at its amount (open tender), or
    /// directly (single source). The supplier must not be suspended.
    function awardProcess(bytes32 processId, bytes32 supplierOrg, uint96 amount, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireNotSuspended(process.purchaserOrg);
        _requireDocument(docHash, 3);
        _requireNoOpenComplaints(processId, process);
        if (amount == 0) revert AwardAmountInvalid(processId, amount);
        bytes32 role = _roleOf(supplierOrg);
        if (role != SUPPLIER_ROLE) revert AwardSupplierInvalid(processId, supplierOrg, role);
        _requireNotSuspended(supplierOrg);
        if (process.method == Method.OpenTender) {
            _requireStage(processId, process, Stage.Evaluation);
            Bid storage bid = _bids[processId][supplierOrg];
            if (!bid.revealed) revert AwardBidderNotRevealed(processId, supplierOrg);
            if (bid.amount != amount) revert AwardAmountMismatch(processId, bid.amount, amount);
        } else {
            _requireStage(processId, process, Stage.Planning);
        }
        _commitBudget(processId, process.budgetId, amount);
        (process.stage, process.supplierOrg, process.awardAmount) = (Stage.Awarded, supplierOrg, amount);
        emit ProcessAwarded(processId, supplierOrg, amount, docHash, process.bidCount, process.revealCount);
    }

    // ─── Internal ────────────────────────────────────────────────────────────────────────────────────────

    function _commit(bytes32 processId, bytes32 org, address account, bytes32 commitment, address relayer) private {
        if (commitment == bytes32(0)) revert BidCommitmentInvalid(processId, org);
        Process storage process = _existingProcess(processId);
        _requireStage(processId, process, Stage.Tender);
        // slither-disable-next-line timestamp
        if (block.timestamp >= process.bidDeadline) {
            revert TenderDeadlinePassed(processId, process.bidDeadline, block.timestamp);
        }
        Bid storage bid = _bids[processId][org];
        bool replaced = bid.commitment != bytes32(0);
        if (replaced) bid.nonceBump += 1;
        else process.bidCount += 1;
        bid.commitment = commitment;
        emit BidCommitted(processId, org, account, commitment, replaced, _nonceOf(bid), relayer);
    }

    /// @dev A bid's nonce is its number of commits and cancellations so far: `nonceBump` counts all but the first
    /// commit, which shows as the commitment leaving zero (it never returns there). So the first commit, the
    /// common case, writes one slot, and the nonce still moves on with every commit and every cancellation.
    function _nonceOf(Bid storage bid) private view returns (uint64) {
        return bid.nonceBump + (bid.commitment != bytes32(0) ? 1 : 0);
    }

    function _hasBid(bytes32 processId, bytes32 org) internal view override returns (bool) {
        return _bids[processId][org].commitment != bytes32(0);
    }
}
