// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {Agreements} from "./ledger/Agreements.sol";
import {DocumentAnchors} from "./ledger/DocumentAnchors.sol";
import {IProcurementLedger} from "./IProcurementLedger.sol";
import {Organisations} from "./ledger/Organisations.sol";

/// @title Procurement ledger
/// @notice One deployment holding the whole procurement record: organisations and roles, budgets, the process
/// from planning to completion, sealed bids, contracts with their payment schedules, milestones, payments,
/// complaints, audit notes and document anchors. The parts live in their own source files; they share one
/// deployment so a step costs no cross-contract calls. `multicall` batches many writes of one writer into one
/// transaction.
contract ProcurementLedger is Agreements, DocumentAnchors, Multicall {
    /// @param adminDelay Seconds a new admin must wait before accepting the role (OpenZeppelin
    /// AccessControlDefaultAdminRules); must be positive.
    constructor(uint48 adminDelay, address admin) Organisations(adminDelay, admin) EIP712("ProcurementLedger", "2") {}

    /// @inheritdoc IProcurementLedger
    function version() external pure returns (string memory) {
        return "2.0.0";
    }
}
