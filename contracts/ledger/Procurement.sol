// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IProcurementLedger} from "../IProcurementLedger.sol";
import {Organisations} from "./Organisations.sol";

/// @title The procurement process: budget lines, process and tender, cancellation, complaints and audit notes
/// @notice Stages only move forward. A budget line names the purchaser organisations that may draw on it, and the
/// finance bureau that approved it is the only one that pays and resolves complaints on its processes. A process's
/// ocid must begin with an ocid prefix registered to the purchaser's organisation.
/// @dev Deadlines compare against block.timestamp on purpose: they are the procurement rules themselves. A block
/// producer can skew the timestamp by seconds, while tender deadlines are hours or days apart (slither `timestamp`
/// is silenced at each such check for this reason).
abstract contract Procurement is Organisations {
    /// @notice Longest accepted ocid, in bytes; OCDS ocids are a prefix plus a local id, far shorter.
    uint256 public constant MAX_OCID_LENGTH = 128;
    /// @notice Most complaints one organisation may have open on one process at a time.
    uint256 public constant MAX_OPEN_COMPLAINTS_PER_ORGANISATION = 3;

    mapping(bytes32 budgetId => Budget) private _budgets;
    mapping(bytes32 budgetId => mapping(bytes32 orgId => bool)) private _budgetPurchasers;
    mapping(bytes32 processId => Process) internal _processes;
    mapping(bytes32 processId => mapping(bytes32 amendmentId => bool)) private _tenderAmendments;
    mapping(bytes32 processId => mapping(bytes32 complaintId => Complaint)) private _complaints;
    mapping(bytes32 processId => mapping(bytes32 orgId => uint256)) private _openComplaintsOf;
    mapping(bytes32 processId => mapping(bytes32 noteId => bool)) private _auditNotes;

    // ─── Budgets ─────────────────────────────────────────────────────────────────────────────────────────

    /// @notice A finance bureau approves a budget line, to be drawn on by the purchaser organisations named.
    /// @param budgetRef The bureau's own reference for the line; the line's id is scopedId(bureau, budgetRef).
    function approveBudget(
        bytes32 budgetRef,
        uint16 fiscalYear,
        uint96 amount,
        bytes3 currency,
        bytes32 docHash,
        bytes32[] calldata purchaserOrgs
    ) external returns (bytes32 budgetId) {
        bytes32 bureau = _callerOrganisation(FINANCE_ROLE);
        budgetId = _scopedId(bureau, budgetRef);
        Budget storage line = _budgets[budgetId];
        if (line.fiscalYear != 0) revert BudgetAlreadyRecorded(budgetId);
        _requireDocument(docHash, 4);
        if (fiscalYear == 0 || amount == 0 || currency == bytes3(0)) {
            revert BudgetInvalid(budgetId, fiscalYear, amount, currency);
        }
        if (purchaserOrgs.length == 0) revert BudgetPurchaserInvalid(budgetId, bytes32(0), 0);
        for (uint256 i = 0; i < purchaserOrgs.length; ++i) {
            if (_roleOf(purchaserOrgs[i]) != PURCHASER_ROLE) revert BudgetPurchaserInvalid(budgetId, purchaserOrgs[i], i);
            _budgetPurchasers[budgetId][purchaserOrgs[i]] = true;
        }
        (line.amount, line.fiscalYear, line.currency, line.financeOrg) = (amount, fiscalYear, currency, bureau);
        emit BudgetApproved(budgetId, bureau, budgetRef, fiscalYear, amount, currency, docHash, purchaserOrgs);
    }

    /// @notice Budget line `budgetId`.
    function budget(bytes32 budgetId) external view returns (Budget memory) {
        return _budgets[budgetId];
    }

    /// @notice Whether purchaser organisation `orgId` may draw on budget line `budgetId`.
    function budgetAllows(bytes32 budgetId, bytes32 orgId) external view returns (bool) {
        return _budgetPurchasers[budgetId][orgId];
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
        processId = keccak256(bytes(ocid));
        if (_processes[processId].stage != Stage.None) revert ProcessAlreadyRecorded(processId);
        bytes32 org = _activeCallerOrganisation(PURCHASER_ROLE);
        _requireOcidOf(ocid, org);
        _requireDocument(docHash, 3);
        if (method == Method.SingleSource) _requireDocument(rationaleHash, 4);
        _startProcess(processId, budgetId, org, method);
        emit ProcessCreated(processId, budgetId, org, msg.sender, method, docHash, rationaleHash, ocid);
    }

    /// @notice Publish the tender of an open-tender process, with its bid and reveal deadlines (unix seconds).
    function openTender(bytes32 processId, uint64 bidDeadline, uint64 revealDeadline, bytes32 docHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Planning);
        _requireNotSuspended(process.purchaserOrg);
        _requireDocument(docHash, 3);
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
        bytes32 amendmentId,
        bytes32 docHash,
        bytes32 rationaleHash,
        uint64 bidDeadline,
        uint64 revealDeadline
    ) external {
        if (_tenderAmendments[processId][amendmentId]) revert TenderAmendmentAlreadyRecorded(processId, amendmentId);
        Process storage process = _purchaserProcess(processId, Stage.Tender);
        _requireDocument(docHash, 2);
        _requireDocument(rationaleHash, 3);
        // slither-disable-next-line timestamp
        if (block.timestamp >= process.bidDeadline) {
            revert TenderDeadlinePassed(processId, process.bidDeadline, block.timestamp);
        }
        if (bidDeadline < process.bidDeadline) revert TenderDeadlineShortened(processId, process.bidDeadline, bidDeadline);
        if (revealDeadline < process.revealDeadline) {
            revert TenderDeadlineShortened(processId, process.revealDeadline, revealDeadline);
        }
        // slither-disable-next-line timestamp
        if (revealDeadline <= bidDeadline) revert TenderInvalidDeadlines(bidDeadline, revealDeadline, block.timestamp);
        _tenderAmendments[processId][amendmentId] = true;
        uint32 number = process.tenderAmendments + 1;
        (process.bidDeadline, process.revealDeadline, process.tenderAmendments) = (bidDeadline, revealDeadline, number);
        emit TenderAmended(processId, amendmentId, number, docHash, rationaleHash, bidDeadline, revealDeadline);
    }

    /// @notice Cancel a process before its contract is signed; an award's budget commitment is released.
    function cancelProcess(bytes32 processId, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireDocument(docHash, 1);
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
    function processIdOf(string calldata ocid) external pure returns (bytes32) {
        return keccak256(bytes(ocid));
    }

    /// @inheritdoc IProcurementLedger
    function scopedId(bytes32 orgId, bytes32 ref) external pure returns (bytes32) {
        return _scopedId(orgId, ref);
    }

    // ─── Complaints and audit ────────────────────────────────────────────────────────────────────────────

    /// @notice A supplier with standing files a complaint (质疑/投诉, 政府采购法 arts. 52–55) until the contract
    /// is signed: any registered supplier while the tender's terms are open to bids (or, for single source, until
    /// signing), and afterwards only the organisations that bid. Award and signing pause until it is resolved.
    /// @param complaintRef The supplier's own reference; the complaint's id is scopedId(supplier, complaintRef).
    function fileComplaint(bytes32 processId, bytes32 complaintRef, bytes32 docHash) external {
        bytes32 org = _callerOrganisation(SUPPLIER_ROLE);
        bytes32 complaintId = _scopedId(org, complaintRef);
        Complaint storage complaint = _complaints[processId][complaintId];
        if (complaint.status != ComplaintStatus.None) revert ComplaintAlreadyRecorded(processId, complaintId);
        Process storage process = _existingProcess(processId);
        _requireDocument(docHash, 2);
        Stage stage = process.stage;
        if (stage >= Stage.Contracted) revert ComplaintWindowClosed(processId, stage);
        // slither-disable-next-line timestamp
        bool termsOpen = process.method == Method.SingleSource || stage == Stage.Planning
            || (stage == Stage.Tender && block.timestamp < process.bidDeadline);
        if (!termsOpen && !_hasBid(processId, org)) revert ComplaintNoStanding(processId, org, stage);
        uint256 open = _openComplaintsOf[processId][org];
        if (open >= MAX_OPEN_COMPLAINTS_PER_ORGANISATION) {
            revert ComplaintLimitReached(processId, org, MAX_OPEN_COMPLAINTS_PER_ORGANISATION);
        }
        _openComplaintsOf[processId][org] = open + 1;
        (complaint.complainantOrg, complaint.status) = (org, ComplaintStatus.Open);
        process.openComplaints += 1;
        emit ComplaintFiled(processId, complaintId, org, complaintRef, docHash);
    }

    /// @notice The finance bureau of the process's budget line resolves an open complaint.
    function resolveComplaint(bytes32 processId, bytes32 complaintId, ComplaintStatus outcome, bytes32 docHash)
        external
    {
        Process storage process = _existingProcess(processId);
        _requireFinanceBureau(processId, process);
        Complaint storage complaint = _complaints[processId][complaintId];
        if (complaint.status != ComplaintStatus.Open) revert ComplaintNotOpen(processId, complaintId, complaint.status);
        _requireDocument(docHash, 3);
        if (outcome < ComplaintStatus.Dismissed) revert ComplaintOutcomeInvalid(processId, complaintId, outcome);
        complaint.status = outcome;
        _openComplaintsOf[processId][complaint.complainantOrg] -= 1;
        uint32 open = process.openComplaints - 1;
        process.openComplaints = open;
        emit ComplaintResolved(processId, complaintId, complaint.complainantOrg, outcome, docHash, open);
    }

    /// @notice Complaint `complaintId` of process `processId`.
    function complaintOf(bytes32 processId, bytes32 complaintId) external view returns (Complaint memory) {
        return _complaints[processId][complaintId];
    }

    /// @notice An auditor attaches findings to a process.
    /// @param noteRef The auditor's own reference; the note's id is scopedId(auditor, noteRef).
    function recordAuditNote(bytes32 processId, bytes32 noteRef, bytes32 findingsHash) external {
        bytes32 org = _callerOrganisation(AUDITOR_ROLE);
        bytes32 noteId = _scopedId(org, noteRef);
        if (_auditNotes[processId][noteId]) revert AuditNoteAlreadyRecorded(processId, noteId);
        _existingProcess(processId);
        _requireDocument(findingsHash, 2);
        _auditNotes[processId][noteId] = true;
        emit AuditNoteRecorded(processId, noteId, org, noteRef, findingsHash);
    }

    // ─── Helpers for the parts of the ledger ─────────────────────────────────────────────────────────────

    /// @dev Whether supplier organisation `org` committed a bid on the process.
    function _hasBid(bytes32 processId, bytes32 org) internal view virtual returns (bool);

    /// @dev Start a process on budget line `budgetId`, which must name purchaser `org`; its bureau is the line's.
    function _startProcess(bytes32 processId, bytes32 budgetId, bytes32 org, Method method) private {
        bytes32 bureau = _budgets[budgetId].financeOrg;
        if (bureau == bytes32(0)) revert BudgetUnknown(budgetId);
        if (!_budgetPurchasers[budgetId][org]) revert BudgetNotForPurchaser(budgetId, org);
        Process storage process = _processes[processId];
        (process.budgetId, process.purchaserOrg, process.financeOrg) = (budgetId, org, bureau);
        (process.method, process.stage) = (method, Stage.Planning);
    }

    /// @dev `ocid` must be of sensible length and begin with an ocid prefix registered to `org`.
    function _requireOcidOf(string calldata ocid, bytes32 org) private view {
        uint256 length = bytes(ocid).length;
        if (length == 0 || length > MAX_OCID_LENGTH) revert ProcessInvalidOcid(ocid, length, MAX_OCID_LENGTH);
        bytes32 prefixOwner = _ocidOwner(bytes(ocid));
        if (prefixOwner != org) revert ProcessOcidNotOwned(ocid, prefixOwner, org);
    }

    function _existingProcess(bytes32 processId) internal view returns (Process storage process) {
        process = _processes[processId];
        if (process.stage == Stage.None) revert ProcessUnknown(processId);
    }

    /// @dev The process, after checking the caller signs for its purchaser and it is at `stage`.
    function _purchaserProcess(bytes32 processId, Stage stage) internal view returns (Process storage process) {
        process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireStage(processId, process, stage);
    }

    function _requirePurchaser(bytes32 processId, Process storage process) internal view {
        bytes32 purchaser = process.purchaserOrg;
        if (_callerOrganisationAny() != purchaser) revert ProcessNotPurchaser(processId, msg.sender, purchaser);
    }

    function _requireFinanceBureau(bytes32 processId, Process storage process) internal view {
        bytes32 bureau = process.financeOrg;
        if (_callerOrganisationAny() != bureau) revert ProcessNotFinanceBureau(processId, msg.sender, bureau);
    }

    function _requireStage(bytes32 processId, Process storage process, Stage stage) internal view {
        if (process.stage != stage) revert ProcessWrongStage(processId, process.stage, stage);
    }

    function _requireNoOpenComplaints(bytes32 processId, Process storage process) internal view {
        if (process.openComplaints != 0) revert ProcessPausedByComplaints(processId, process.openComplaints);
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

    function _scopedId(bytes32 orgId, bytes32 ref) internal pure returns (bytes32) {
        return keccak256(abi.encode(orgId, ref));
    }
}
