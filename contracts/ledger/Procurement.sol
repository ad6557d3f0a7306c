// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IProcurementLedger} from "../IProcurementLedger.sol";
import {Organisations} from "./Organisations.sol";

/// @title The procurement process: budgets, tender, sealed bids, evaluation, award, complaints and audit notes
/// @notice Stages only move forward. Bids are sealed by commit–reveal: before the bid deadline a supplier commits
/// keccak256(abi.encode(processId, bidder, amount, bidDocHash, salt)); between the bid and reveal deadlines it
/// reveals, and a reveal that does not match reverts. Nobody, the operator included, sees an amount before opening.
/// @dev Deadlines compare against block.timestamp on purpose: they are the procurement rules themselves. A block
/// producer can skew the timestamp by seconds, while tender deadlines are hours or days apart (slither `timestamp`
/// is silenced at each such check for this reason).
abstract contract Procurement is Organisations, EIP712, Nonces {
    /// @notice Longest accepted ocid, in bytes; OCDS ocids are a prefix plus a local id, far shorter.
    uint256 public constant MAX_OCID_LENGTH = 128;

    /// @notice EIP-712 type of a bid commitment signed by a supplier and relayed by anyone.
    bytes32 public constant BID_COMMITMENT_TYPEHASH =
        keccak256("BidCommitment(bytes32 processId,address bidder,bytes32 commitment,uint256 nonce,uint256 deadline)");

    mapping(bytes32 budgetId => Budget) internal _budgets;
    mapping(bytes32 processId => Process) internal _processes;
    mapping(bytes32 processId => mapping(address bidder => Bid)) private _bids;
    mapping(bytes32 processId => address[]) private _revealedBidders;
    mapping(bytes32 processId => mapping(bytes32 complaintId => ComplaintOutcome)) private _complaints;
    mapping(bytes32 processId => mapping(bytes32 complaintId => bool)) private _complaintFiled;

    // ─── Budgets ─────────────────────────────────────────────────────────────────────────────────────────

    /// @notice A finance bureau approves budget line `budgetId`.
    function approveBudget(bytes32 budgetId, uint16 fiscalYear, uint96 amount, bytes3 currency, bytes32 docHash)
        external
    {
        bytes32 org = _callerOrganisation(FINANCE_ROLE);
        _requireDocument(docHash);
        if (fiscalYear == 0 || amount == 0 || currency == bytes3(0)) revert BudgetInvalid(fiscalYear, amount, currency);
        Budget storage line = _budgets[budgetId];
        if (line.fiscalYear != 0) revert BudgetAlreadyExists(budgetId);
        (line.amount, line.fiscalYear, line.currency, line.financeOrg) = (amount, fiscalYear, currency, org);
        emit BudgetApproved(budgetId, org, fiscalYear, amount, currency, docHash);
    }

    /// @notice Budget line `budgetId`.
    function budget(bytes32 budgetId) external view returns (Budget memory) {
        return _budgets[budgetId];
    }

    // ─── Process lifecycle ───────────────────────────────────────────────────────────────────────────────

    /// @notice A purchaser opens process `ocid` on budget line `budgetId`.
    /// @param rationaleHash For single source, the justification document; ignored (may be zero) for open tender.
    function createProcess(
        string calldata ocid,
        bytes32 budgetId,
        Method method,
        bytes32 docHash,
        bytes32 rationaleHash
    ) external returns (bytes32 processId) {
        bytes32 org = _callerOrganisation(PURCHASER_ROLE);
        if (bytes(ocid).length == 0 || bytes(ocid).length > MAX_OCID_LENGTH) {
            revert ProcessInvalidOcid(bytes(ocid).length, MAX_OCID_LENGTH);
        }
        _requireDocument(docHash);
        if (method == Method.SingleSource && rationaleHash == bytes32(0)) revert SingleSourceRationaleMissing();
        if (_budgets[budgetId].fiscalYear == 0) revert BudgetUnknown(budgetId);
        processId = keccak256(bytes(ocid));
        _startProcess(processId, budgetId, org, method);
        emit ProcessCreated(processId, budgetId, org, msg.sender, method, docHash, rationaleHash, ocid);
    }

    /// @notice Publish the tender of an open-tender process, with its bid and reveal deadlines (unix seconds).
    function openTender(bytes32 processId, uint64 bidDeadline, uint64 revealDeadline, bytes32 docHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Planning);
        _requireDocument(docHash);
        if (process.method != Method.OpenTender) revert ProcessWrongMethod(processId, process.method);
        // slither-disable-next-line timestamp
        if (bidDeadline <= block.timestamp || revealDeadline <= bidDeadline) {
            revert TenderInvalidDeadlines(bidDeadline, revealDeadline, block.timestamp);
        }
        (process.bidDeadline, process.revealDeadline, process.stage) = (bidDeadline, revealDeadline, Stage.Tender);
        emit TenderOpened(processId, bidDeadline, revealDeadline, docHash);
    }

    /// @notice Amend the tender before its bid deadline; the deadlines may be extended, never shortened.
    function amendTender(
        bytes32 processId,
        bytes32 docHash,
        bytes32 rationaleHash,
        uint64 bidDeadline,
        uint64 revealDeadline
    ) external {
        Process storage process = _purchaserProcess(processId, Stage.Tender);
        _requireDocument(docHash);
        _requireDocument(rationaleHash);
        // slither-disable-next-line timestamp
        if (block.timestamp >= process.bidDeadline) {
            revert TenderDeadlinePassed(processId, process.bidDeadline, block.timestamp);
        }
        if (bidDeadline < process.bidDeadline) revert TenderDeadlineShortened(process.bidDeadline, bidDeadline);
        if (revealDeadline < process.revealDeadline) {
            revert TenderDeadlineShortened(process.revealDeadline, revealDeadline);
        }
        // slither-disable-next-line timestamp
        if (revealDeadline <= bidDeadline) revert TenderInvalidDeadlines(bidDeadline, revealDeadline, block.timestamp);
        uint16 amendment = process.amendments + 1;
        (process.bidDeadline, process.revealDeadline, process.amendments) = (bidDeadline, revealDeadline, amendment);
        emit TenderAmended(processId, amendment, docHash, rationaleHash, bidDeadline, revealDeadline);
    }

    /// @notice Cancel a process before its contract is signed; an award's budget commitment is released.
    function cancelProcess(bytes32 processId, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireDocument(docHash);
        Stage from = process.stage;
        if (from > Stage.Awarded) revert ProcessNotCancellable(processId, from);
        process.stage = Stage.Cancelled;
        if (from == Stage.Awarded) _releaseBudget(processId, process.budgetId, process.awardAmount);
        emit ProcessCancelled(processId, from, docHash);
    }

    /// @notice Process `processId`.
    function processOf(bytes32 processId) external view returns (Process memory) {
        return _processes[processId];
    }

    /// @inheritdoc IProcurementLedger
    function processExists(bytes32 processId) external view returns (bool) {
        return _processes[processId].stage != Stage.None;
    }

    /// @inheritdoc IProcurementLedger
    function processIdOf(string calldata ocid) external pure returns (bytes32) {
        return keccak256(bytes(ocid));
    }

    // ─── Sealed bids ─────────────────────────────────────────────────────────────────────────────────────

    /// @notice A supplier commits, or replaces, its sealed bid before the bid deadline.
    function commitBid(bytes32 processId, bytes32 commitment) external {
        _checkRole(SUPPLIER_ROLE);
        _commit(processId, msg.sender, commitment);
    }

    /// @notice Anyone relays a supplier's EIP-712-signed commitment, so the supplier needs no gas.
    /// @dev The signature covers the supplier's current nonce, so a relayer can neither forge nor replay a bid.
    function commitBidFor(
        bytes32 processId,
        address bidder,
        bytes32 commitment,
        uint256 deadline,
        bytes calldata signature
    ) external {
        // slither-disable-next-line timestamp
        if (block.timestamp > deadline) revert BidSignatureExpired(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(BID_COMMITMENT_TYPEHASH, processId, bidder, commitment, _useNonce(bidder), deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(bidder, digest, signature)) revert BidSignatureInvalid(bidder);
        if (!hasRole(SUPPLIER_ROLE, bidder)) revert AccessControlUnauthorizedAccount(bidder, SUPPLIER_ROLE);
        _commit(processId, bidder, commitment);
    }

    /// @notice The supplier opens its sealed bid between the bid deadline and the reveal deadline.
    function revealBid(bytes32 processId, uint96 amount, bytes32 bidDocHash, bytes32 salt) external {
        _checkRole(SUPPLIER_ROLE);
        Process storage process = _existingProcess(processId);
        if (process.stage != Stage.Tender) revert ProcessWrongStage(processId, process.stage, Stage.Tender);
        // slither-disable-next-line timestamp
        if (block.timestamp < process.bidDeadline || block.timestamp >= process.revealDeadline) {
            revert BidRevealWindowClosed(processId, process.bidDeadline, process.revealDeadline, block.timestamp);
        }
        Bid storage bid = _bids[processId][msg.sender];
        if (bid.commitment == bytes32(0)) revert BidCommitmentMissing(processId, msg.sender);
        if (bid.revealed) revert BidAlreadyRevealed(processId, msg.sender);
        bytes32 revealed = keccak256(abi.encode(processId, msg.sender, amount, bidDocHash, salt));
        if (revealed != bid.commitment) revert BidRevealMismatch(processId, msg.sender, bid.commitment, revealed);
        if (amount == 0) revert BidInvalidAmount();
        (bid.amount, bid.revealed) = (amount, true);
        process.revealCount += 1;
        _revealedBidders[processId].push(msg.sender);
        emit BidRevealed(processId, msg.sender, amount, bidDocHash);
    }

    /// @notice Bid of `bidder` in process `processId`.
    function bidOf(bytes32 processId, address bidder) external view returns (Bid memory) {
        return _bids[processId][bidder];
    }

    /// @inheritdoc IProcurementLedger
    function bidCommitment(bytes32 processId, address bidder, uint96 amount, bytes32 bidDocHash, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(processId, bidder, amount, bidDocHash, salt));
    }

    // ─── Evaluation and award ────────────────────────────────────────────────────────────────────────────

    /// @notice Record the evaluation report once the reveal window has closed.
    function recordEvaluation(bytes32 processId, bytes32 reportHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Tender);
        _requireDocument(reportHash);
        // slither-disable-next-line timestamp
        if (block.timestamp < process.revealDeadline) {
            revert EvaluationTooEarly(processId, process.revealDeadline, block.timestamp);
        }
        process.stage = Stage.Evaluation;
        address[] memory bidders = _revealedBidders[processId];
        uint96[] memory amounts = new uint96[](bidders.length);
        for (uint256 i = 0; i < bidders.length; ++i) {
            amounts[i] = _bids[processId][bidders[i]].amount;
        }
        emit EvaluationRecorded(processId, reportHash, process.bidCount, bidders, amounts);
    }

    /// @notice Award the process: to a revealed bidder at its bid (open tender), or directly (single source).
    function awardProcess(bytes32 processId, address supplier, uint96 amount, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireDocument(docHash);
        _requireNoOpenComplaints(processId, process);
        if (amount == 0) revert AwardInvalidAmount();
        // A supplier removed from the registry since it bid (e.g. debarred) cannot be awarded.
        if (!hasRole(SUPPLIER_ROLE, supplier)) revert AwardSupplierNotRegistered(supplier);
        if (process.method == Method.OpenTender) {
            _requireStage(processId, process, Stage.Evaluation);
            Bid storage bid = _bids[processId][supplier];
            if (!bid.revealed) revert AwardBidderNotRevealed(processId, supplier);
            if (bid.amount != amount) revert AwardAmountMismatch(processId, bid.amount, amount);
        } else {
            _requireStage(processId, process, Stage.Planning);
        }
        _commitBudget(processId, process.budgetId, amount);
        (process.stage, process.awardee, process.awardAmount) = (Stage.Awarded, supplier, amount);
        emit ProcessAwarded(processId, supplier, amount, docHash, process.bidCount, process.revealCount);
    }

    // ─── Complaints and audit ────────────────────────────────────────────────────────────────────────────

    /// @notice Any registered organisation files a complaint; award and contract signing pause until resolved.
    function fileComplaint(bytes32 processId, bytes32 complaintId, bytes32 docHash) external {
        bytes32 org = _organisationOfAccount(msg.sender);
        if (org == bytes32(0)) revert AccountNotRegistered(msg.sender);
        Process storage process = _existingProcess(processId);
        if (process.stage >= Stage.Completed) revert ProcessClosed(processId, process.stage);
        _requireDocument(docHash);
        if (_complaintFiled[processId][complaintId]) revert ComplaintAlreadyExists(processId, complaintId);
        _complaintFiled[processId][complaintId] = true;
        process.openComplaints += 1;
        emit ComplaintFiled(processId, complaintId, org, docHash);
    }

    /// @notice A finance bureau resolves an open complaint.
    function resolveComplaint(bytes32 processId, bytes32 complaintId, ComplaintOutcome outcome, bytes32 docHash)
        external
    {
        _checkRole(FINANCE_ROLE);
        _requireDocument(docHash);
        if (outcome == ComplaintOutcome.None) revert ComplaintOutcomeInvalid();
        if (!_complaintFiled[processId][complaintId] || _complaints[processId][complaintId] != ComplaintOutcome.None) {
            revert ComplaintNotOpen(processId, complaintId);
        }
        _complaints[processId][complaintId] = outcome;
        Process storage process = _processes[processId];
        process.openComplaints -= 1;
        emit ComplaintResolved(processId, complaintId, outcome, docHash, process.openComplaints);
    }

    /// @notice An auditor attaches findings to a process.
    function recordAuditNote(bytes32 processId, bytes32 findingsHash) external {
        bytes32 org = _callerOrganisation(AUDITOR_ROLE);
        _existingProcess(processId);
        _requireDocument(findingsHash);
        emit AuditNoteRecorded(processId, org, findingsHash);
    }

    // ─── Internal helpers ────────────────────────────────────────────────────────────────────────────────

    function _commit(bytes32 processId, address bidder, bytes32 commitment) private {
        if (commitment == bytes32(0)) revert BidInvalidCommitment();
        Process storage process = _existingProcess(processId);
        if (process.stage != Stage.Tender) revert ProcessWrongStage(processId, process.stage, Stage.Tender);
        // slither-disable-next-line timestamp
        if (block.timestamp >= process.bidDeadline) {
            revert TenderDeadlinePassed(processId, process.bidDeadline, block.timestamp);
        }
        Bid storage bid = _bids[processId][bidder];
        bool replaced = bid.commitment != bytes32(0);
        if (!replaced) process.bidCount += 1;
        bid.commitment = commitment;
        emit BidCommitted(processId, bidder, commitment, replaced, bidder == msg.sender ? address(0) : msg.sender);
    }

    function _startProcess(bytes32 processId, bytes32 budgetId, bytes32 org, Method method) private {
        Process storage process = _processes[processId];
        if (process.stage != Stage.None) revert ProcessAlreadyExists(processId);
        (process.budgetId, process.purchaserOrg, process.method, process.stage) =
            (budgetId, org, method, Stage.Planning);
    }

    function _existingProcess(bytes32 processId) internal view returns (Process storage process) {
        process = _processes[processId];
        if (process.stage == Stage.None) revert ProcessUnknown(processId);
    }

    /// @dev The process, after checking the caller is its purchaser and it is at `stage`.
    function _purchaserProcess(bytes32 processId, Stage stage) internal view returns (Process storage process) {
        process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireStage(processId, process, stage);
    }

    function _requirePurchaser(bytes32 processId, Process storage process) internal view {
        if (_callerOrganisation(PURCHASER_ROLE) != process.purchaserOrg) revert ProcessNotPurchaser(processId, msg.sender);
    }

    function _requireStage(bytes32 processId, Process storage process, Stage stage) internal view {
        if (process.stage != stage) revert ProcessWrongStage(processId, process.stage, stage);
    }

    function _requireNoOpenComplaints(bytes32 processId, Process storage process) internal view {
        if (process.openComplaints != 0) revert ProcessPausedByComplaints(processId, process.openComplaints);
    }

    function _requireDocument(bytes32 docHash) internal pure {
        if (docHash == bytes32(0)) revert DocumentHashMissing();
    }

    function _commitBudget(bytes32 processId, bytes32 budgetId, uint96 amount) internal {
        Budget storage line = _budgets[budgetId];
        uint96 remaining = line.amount - line.committed;
        if (amount > remaining) revert BudgetExceeded(budgetId, amount, remaining);
        line.committed += amount;
        emit BudgetCommitmentChanged(budgetId, processId, line.committed);
    }

    function _releaseBudget(bytes32 processId, bytes32 budgetId, uint96 amount) internal {
        Budget storage line = _budgets[budgetId];
        line.committed -= amount;
        emit BudgetCommitmentChanged(budgetId, processId, line.committed);
    }
}
