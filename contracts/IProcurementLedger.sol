// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Procurement ledger: the public, rule-enforcing record of public procurement
/// @notice Every act of a procurement is written here with the SHA-256 of the document behind it. Organisations
/// act; accounts only sign for them: every event names the organisations concerned, so the history attributes
/// each act without a membership lookup. Events are the public history: each carries what a reader needs to
/// rebuild state without calling the contract. Documents, personal data and trade secrets never go on chain,
/// only their fingerprints. Money is an integer in minor units (e.g. cents) of the budget line's ISO 4217 currency.
///
/// Exactly once: every write that creates a record takes an id its writer chooses, and the same id again reverts
/// with `…AlreadyRecorded`, checked before anything that could have changed since the first send. A writer can
/// therefore always resend. Ids are scoped so that nobody can take another's: per process for the acts of its
/// one purchaser or finance bureau, per organisation (`scopedId(org, ref)`) for budgets, complaints and audit
/// notes, by (anchorer, root) for anchors, and by registered ocid prefix for processes.
interface IProcurementLedger {
    // ─── Types ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Stages of a process. They only move forward; Completed, Cancelled and Terminated are final.
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

    /// @notice State of a scheduled milestone.
    enum MilestoneState {
        None,
        Scheduled,
        Delivered,
        Accepted
    }

    /// @notice State of a complaint; the last three are how it ended.
    enum ComplaintStatus {
        None,
        Open,
        Dismissed,
        Upheld,
        Withdrawn
    }

    /// @notice A registered organisation: its role, and whether a finance bureau has suspended it (debarment).
    struct Organisation {
        bytes32 role;
        bytes32 suspendedBy;
    }

    /// @notice A budget line approved by a finance bureau, drawn on by the purchasers it names.
    struct Budget {
        uint96 amount;
        uint96 committed;
        uint16 fiscalYear;
        bytes3 currency;
        bytes32 financeOrg;
    }

    /// @notice A procurement process. `financeOrg` is the bureau that approved its budget line: only it pays and
    /// resolves complaints here. `supplierOrg` is the awarded supplier organisation.
    struct Process {
        bytes32 budgetId;
        bytes32 purchaserOrg;
        bytes32 financeOrg;
        bytes32 supplierOrg;
        Stage stage;
        Method method;
        uint64 bidDeadline;
        uint64 revealDeadline;
        uint32 bidCount;
        uint32 revealCount;
        uint32 openComplaints;
        uint96 awardAmount;
        uint32 tenderAmendments;
    }

    /// @notice The procurement contract signed at the end of a process (one per process). Its milestones, with their
    /// amounts, are its payment schedule: scheduled ≤ value, accepted ≤ scheduled, and each milestone's payments
    /// ≤ its amount, so payments never exceed what was accepted.
    /// @dev `paymentParties` is keccak256(abi.encode(financeOrg, supplierOrg)): a payment checks its payer and its
    /// payee organisation against both with one storage read.
    struct Agreement {
        bytes32 contractId;
        uint96 value;
        uint96 originalValue;
        uint96 scheduledTotal;
        uint96 acceptedTotal;
        uint32 openMilestones;
        bytes32 paymentParties;
    }

    /// @notice One milestone of a contract's payment schedule.
    struct Milestone {
        uint96 amount;
        uint96 paid;
        MilestoneState state;
    }

    /// @notice A supplier organisation's sealed bid: the commitment, then what the reveal disclosed.
    /// @dev `nonceBump` counts replacements and cancellations; see `bidNonce`.
    struct Bid {
        bytes32 commitment;
        uint96 amount;
        uint64 nonceBump;
        bool revealed;
    }

    /// @notice A complaint: who filed it and where it stands.
    struct Complaint {
        bytes32 complainantOrg;
        ComplaintStatus status;
    }

    /// @notice A batch of documents anchored as one Merkle root by one organisation.
    struct Anchor {
        uint32 count;
        uint64 blockNumber;
    }

    // ─── Events: organisations ───────────────────────────────────────────────────────────────────────────

    /// @notice An organisation was registered under a role; `orgId` is the hash of its registry id (e.g. USCC).
    event OrganisationRegistered(bytes32 indexed orgId, bytes32 indexed role);

    /// @notice An account now signs for an organisation.
    event OrganisationAccountAdded(bytes32 indexed orgId, address indexed account, bytes32 indexed role);

    /// @notice An account no longer signs for an organisation.
    event OrganisationAccountRemoved(bytes32 indexed orgId, address indexed account, bytes32 indexed role);

    /// @notice A finance bureau suspended an organisation (e.g. debarment, 失信名单): it takes on nothing new.
    event OrganisationSuspended(bytes32 indexed orgId, bytes32 indexed byOrg, address account, bytes32 docHash);

    /// @notice The bureau that suspended an organisation reinstated it.
    event OrganisationReinstated(bytes32 indexed orgId, bytes32 indexed byOrg, address account, bytes32 docHash);

    /// @notice Ocids beginning with `prefix` followed by "-" now belong to purchaser organisation `orgId`.
    event OcidPrefixRegistered(bytes32 indexed orgId, bytes32 indexed prefixHash, string prefix);

    // ─── Events: budgets ─────────────────────────────────────────────────────────────────────────────────

    /// @notice A finance bureau approved a budget line, to be drawn on by `purchaserOrgs`.
    event BudgetApproved(
        bytes32 indexed budgetId,
        bytes32 indexed financeOrg,
        bytes32 budgetRef,
        uint16 fiscalYear,
        uint96 amount,
        bytes3 currency,
        bytes32 docHash,
        bytes32[] purchaserOrgs
    );

    /// @notice The amount committed on a budget line changed (award, signing, amendment, cancellation, settlement).
    event BudgetCommitmentChanged(bytes32 indexed budgetId, bytes32 indexed processId, uint96 committed);

    // ─── Events: process lifecycle ───────────────────────────────────────────────────────────────────────

    /// @notice A purchaser opened a process; for single source, `rationaleHash` is the justification document. The
    /// process's finance bureau is the one that approved budget line `budgetId`.
    event ProcessCreated(
        bytes32 indexed processId,
        bytes32 indexed budgetId,
        bytes32 indexed purchaserOrg,
        address account,
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
        bytes32 indexed amendmentId,
        uint32 number,
        bytes32 docHash,
        bytes32 rationaleHash,
        uint64 bidDeadline,
        uint64 revealDeadline
    );

    /// @notice A supplier organisation committed (or replaced) its sealed bid. `account` signed it; `relayer` sent
    /// it if someone else did. `nonce` is the bid's nonce after this commit.
    event BidCommitted(
        bytes32 indexed processId,
        bytes32 indexed bidderOrg,
        address account,
        bytes32 commitment,
        bool replaced,
        uint64 nonce,
        address relayer
    );

    /// @notice A supplier organisation cancelled any signature of its bid not yet relayed: the nonce moved on.
    event BidSignaturesCancelled(bytes32 indexed processId, bytes32 indexed bidderOrg, address account, uint64 nonce);

    /// @notice A supplier organisation opened its sealed bid after the deadline.
    event BidRevealed(
        bytes32 indexed processId,
        bytes32 indexed bidderOrg,
        address account,
        uint96 amount,
        bytes32 bidDocHash
    );

    /// @notice The evaluation report was recorded, with the bid statistics: `unrevealedCount` bids were committed
    /// and never opened.
    event EvaluationRecorded(
        bytes32 indexed processId,
        bytes32 reportHash,
        uint32 bidCount,
        uint32 unrevealedCount,
        bytes32[] revealedBidders,
        uint96[] revealedAmounts
    );

    /// @notice The process was awarded to a supplier organisation.
    event ProcessAwarded(
        bytes32 indexed processId,
        bytes32 indexed supplierOrg,
        uint96 amount,
        bytes32 docHash,
        uint32 bidCount,
        uint32 revealCount
    );

    /// @notice The process was cancelled before a contract was signed.
    event ProcessCancelled(bytes32 indexed processId, Stage fromStage, bytes32 docHash);

    /// @notice The process was completed, every milestone accepted; `released` went back to the budget line.
    event ProcessCompleted(bytes32 indexed processId, bytes32 docHash, uint96 released);

    // ─── Events: contract, implementation, payment ───────────────────────────────────────────────────────

    /// @notice The contract was signed with the awarded supplier organisation, with its payment schedule.
    event ContractSigned(
        bytes32 indexed processId,
        bytes32 indexed contractId,
        bytes32 indexed supplierOrg,
        uint96 value,
        bytes32 docHash,
        bytes32[] milestoneIds,
        uint96[] milestoneAmounts
    );

    /// @notice A supplementary amendment raised the contract value (capped at 10% of the original in total) and/or
    /// added milestones to the schedule.
    event ContractAmended(
        bytes32 indexed processId,
        bytes32 indexed amendmentId,
        uint96 increase,
        uint96 newValue,
        bytes32 docHash,
        bytes32[] milestoneIds,
        uint96[] milestoneAmounts
    );

    /// @notice The contract was terminated: it settles at what was accepted, and `released` went back to the budget.
    event ContractTerminated(bytes32 indexed processId, uint96 acceptedTotal, uint96 released, bytes32 docHash);

    /// @notice The contracted supplier organisation recorded the delivery of a milestone.
    event MilestoneDelivered(
        bytes32 indexed processId,
        bytes32 indexed milestoneId,
        bytes32 indexed supplierOrg,
        address account,
        bytes32 docHash
    );

    /// @notice The purchaser accepted a delivered milestone (履约验收); its amount becomes payable.
    event MilestoneAccepted(
        bytes32 indexed processId,
        bytes32 indexed milestoneId,
        bytes32 indexed purchaserOrg,
        address account,
        uint96 amount,
        bytes32 docHash
    );

    /// @notice The finance bureau paid for an accepted milestone, to an account of the contracted supplier.
    event PaymentRecorded(
        bytes32 indexed processId,
        bytes32 indexed paymentId,
        bytes32 indexed milestoneId,
        uint96 amount,
        uint96 milestonePaid,
        bytes32 payerOrg,
        bytes32 payeeOrg,
        address payee,
        bytes32 voucherHash
    );

    // ─── Events: oversight and documents ─────────────────────────────────────────────────────────────────

    /// @notice A supplier with standing filed a complaint (质疑/投诉); award and signing pause until it is resolved.
    event ComplaintFiled(
        bytes32 indexed processId,
        bytes32 indexed complaintId,
        bytes32 indexed complainantOrg,
        bytes32 complaintRef,
        bytes32 docHash
    );

    /// @notice The process's finance bureau resolved a complaint.
    event ComplaintResolved(
        bytes32 indexed processId,
        bytes32 indexed complaintId,
        bytes32 indexed complainantOrg,
        ComplaintStatus outcome,
        bytes32 docHash,
        uint32 openComplaints
    );

    /// @notice An auditor attached findings to a process.
    event AuditNoteRecorded(
        bytes32 indexed processId,
        bytes32 indexed noteId,
        bytes32 indexed auditorOrg,
        bytes32 noteRef,
        bytes32 findingsHash
    );

    /// @notice `count` document hashes were anchored by `anchorerOrg` as one RFC 6962 Merkle root, filed under
    /// process `processId` (zero if none).
    event DocumentsAnchored(bytes32 indexed root, bytes32 indexed processId, bytes32 indexed anchorerOrg, uint32 count);

    // ─── Errors ──────────────────────────────────────────────────────────────────────────────────────────

    error AdminAccountBound(address account, bytes32 orgId);
    error AdminDelayInvalid(uint48 delay, uint48 maxDelay);
    /// @notice The admin role moves only by the delayed two-step transfer (begin, wait, accept).
    error AdminTransferRequired(bytes32 role, address account);
    /// @notice Organisation roles are held only through organisation membership.
    error RoleBoundToOrganisation(bytes32 role, address account);
    error RenounceOnlySelf(address account, address caller);

    /// @notice The account signs for no registered organisation.
    error AccountNotRegistered(address account);
    error OrganisationInvalid(bytes32 orgId, bytes32 role);
    error OrganisationAlreadyRegistered(bytes32 orgId, bytes32 role);
    error OrganisationUnknown(bytes32 orgId);
    error OrganisationAccountInvalid(address account, bytes32 orgId);
    error OrganisationAccountAlreadyBound(address account, bytes32 orgId);
    error OrganisationAccountNotBound(address account, bytes32 orgId);
    error OrganisationUnderSuspension(bytes32 orgId, bytes32 suspendedBy);
    error OrganisationNotSuspended(bytes32 orgId);
    error OrganisationNotSuspendable(bytes32 orgId, bytes32 role);
    error OrganisationReinstatementOutOfScope(bytes32 orgId, bytes32 suspendedBy, bytes32 callerOrg);
    error OcidPrefixInvalid(string prefix);
    error OcidPrefixUnavailable(string prefix, bytes32 conflictingHash);

    /// @notice A document hash the action needs is zero: argument number `argument` (from 0) of function `action`.
    error DocumentHashMissing(bytes4 action, uint8 argument);

    error BudgetAlreadyRecorded(bytes32 budgetId);
    error BudgetUnknown(bytes32 budgetId);
    error BudgetInvalid(bytes32 budgetId, uint16 fiscalYear, uint96 amount, bytes3 currency);
    error BudgetPurchaserInvalid(bytes32 budgetId, bytes32 orgId, uint256 index);
    error BudgetNotForPurchaser(bytes32 budgetId, bytes32 purchaserOrg);
    error BudgetExceeded(bytes32 budgetId, uint256 requested, uint256 remaining);

    error ProcessAlreadyRecorded(bytes32 processId);
    error ProcessInvalidOcid(string ocid, uint256 length, uint256 maxLength);
    error ProcessOcidNotOwned(string ocid, bytes32 prefixOwner, bytes32 callerOrg);
    error ProcessUnknown(bytes32 processId);
    error ProcessWrongStage(bytes32 processId, Stage current, Stage required);
    error ProcessWrongMethod(bytes32 processId, Method method);
    error ProcessNotPurchaser(bytes32 processId, address account, bytes32 purchaserOrg);
    error ProcessNotFinanceBureau(bytes32 processId, address account, bytes32 financeOrg);
    error ProcessNotSupplier(bytes32 processId, address account, bytes32 supplierOrg);
    error ProcessPausedByComplaints(bytes32 processId, uint32 openComplaints);
    error ProcessNotCancellable(bytes32 processId, Stage current);
    error ProcessMilestonesOpen(bytes32 processId, uint32 openMilestones);

    error TenderAmendmentAlreadyRecorded(bytes32 processId, bytes32 amendmentId);
    error TenderInvalidDeadlines(uint64 bidDeadline, uint64 revealDeadline, uint256 now);
    error TenderDeadlinePassed(bytes32 processId, uint64 bidDeadline, uint256 now);
    error TenderDeadlineShortened(bytes32 processId, uint64 oldDeadline, uint64 newDeadline);

    error BidCommitmentInvalid(bytes32 processId, bytes32 bidderOrg);
    error BidCommitmentMissing(bytes32 processId, bytes32 bidderOrg);
    error BidRevealWindowClosed(bytes32 processId, uint64 opensAt, uint64 closesAt, uint256 now);
    error BidAlreadyRevealed(bytes32 processId, bytes32 bidderOrg);
    error BidRevealMismatch(bytes32 processId, bytes32 bidderOrg, bytes32 committed, bytes32 revealed);
    error BidAmountInvalid(bytes32 processId, bytes32 bidderOrg, uint96 amount);
    error BidSignatureExpired(uint256 deadline, uint256 now);
    error BidSignatureInvalid(address signer, bytes32 bidderOrg);
    error BidNonceMismatch(bytes32 processId, bytes32 bidderOrg, uint64 expected, uint64 given);

    error EvaluationTooEarly(bytes32 processId, uint64 revealDeadline, uint256 now);
    error AwardBidderNotRevealed(bytes32 processId, bytes32 supplierOrg);
    error AwardAmountMismatch(bytes32 processId, uint96 bidAmount, uint96 awardAmount);
    error AwardAmountInvalid(bytes32 processId, uint96 amount);
    error AwardSupplierInvalid(bytes32 processId, bytes32 supplierOrg, bytes32 role);

    error ContractAlreadyRecorded(bytes32 processId, bytes32 contractId);
    error ContractIdInvalid(bytes32 processId, bytes32 contractId);
    error ContractValueInvalid(bytes32 processId, uint96 awardAmount, uint96 value);
    error ContractNotActive(bytes32 processId, Stage current);
    error ContractScheduleInvalid(bytes32 processId, uint256 milestoneIds, uint256 amounts, uint256 maxMilestones);
    error ContractScheduleExceedsValue(bytes32 processId, uint256 scheduledTotal, uint256 value);
    error ContractAmendmentAlreadyRecorded(bytes32 processId, bytes32 amendmentId);
    error ContractAmendmentEmpty(bytes32 processId, bytes32 amendmentId);
    error ContractAmendmentCapExceeded(bytes32 processId, uint256 cap, uint256 requestedTotal);

    error MilestoneAlreadyRecorded(bytes32 processId, bytes32 milestoneId);
    error MilestoneInvalid(bytes32 processId, bytes32 milestoneId, uint96 amount);
    error MilestoneUnknown(bytes32 processId, bytes32 milestoneId);
    error MilestoneAlreadyDelivered(bytes32 processId, bytes32 milestoneId);
    error MilestoneAlreadyAccepted(bytes32 processId, bytes32 milestoneId);
    error MilestoneNotDelivered(bytes32 processId, bytes32 milestoneId);

    error PaymentAlreadyRecorded(bytes32 processId, bytes32 paymentId);
    error PaymentAmountInvalid(bytes32 processId, bytes32 paymentId, uint96 amount);
    error PaymentMilestoneNotAccepted(bytes32 processId, bytes32 milestoneId, MilestoneState state);
    error PaymentPayeeNotSupplier(bytes32 processId, address payee, bytes32 payeeOrg, bytes32 supplierOrg);
    error PaymentExceedsMilestone(bytes32 processId, bytes32 milestoneId, uint96 unpaid, uint96 amount);

    error ComplaintAlreadyRecorded(bytes32 processId, bytes32 complaintId);
    error ComplaintNoStanding(bytes32 processId, bytes32 complainantOrg, Stage stage);
    error ComplaintWindowClosed(bytes32 processId, Stage stage);
    error ComplaintLimitReached(bytes32 processId, bytes32 complainantOrg, uint256 limit);
    error ComplaintNotOpen(bytes32 processId, bytes32 complaintId, ComplaintStatus status);
    error ComplaintOutcomeInvalid(bytes32 processId, bytes32 complaintId, ComplaintStatus outcome);

    error AuditNoteAlreadyRecorded(bytes32 processId, bytes32 noteId);

    error AnchorInvalid(bytes32 root, uint32 count);
    error AnchorAlreadyRecorded(bytes32 anchorerOrg, bytes32 root);
    error AnchorUnknown(bytes32 anchorerOrg, bytes32 root);
    error AnchorNotProcessParty(bytes32 processId, bytes32 anchorerOrg);

    // ─── Views ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The version of this contract's interface and rules.
    function version() external pure returns (string memory);

    /// @notice The id of a record an organisation names by its own reference: keccak256(abi.encode(orgId, ref)).
    /// Budgets, complaints and audit notes are keyed so; no other organisation can produce the same id.
    function scopedId(bytes32 orgId, bytes32 ref) external pure returns (bytes32);

    /// @notice The deterministic id of the process for `ocid`: keccak256(bytes(ocid)).
    function processIdOf(string calldata ocid) external pure returns (bytes32);

    /// @notice The commitment a supplier organisation submits for a sealed bid.
    function bidCommitment(bytes32 processId, bytes32 bidderOrg, uint96 amount, bytes32 bidDocHash, bytes32 salt)
        external
        pure
        returns (bytes32);
}
