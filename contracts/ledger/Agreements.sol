// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {SealedBids} from "./SealedBids.sol";

/// @title Contracts, implementation and payment
/// @notice After the award: the contract with the awarded supplier organisation and its payment schedule
/// (milestones with amounts, at most the contract value in total), fixed at signing and changed only by
/// supplementary amendments (at most 10% of the original value in total, 政府采购法 art. 49). The supplier
/// delivers a milestone, the purchaser accepts it, and only the finance bureau of the budget line pays for it:
/// never more than the accepted milestone still has unpaid, and only to an account that signs for the contracted
/// supplier organisation at that moment. Completion (every milestone accepted) or termination settles the contract
/// at what was accepted and releases the rest of its commitment to the budget line.
abstract contract Agreements is SealedBids {
    /// @notice Most milestones one signing or one amendment may schedule.
    uint256 public constant MAX_MILESTONES = 64;

    mapping(bytes32 processId => Agreement) private _agreements;
    mapping(bytes32 processId => mapping(bytes32 milestoneId => Milestone)) private _milestones;
    mapping(bytes32 processId => mapping(bytes32 amendmentId => bool)) private _contractAmendments;
    mapping(bytes32 processId => mapping(bytes32 paymentId => bool)) private _payments;

    /// @notice Sign the contract with the awarded supplier, for no more than the award, with its payment schedule.
    function signContract(
        bytes32 processId,
        bytes32 contractId,
        uint96 value,
        bytes32 docHash,
        bytes32[] calldata milestoneIds,
        uint96[] calldata milestoneAmounts
    ) external {
        Process storage process = _existingProcess(processId);
        if (contractId != bytes32(0) && _agreements[processId].contractId == contractId) {
            revert ContractAlreadyRecorded(processId, contractId);
        }
        _requirePurchaser(processId, process);
        _requireStage(processId, process, Stage.Awarded);
        _requireNotSuspended(process.purchaserOrg);
        _requireNotSuspended(process.supplierOrg);
        _requireDocument(docHash, 3);
        _requireNoOpenComplaints(processId, process);
        if (contractId == bytes32(0)) revert ContractIdInvalid(processId, contractId);
        uint96 award = process.awardAmount;
        if (value == 0 || value > award) revert ContractValueInvalid(processId, award, value);
        if (milestoneIds.length == 0) revert ContractScheduleInvalid(processId, 0, milestoneAmounts.length, MAX_MILESTONES);
        Agreement storage agreement = _agreements[processId];
        (agreement.contractId, agreement.value, agreement.originalValue) = (contractId, value, value);
        agreement.paymentParties = _paymentParties(process.financeOrg, process.supplierOrg);
        _schedule(processId, agreement, milestoneIds, milestoneAmounts);
        process.stage = Stage.Contracted;
        if (value < award) _releaseBudget(processId, process.budgetId, award - value);
        emit ContractSigned(processId, contractId, process.supplierOrg, value, docHash, milestoneIds, milestoneAmounts);
    }

    /// @notice A supplementary amendment: raise the contract value by `increase` and/or add milestones.
    function amendContract(
        bytes32 processId,
        bytes32 amendmentId,
        uint96 increase,
        bytes32 docHash,
        bytes32[] calldata milestoneIds,
        uint96[] calldata milestoneAmounts
    ) external {
        if (_contractAmendments[processId][amendmentId]) revert ContractAmendmentAlreadyRecorded(processId, amendmentId);
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireActive(processId, process);
        _requireNotSuspended(process.purchaserOrg);
        _requireNotSuspended(process.supplierOrg);
        _requireDocument(docHash, 3);
        if (increase == 0 && milestoneIds.length == 0) revert ContractAmendmentEmpty(processId, amendmentId);
        Agreement storage agreement = _agreements[processId];
        uint256 original = agreement.originalValue;
        uint256 amendedTotal = uint256(agreement.value) - original + increase;
        // amendedTotal * 10 <= original keeps the cap exact, with no rounding of original / 10.
        if (amendedTotal * 10 > original) revert ContractAmendmentCapExceeded(processId, original / 10, amendedTotal);
        _contractAmendments[processId][amendmentId] = true;
        if (increase != 0) {
            _commitBudget(processId, process.budgetId, increase);
            // value + increase <= original * 1.1, which fits in uint96 since original does and the cap holds.
            agreement.value += increase;
        }
        _schedule(processId, agreement, milestoneIds, milestoneAmounts);
        emit ContractAmended(processId, amendmentId, increase, agreement.value, docHash, milestoneIds, milestoneAmounts);
    }

    /// @notice Terminate the contract: it settles at what was accepted; the rest goes back to the budget line.
    function terminateContract(bytes32 processId, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireActive(processId, process);
        _requireDocument(docHash, 1);
        process.stage = Stage.Terminated;
        (uint96 accepted, uint96 released) = _settle(processId, process);
        emit ContractTerminated(processId, accepted, released, docHash);
    }

    /// @notice Complete the process once every scheduled milestone is accepted.
    function completeProcess(bytes32 processId, bytes32 docHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Implementation);
        _requireDocument(docHash, 1);
        uint32 open = _agreements[processId].openMilestones;
        if (open != 0) revert ProcessMilestonesOpen(processId, open);
        process.stage = Stage.Completed;
        (, uint96 released) = _settle(processId, process);
        emit ProcessCompleted(processId, docHash, released);
    }

    /// @notice Record a milestone: an account of the contracted supplier records its delivery, then the purchaser
    /// accepts it, which makes its amount payable.
    function recordMilestone(bytes32 processId, bytes32 milestoneId, MilestoneKind kind, bytes32 docHash) external {
        Process storage process = _processes[processId];
        Milestone storage milestone = _milestones[processId][milestoneId];
        MilestoneState state = milestone.state;
        if (kind == MilestoneKind.Delivery) {
            if (state >= MilestoneState.Delivered) revert MilestoneAlreadyDelivered(processId, milestoneId);
            _requireActive(processId, process);
            bytes32 supplier = process.supplierOrg;
            if (_callerOrganisationAny() != supplier) revert ProcessNotSupplier(processId, msg.sender, supplier);
            if (state == MilestoneState.None) revert MilestoneUnknown(processId, milestoneId);
            _requireDocument(docHash, 3);
            milestone.state = MilestoneState.Delivered;
            if (process.stage == Stage.Contracted) process.stage = Stage.Implementation;
            emit MilestoneDelivered(processId, milestoneId, supplier, msg.sender, docHash);
        } else {
            if (state == MilestoneState.Accepted) revert MilestoneAlreadyAccepted(processId, milestoneId);
            _requireActive(processId, process);
            bytes32 purchaser = process.purchaserOrg;
            if (_callerOrganisationAny() != purchaser) revert ProcessNotPurchaser(processId, msg.sender, purchaser);
            if (state != MilestoneState.Delivered) {
                if (state == MilestoneState.None) revert MilestoneUnknown(processId, milestoneId);
                revert MilestoneNotDelivered(processId, milestoneId);
            }
            _requireDocument(docHash, 3);
            milestone.state = MilestoneState.Accepted;
            Agreement storage agreement = _agreements[processId];
            uint96 amount = milestone.amount;
            // acceptedTotal + amount <= scheduledTotal <= value, and openMilestones counts this one.
            (agreement.acceptedTotal, agreement.openMilestones) =
                (agreement.acceptedTotal + amount, agreement.openMilestones - 1);
            emit MilestoneAccepted(processId, milestoneId, purchaser, msg.sender, amount, docHash);
        }
    }

    /// @notice The finance bureau of the budget line pays for an accepted milestone, to `payee`, an account that
    /// signs for the contracted supplier organisation now. Payments stay within the milestone's amount, so in
    /// total within what was accepted, and remain due after completion or termination.
    function recordPayment(
        bytes32 processId,
        bytes32 paymentId,
        bytes32 milestoneId,
        uint96 amount,
        address payee,
        bytes32 voucherHash
    ) external {
        if (_payments[processId][paymentId]) revert PaymentAlreadyRecorded(processId, paymentId);
        bytes32 payer = _callerOrganisationAny();
        bytes32 payeeOrg = _organisationOfAccount(payee);
        if (_paymentParties(payer, payeeOrg) != _agreements[processId].paymentParties) {
            _refusePaymentParties(processId, payer, payee, payeeOrg);
        }
        _requireDocument(voucherHash, 5);
        if (amount == 0) revert PaymentAmountInvalid(processId, paymentId, amount);
        _payments[processId][paymentId] = true;
        uint96 paid = _payMilestone(processId, milestoneId, amount);
        emit PaymentRecorded(processId, paymentId, milestoneId, amount, paid, payer, payeeOrg, payee, voucherHash);
    }

    /// @notice The contract of process `processId`.
    function agreementOf(bytes32 processId) external view returns (Agreement memory) {
        return _agreements[processId];
    }

    /// @notice Milestone `milestoneId` of the contract of process `processId`.
    function milestoneOf(bytes32 processId, bytes32 milestoneId) external view returns (Milestone memory) {
        return _milestones[processId][milestoneId];
    }

    /// @notice Whether payment `paymentId` was recorded on process `processId`.
    function paymentRecorded(bytes32 processId, bytes32 paymentId) external view returns (bool) {
        return _payments[processId][paymentId];
    }

    // ─── Internal ────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Add milestones to the schedule: new ids, positive amounts, all scheduled within the value.
    function _schedule(
        bytes32 processId,
        Agreement storage agreement,
        bytes32[] calldata ids,
        uint96[] calldata amounts
    ) private {
        uint256 count = ids.length;
        if (count != amounts.length || count > MAX_MILESTONES) {
            revert ContractScheduleInvalid(processId, count, amounts.length, MAX_MILESTONES);
        }
        uint256 scheduled = agreement.scheduledTotal;
        for (uint256 i = 0; i < count; ++i) {
            Milestone storage milestone = _milestones[processId][ids[i]];
            if (milestone.state != MilestoneState.None) revert MilestoneAlreadyRecorded(processId, ids[i]);
            if (ids[i] == bytes32(0) || amounts[i] == 0) revert MilestoneInvalid(processId, ids[i], amounts[i]);
            (milestone.amount, milestone.state) = (amounts[i], MilestoneState.Scheduled);
            scheduled += amounts[i];
        }
        if (scheduled > agreement.value) revert ContractScheduleExceedsValue(processId, scheduled, agreement.value);
        // scheduled <= value fits in uint96; each milestone costs a fresh storage slot, so openMilestones could
        // only pass uint32 after some 4 billion of them.
        (agreement.scheduledTotal, agreement.openMilestones) = (uint96(scheduled), agreement.openMilestones + uint32(count));
    }

    function _paymentParties(bytes32 financeOrg, bytes32 supplierOrg) private pure returns (bytes32) {
        return keccak256(abi.encode(financeOrg, supplierOrg));
    }

    /// @dev Says which party of a payment is wrong: no contract, not the process's bureau, or not its supplier.
    function _refusePaymentParties(bytes32 processId, bytes32 payer, address payee, bytes32 payeeOrg) private view {
        Process storage process = _existingProcess(processId);
        bytes32 bureau = process.financeOrg;
        if (payer != bureau) revert ProcessNotFinanceBureau(processId, msg.sender, bureau);
        if (_agreements[processId].contractId == bytes32(0)) revert ContractNotActive(processId, process.stage);
        revert PaymentPayeeNotSupplier(processId, payee, payeeOrg, process.supplierOrg);
    }

    /// @dev Pay `amount` on an accepted milestone, within what it still has unpaid; returns its paid total.
    function _payMilestone(bytes32 processId, bytes32 milestoneId, uint96 amount) private returns (uint96 paid) {
        Milestone storage milestone = _milestones[processId][milestoneId];
        // An accepted milestone implies a signed contract; acceptance is final, whatever the stage now.
        if (milestone.state != MilestoneState.Accepted) {
            revert PaymentMilestoneNotAccepted(processId, milestoneId, milestone.state);
        }
        (uint96 scheduled, uint96 before) = (milestone.amount, milestone.paid);
        // unchecked: paid never exceeds the amount (checked below before every increase), so neither wraps.
        unchecked {
            if (amount > scheduled - before) revert PaymentExceedsMilestone(processId, milestoneId, scheduled - before, amount);
            paid = before + amount;
        }
        milestone.paid = paid;
    }

    /// @dev Settle a finished contract at what was accepted, releasing the rest of its commitment.
    function _settle(bytes32 processId, Process storage process) private returns (uint96 accepted, uint96 released) {
        Agreement storage agreement = _agreements[processId];
        accepted = agreement.acceptedTotal;
        released = agreement.value - accepted;
        if (released != 0) _releaseBudget(processId, process.budgetId, released);
    }

    function _requireActive(bytes32 processId, Process storage process) private view {
        Stage stage = process.stage;
        if (stage != Stage.Contracted && stage != Stage.Implementation) {
            if (stage == Stage.None) revert ProcessUnknown(processId);
            revert ContractNotActive(processId, stage);
        }
    }
}
