// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IProcurementRegistry} from "./IProcurementRegistry.sol";

/// @title Procurement registry
/// @notice Records procurement processes under role-based access: an admin grants the purchaser role to the
/// accounts of registered purchasing organisations, and only they may open processes.
contract ProcurementRegistry is AccessControl, IProcurementRegistry {
    /// @notice Role of purchasers and their agencies (采购人 / 代理机构).
    bytes32 public constant PURCHASER_ROLE = keccak256("PURCHASER_ROLE");

    /// @notice Longest accepted ocid, in bytes; OCDS ocids are a prefix plus a local id, far shorter.
    uint256 public constant MAX_OCID_LENGTH = 128;

    mapping(bytes32 processId => bool exists) private _processes;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IProcurementRegistry
    function createProcess(string calldata ocid, bytes32 docHash)
        external
        onlyRole(PURCHASER_ROLE)
        returns (bytes32 processId)
    {
        uint256 length = bytes(ocid).length;
        if (length == 0 || length > MAX_OCID_LENGTH) revert ProcessInvalidOcid(length, MAX_OCID_LENGTH);
        if (docHash == bytes32(0)) revert DocumentHashMissing();
        processId = keccak256(bytes(ocid));
        if (_processes[processId]) revert ProcessAlreadyExists(processId);
        _processes[processId] = true;
        emit ProcessCreated(processId, msg.sender, docHash, ocid);
    }

    /// @inheritdoc IProcurementRegistry
    function processExists(bytes32 processId) external view returns (bool) {
        return _processes[processId];
    }

    /// @inheritdoc IProcurementRegistry
    function processIdOf(string calldata ocid) external pure returns (bytes32) {
        return keccak256(bytes(ocid));
    }

    /// @inheritdoc IProcurementRegistry
    function version() external pure returns (string memory) {
        return "0.1.0";
    }
}
