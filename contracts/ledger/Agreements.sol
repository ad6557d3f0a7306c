// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Procurement} from "./Procurement.sol";

/// @title Contracts, implementation and payment
/// @notice After the award: the contract with the awarded supplier, its supplementary amendments (at most 10% of
/// the original value in total, 政府采购法 art. 49), milestones (the supplier delivers, the purchaser accepts), and
/// payments, which only a finance bureau records, each for an accepted milestone, never beyond the contract value
/// in total. Termination settles the value at what was paid and releases the rest to the budget line.
abstract contract Agreements is Procurement {
    mapping(bytes32 processId => Agreement) private _agreements;
    mapping(bytes32 processId => mapping(bytes32 milestoneId => MilestoneState)) private _milestones;

    /// @notice Sign the contract with the awarded supplier, for a value no higher than the award.
    function signContract(bytes32 processId, bytes32 contractId, uint96 value, bytes32 docHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Awarded);
        _requireDocument(docHash);
        _requireNoOpenComplaints(processId, process);
        if (contractId == bytes32(0)) revert ContractInvalidId();
        uint96 award = process.awardAmount;
        if (value == 0 || value > award) revert ContractValueInvalid(processId, award, value);
        Agreement storage agreement = _agreements[processId];
        (agreement.contractId, agreement.value, agreement.originalValue) = (contractId, value, value);
        (agreement.supplier, agreement.contractTag) = (process.awardee, _tag(contractId));
        process.stage = Stage.Contracted;
        if (value < award) _releaseBudget(processId, process.budgetId, award - value);
        emit ContractSigned(processId, contractId, process.awardee, value, docHash);
    }

    /// @notice Raise the contract value by a supplementary amendment.
    function amendContract(bytes32 processId, bytes32 contractId, uint96 increase, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireActive(processId, process);
        _requireDocument(docHash);
        Agreement storage agreement = _agreementOf(processId, contractId);
        if (increase == 0) revert ContractAmendmentInvalid();
        uint96 total = agreement.amendedTotal + increase;
        // total * 10 <= original keeps the cap exact, with no rounding of original / 10.
        if (uint256(total) * 10 > agreement.originalValue) {
            revert ContractAmendmentCapExceeded(processId, contractId, agreement.originalValue / 10, total);
        }
        _commitBudget(processId, process.budgetId, increase);
        (agreement.amendedTotal, agreement.value) = (total, agreement.value + increase);
        emit ContractAmended(processId, contractId, increase, agreement.value, docHash);
    }

    /// @notice Terminate the contract; what is unpaid goes back to the budget line.
    function terminateContract(bytes32 processId, bytes32 contractId, bytes32 docHash) external {
        Process storage process = _existingProcess(processId);
        _requirePurchaser(processId, process);
        _requireActive(processId, process);
        _requireDocument(docHash);
        Agreement storage agreement = _agreementOf(processId, contractId);
        process.stage = Stage.Terminated;
        uint96 released = agreement.value - agreement.paid;
        agreement.value = agreement.paid;
        if (released != 0) _releaseBudget(processId, process.budgetId, released);
        emit ContractTerminated(processId, contractId, agreement.paid, released, docHash);
    }

    /// @notice Record a milestone: the contracted supplier records its delivery, then the purchaser accepts it.
    function recordMilestone(
        bytes32 processId,
        bytes32 contractId,
        bytes32 milestoneId,
        MilestoneKind kind,
        bytes32 docHash
    ) external {
        Process storage process = _existingProcess(processId);
        _requireActive(processId, process);
        _requireDocument(docHash);
        Agreement storage agreement = _agreementOf(processId, contractId);
        MilestoneState state = _milestones[processId][milestoneId];
        if (kind == MilestoneKind.Delivery) {
            _checkRole(SUPPLIER_ROLE);
            if (msg.sender != agreement.supplier) revert MilestoneNotSupplier(processId, msg.sender);
            if (state != MilestoneState.None) revert MilestoneAlreadyRecorded(processId, milestoneId, state);
            _milestones[processId][milestoneId] = MilestoneState.Delivered;
            if (process.stage == Stage.Contracted) process.stage = Stage.Implementation;
            emit MilestoneDelivered(processId, milestoneId, contractId, docHash);
        } else {
            _requirePurchaser(processId, process);
            if (state != MilestoneState.Delivered) {
                if (state == MilestoneState.Accepted) revert MilestoneAlreadyRecorded(processId, milestoneId, state);
                revert MilestoneNotDelivered(processId, milestoneId);
            }
            _milestones[processId][milestoneId] = MilestoneState.Accepted;
            agreement.acceptedMilestones += 1;
            emit MilestoneAccepted(processId, milestoneId, contractId, docHash, msg.sender);
        }
    }

    /// @notice A finance bureau records a payment to the supplier for an accepted milestone.
    function recordPayment(
        bytes32 processId,
        bytes32 contractId,
        bytes32 milestoneId,
        uint96 amount,
        address payee,
        bytes32 voucherHash
    ) external {
        _checkRole(FINANCE_ROLE);
        _requireDocument(voucherHash);
        if (amount == 0) revert PaymentInvalidAmount();
        Stage stage = _processes[processId].stage;
        // Not after termination: that settled the value at what was paid and released the rest to the budget.
        if (stage != Stage.Implementation && stage != Stage.Completed) {
            if (stage == Stage.None) revert ProcessUnknown(processId);
            revert PaymentNotPayable(processId, stage);
        }
        Agreement storage agreement = _agreementOf(processId, contractId);
        if (_milestones[processId][milestoneId] != MilestoneState.Accepted) {
            revert PaymentMilestoneNotAccepted(processId, milestoneId);
        }
        if (payee != agreement.supplier) revert PaymentPayeeNotSupplier(processId, payee, agreement.supplier);
        uint96 value = agreement.value;
        uint256 paidAfter = uint256(agreement.paid) + amount;
        if (paidAfter > value) revert PaymentExceedsContractValue(processId, contractId, value, uint96(paidAfter));
        uint64 index = agreement.paymentCount;
        // paidAfter <= value fits in uint96, checked just above.
        (agreement.paid, agreement.paymentCount) = (uint96(paidAfter), index + 1);
        bytes32 paymentId = keccak256(abi.encode(processId, contractId, index));
        emit PaymentRecorded(processId, contractId, milestoneId, paymentId, amount, uint96(paidAfter), payee, voucherHash);
    }

    /// @notice Complete the process once at least one milestone is accepted.
    function completeProcess(bytes32 processId, bytes32 docHash) external {
        Process storage process = _purchaserProcess(processId, Stage.Implementation);
        _requireDocument(docHash);
        if (_agreements[processId].acceptedMilestones == 0) revert ProcessNothingAccepted(processId);
        process.stage = Stage.Completed;
        emit ProcessCompleted(processId, docHash);
    }

    /// @notice The contract of process `processId`.
    function agreementOf(bytes32 processId) external view returns (Agreement memory) {
        return _agreements[processId];
    }

    /// @notice State of milestone `milestoneId` in process `processId`.
    function milestoneOf(bytes32 processId, bytes32 milestoneId) external view returns (MilestoneState) {
        return _milestones[processId][milestoneId];
    }

    function _agreementOf(bytes32 processId, bytes32 contractId) private view returns (Agreement storage agreement) {
        agreement = _agreements[processId];
        if (contractId == bytes32(0) || agreement.contractTag != _tag(contractId)) {
            revert ContractUnknown(processId, contractId);
        }
    }

    /// @dev 96 bits of a hash: a forged contract id would need a second preimage of them, about 2^96 work.
    function _tag(bytes32 contractId) private pure returns (uint96) {
        return uint96(uint256(keccak256(abi.encode(contractId))));
    }

    function _requireActive(bytes32 processId, Process storage process) private view {
        if (process.stage != Stage.Contracted && process.stage != Stage.Implementation) {
            if (process.stage == Stage.None) revert ProcessUnknown(processId);
            revert ContractNotActive(processId, process.stage);
        }
    }
}
