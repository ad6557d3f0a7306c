// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IProcurementLedger} from "../IProcurementLedger.sol";

/// @title Organisations and roles
/// @notice Roles belong to registered organisations, never to bare accounts: the admin registers an organisation
/// (by the hash of its registry id, e.g. the unified social credit code) under one role, then binds the accounts
/// that act for it. An account acts for at most one organisation and holds exactly that organisation's role.
abstract contract Organisations is AccessControl, IProcurementLedger {
    /// @notice 财政部门: approves budgets, records payments, resolves complaints.
    bytes32 public constant FINANCE_ROLE = keccak256("FINANCE_ROLE");
    /// @notice 采购人 / 代理机构: runs processes, signs contracts, accepts milestones, anchors documents.
    bytes32 public constant PURCHASER_ROLE = keccak256("PURCHASER_ROLE");
    /// @notice 供应商: bids and delivers.
    bytes32 public constant SUPPLIER_ROLE = keccak256("SUPPLIER_ROLE");
    /// @notice 审计: attaches findings; changes nothing else.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    mapping(bytes32 orgId => bytes32 role) private _organisationRole;
    mapping(address account => bytes32 orgId) private _organisationOf;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Register organisation `orgId` under `role`.
    function registerOrganisation(bytes32 orgId, bytes32 role) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (orgId == bytes32(0)) revert OrganisationUnknown(orgId);
        if (!_isOrganisationRole(role)) revert OrganisationRoleInvalid(role);
        if (_organisationRole[orgId] != bytes32(0)) revert OrganisationAlreadyRegistered(orgId);
        _organisationRole[orgId] = role;
        emit OrganisationRegistered(orgId, role);
    }

    /// @notice Let `account` act for organisation `orgId`, with its role.
    function addOrganisationAccount(bytes32 orgId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        bytes32 role = _organisationRole[orgId];
        if (role == bytes32(0)) revert OrganisationUnknown(orgId);
        bytes32 current = _organisationOf[account];
        if (current != bytes32(0)) revert OrganisationAccountAlreadyBound(account, current);
        _organisationOf[account] = orgId;
        _grantRole(role, account);
        emit OrganisationAccountAdded(orgId, account, role);
    }

    /// @notice Stop `account` acting for organisation `orgId`, revoking its role.
    function removeOrganisationAccount(bytes32 orgId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_organisationOf[account] != orgId || orgId == bytes32(0)) revert OrganisationAccountNotBound(account, orgId);
        bytes32 role = _organisationRole[orgId];
        delete _organisationOf[account];
        _revokeRole(role, account);
        emit OrganisationAccountRemoved(orgId, account, role);
    }

    /// @notice The organisation `account` acts for (zero if none).
    function organisationOf(address account) external view returns (bytes32) {
        return _organisationOf[account];
    }

    /// @notice The role organisation `orgId` was registered under (zero if unregistered).
    function organisationRole(bytes32 orgId) external view returns (bytes32) {
        return _organisationRole[orgId];
    }

    /// @dev Organisation roles move only with organisation membership, so the two never disagree.
    function grantRole(bytes32 role, address account) public override {
        if (role != DEFAULT_ADMIN_ROLE) revert RoleBoundToOrganisation(role);
        super.grantRole(role, account);
    }

    /// @dev See {grantRole}.
    function revokeRole(bytes32 role, address account) public override {
        if (role != DEFAULT_ADMIN_ROLE) revert RoleBoundToOrganisation(role);
        super.revokeRole(role, account);
    }

    /// @dev See {grantRole}: an organisation's account is unbound by the admin, which also revokes the role.
    function renounceRole(bytes32 role, address account) public override {
        if (role != DEFAULT_ADMIN_ROLE) revert RoleBoundToOrganisation(role);
        super.renounceRole(role, account);
    }

    /// @dev Checks the caller holds `role` and returns the organisation it acts for.
    function _callerOrganisation(bytes32 role) internal view returns (bytes32) {
        _checkRole(role);
        return _organisationOf[msg.sender];
    }

    /// @dev The organisation of `account`, zero if none.
    function _organisationOfAccount(address account) internal view returns (bytes32) {
        return _organisationOf[account];
    }

    function _isOrganisationRole(bytes32 role) private pure returns (bool) {
        return role == FINANCE_ROLE || role == PURCHASER_ROLE || role == SUPPLIER_ROLE || role == AUDITOR_ROLE;
    }
}
