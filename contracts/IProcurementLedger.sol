// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Procurement ledger: the public, rule-enforcing record of public procurement
/// @notice Every milestone of a procurement is written here with the SHA-256 of the document behind it.
/// Events are the public history: each carries what a reader needs to rebuild state without calling the
/// contract. Documents, personal data and trade secrets never go on chain, only their fingerprints.
/// Money is an integer in minor units (e.g. cents) of the budget line's ISO 4217 currency.
interface IProcurementLedger {
    // ─── Types ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Stages of a process. They only move forward; Cancelled and Terminated are final.
    enum Stage {
        None,
        Planning,
        Tender,
        Evaluation,
        Awarded,
        Contracted,
        Implementation,
        Completed,
        Cancelled,
        Terminated
    }

    /// @notice Procurement method: an open tender takes sealed bids; single source awards directly, on a rationale.
    enum Method {
        OpenTender,
        SingleSource
    }

    /// @notice Contract milestones: the supplier delivers, then the purchaser accepts (履约验收).
    enum MilestoneKind {
        Delivery,
        Acceptance
    }

    /// @notice State of a milestone id within a process.
    enum MilestoneState {
        None,
        Delivered,
        Accepted
    }

    /// @notice How a complaint ended.
    enum ComplaintOutcome {
        None,
        Dismissed,
        Upheld,
        Withdrawn
    }

    /// @notice A budget line approved by a finance bureau.
    struct Budget {
        uint96 amount;
        uint96 committed;
        uint16 fiscalYear;
        bytes3 currency;
        bytes32 financeOrg;
    }

    /// @notice A procurement process.
    struct Process {
        bytes32 budgetId;
        bytes32 purchaserOrg;
        uint64 bidDeadline;
        uint64 revealDeadline;
        Stage stage;
        Method method;
        uint16 openComplaints;
        uint16 amendments;
        uint32 bidCount;
        uint32 revealCount;
        address awardee;
        uint96 awardAmount;
    }

    /// @notice The procurement contract signed at the end of a process (one per process).
    /// @dev `contractTag` (the low 96 bits of keccak256(contractId)) sits beside `supplier` so a milestone or
    /// payment checks the contract id and the supplier with one storage read.
    struct Agreement {
        bytes32 contractId;
        uint96 value;
        uint96 paid;
        uint64 paymentCount;
        uint96 originalValue;
        uint96 amendedTotal;
        uint32 acceptedMilestones;
        address supplier;
        uint96 contractTag;
    }

    /// @notice A sealed bid: the commitment, then what the reveal disclosed.
    struct Bid {
        bytes32 commitment;
        uint96 amount;
        bool revealed;
    }

    // ─── Events: organisations and budgets ───────────────────────────────────────────────────────────────

    /// @notice An organisation was registered under a role; `orgId` is the hash of its registry id (e.g. USCC).
    event OrganisationRegistered(bytes32 indexed orgId, bytes32 indexed role);

    /// @notice An account now acts for an organisation, with the organisation's role.
    event OrganisationAccountAdded(bytes32 indexed orgId, address indexed account, bytes32 indexed role);

    /// @notice An account no longer acts for an organisation.
    event OrganisationAccountRemoved(bytes32 indexed orgId, address indexed account, bytes32 indexed role);

    /// @notice A finance bureau approved a budget line.
    event BudgetApproved(
        bytes32 indexed budgetId,
        bytes32 indexed financeOrg,
        uint16 fiscalYear,
        uint96 amount,
        bytes3 currency,
        bytes32 docHash
    );

    /// @notice The amount committed on a budget line changed (award, contract, amendment, cancellation, termination).
    event BudgetCommitmentChanged(bytes32 indexed budgetId, bytes32 indexed processId, uint96 committed);

    // ─── Events: process lifecycle ───────────────────────────────────────────────────────────────────────

    /// @notice A purchaser opened a process; for single source, `rationaleHash` is the justification document.
    event ProcessCreated(
        bytes32 indexed processId,
        bytes32 indexed budgetId,
        bytes32 indexed purchaserOrg,
        address purchaser,
        Method method,
        bytes32 docHash,
        bytes32 rationaleHash,
        string ocid
    );

    /// @notice The tender was published with its deadlines (unix seconds).
    event TenderOpened(bytes32 indexed processId, uint64 bidDeadline, uint64 revealDeadline, bytes32 docHash);

    /// @notice The tender was amended before its bid deadline; deadlines may only be extended.
    event TenderAmended(
        bytes32 indexed processId,
        uint16 amendment,
        bytes32 docHash,
        bytes32 rationaleHash,
        uint64 bidDeadline,
        uint64 revealDeadline
    );

    /// @notice A supplier committed (or replaced) a sealed bid; `relayer` sent it if not the bidder itself.
    event BidCommitted(
        bytes32 indexed processId,
        address indexed bidder,
        bytes32 commitment,
        bool replaced,
        address relayer
    );

    /// @notice A supplier opened its sealed bid after the deadline.
    event BidRevealed(bytes32 indexed processId, address indexed bidder, uint96 amount, bytes32 bidDocHash);

    /// @notice The evaluation report was recorded, with the bid statistics.
    event EvaluationRecorded(
        bytes32 indexed processId,
        bytes32 reportHash,
        uint32 bidCount,
        address[] revealedBidders,
        uint96[] revealedAmounts
    );

    /// @notice The process was awarded to a supplier.
    event ProcessAwarded(
        bytes32 indexed processId,
        address indexed supplier,
        uint96 amount,
        bytes32 docHash,
        uint32 bidCount,
        uint32 revealCount
    );

    /// @notice The process was cancelled before a contract was signed.
    event ProcessCancelled(bytes32 indexed processId, Stage fromStage, bytes32 docHash);

    /// @notice The process was completed.
    event ProcessCompleted(bytes32 indexed processId, bytes32 docHash);

    // ─── Events: contract, implementation, payment ───────────────────────────────────────────────────────

    /// @notice The contract was signed with the awarded supplier.
    event ContractSigned(
        bytes32 indexed processId,
        bytes32 indexed contractId,
        address indexed supplier,
        uint96 value,
        bytes32 docHash
    );

    /// @notice A supplementary amendment raised the contract value (capped at 10% of the original in total).
    event ContractAmended(
        bytes32 indexed processId,
        bytes32 indexed contractId,
        uint96 increase,
        uint96 newValue,
        bytes32 docHash
    );

    /// @notice The contract was terminated: its value is settled at `paid`, and `released` went back to the budget.
    event ContractTerminated(
        bytes32 indexed processId,
        bytes32 indexed contractId,
        uint96 paid,
        uint96 released,
        bytes32 docHash
    );

    /// @notice The contracted supplier recorded the delivery of a milestone.
    event MilestoneDelivered(bytes32 indexed processId, bytes32 indexed milestoneId, bytes32 contractId, bytes32 docHash);

    /// @notice The purchaser accepted a delivered milestone (履约验收).
    event MilestoneAccepted(
        bytes32 indexed processId,
        bytes32 indexed milestoneId,
        bytes32 contractId,
        bytes32 docHash,
        address acceptedBy
    );

    /// @notice A finance bureau paid for an accepted milestone.
    event PaymentRecorded(
        bytes32 indexed processId,
        bytes32 indexed contractId,
        bytes32 indexed milestoneId,
        bytes32 paymentId,
        uint96 amount,
        uint96 paidTotal,
        address payee,
        bytes32 voucherHash
    );

    // ─── Events: oversight and documents ─────────────────────────────────────────────────────────────────

    /// @notice A registered organisation filed a complaint; award and signing pause until it is resolved.
    event ComplaintFiled(
        bytes32 indexed processId,
        bytes32 indexed complaintId,
        bytes32 indexed complainantOrg,
        bytes32 docHash
    );

    /// @notice A finance bureau resolved a complaint.
    event ComplaintResolved(
        bytes32 indexed processId,
        bytes32 indexed complaintId,
        ComplaintOutcome outcome,
        bytes32 docHash,
        uint16 openComplaints
    );

    /// @notice An auditor attached findings to a process.
    event AuditNoteRecorded(bytes32 indexed processId, bytes32 indexed auditorOrg, bytes32 findingsHash);

    /// @notice `count` document hashes were anchored as one RFC 6962 Merkle root (see MerkleRFC6962).
    event DocumentsAnchored(bytes32 indexed root, bytes32 indexed processId, bytes32 indexed anchorerOrg, uint32 count);

    // ─── Errors ──────────────────────────────────────────────────────────────────────────────────────────

    error OrganisationAlreadyRegistered(bytes32 orgId);
    error OrganisationUnknown(bytes32 orgId);
    error OrganisationRoleInvalid(bytes32 role);
    error OrganisationAccountAlreadyBound(address account, bytes32 orgId);
    error OrganisationAccountNotBound(address account, bytes32 orgId);
    /// @notice Organisation roles are granted and revoked only through the organisation registry.
    error RoleBoundToOrganisation(bytes32 role);
    /// @notice The caller acts for no registered organisation.
    error AccountNotRegistered(address account);

    error BudgetAlreadyExists(bytes32 budgetId);
    error BudgetUnknown(bytes32 budgetId);
    error BudgetInvalid(uint16 fiscalYear, uint96 amount, bytes3 currency);
    error BudgetExceeded(bytes32 budgetId, uint96 requested, uint96 remaining);

    error DocumentHashMissing();
    error ProcessInvalidOcid(uint256 length, uint256 maxLength);
    error ProcessAlreadyExists(bytes32 processId);
    error ProcessUnknown(bytes32 processId);
    error ProcessWrongStage(bytes32 processId, Stage current, Stage required);
    error ProcessWrongMethod(bytes32 processId, Method method);
    error ProcessNotPurchaser(bytes32 processId, address account);
    error ProcessPausedByComplaints(bytes32 processId, uint16 openComplaints);
    error ProcessNotCancellable(bytes32 processId, Stage current);
    error ProcessClosed(bytes32 processId, Stage current);
    error ProcessNothingAccepted(bytes32 processId);
    error SingleSourceRationaleMissing();

    error TenderInvalidDeadlines(uint64 bidDeadline, uint64 revealDeadline, uint256 now);
    error TenderDeadlinePassed(bytes32 processId, uint64 bidDeadline, uint256 now);
    error TenderDeadlineShortened(uint64 oldDeadline, uint64 newDeadline);

    error BidInvalidCommitment();
    error BidCommitmentMissing(bytes32 processId, address bidder);
    error BidRevealWindowClosed(bytes32 processId, uint64 opensAt, uint64 closesAt, uint256 now);
    error BidAlreadyRevealed(bytes32 processId, address bidder);
    error BidRevealMismatch(bytes32 processId, address bidder, bytes32 committed, bytes32 revealed);
    error BidInvalidAmount();
    error BidSignatureExpired(uint256 deadline, uint256 now);
    error BidSignatureInvalid(address bidder);

    error EvaluationTooEarly(bytes32 processId, uint64 revealDeadline, uint256 now);
    error AwardBidderNotRevealed(bytes32 processId, address supplier);
    error AwardAmountMismatch(bytes32 processId, uint96 bidAmount, uint96 awardAmount);
    error AwardInvalidAmount();
    error AwardSupplierNotRegistered(address supplier);

    error ContractUnknown(bytes32 processId, bytes32 contractId);
    error ContractInvalidId();
    error ContractValueInvalid(bytes32 processId, uint96 awardAmount, uint96 value);
    error ContractNotActive(bytes32 processId, Stage current);
    error ContractAmendmentInvalid();
    error ContractAmendmentCapExceeded(bytes32 processId, bytes32 contractId, uint96 cap, uint96 requestedTotal);

    error MilestoneAlreadyRecorded(bytes32 processId, bytes32 milestoneId, MilestoneState state);
    error MilestoneNotDelivered(bytes32 processId, bytes32 milestoneId);
    error MilestoneNotSupplier(bytes32 processId, address account);

    error PaymentInvalidAmount();
    error PaymentNotPayable(bytes32 processId, Stage current);
    error PaymentMilestoneNotAccepted(bytes32 processId, bytes32 milestoneId);
    error PaymentPayeeNotSupplier(bytes32 processId, address payee, address supplier);
    error PaymentExceedsContractValue(bytes32 processId, bytes32 contractId, uint96 value, uint96 paidAfter);

    error ComplaintAlreadyExists(bytes32 processId, bytes32 complaintId);
    error ComplaintNotOpen(bytes32 processId, bytes32 complaintId);
    error ComplaintOutcomeInvalid();

    error AnchorInvalid(bytes32 root, uint32 count);
    error AnchorAlreadyExists(bytes32 root);
    error AnchorUnknown(bytes32 root);

    // ─── Views ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The version of this contract's interface and rules.
    function version() external pure returns (string memory);

    /// @notice The deterministic id of the process for `ocid`: keccak256(bytes(ocid)).
    function processIdOf(string calldata ocid) external pure returns (bytes32);

    /// @notice Whether a process with this id exists.
    function processExists(bytes32 processId) external view returns (bool);

    /// @notice The commitment a supplier must submit for a sealed bid.
    function bidCommitment(bytes32 processId, address bidder, uint96 amount, bytes32 bidDocHash, bytes32 salt)
        external
        pure
        returns (bytes32);
}
