// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IProcurementLedger} from "../IProcurementLedger.sol";

/// @title Organisations, roles and governance
/// @notice Roles belong to registered organisations, never to bare accounts: the admin registers an organisation
/// (by the hash of its registry id, e.g. the unified social credit code) under one role, then binds the accounts
/// that sign for it. An account signs for at most one organisation, and `hasRole` answers from that membership.
/// A finance bureau can suspend a supplier or purchaser organisation (debarment) and reinstate it. A suspended
/// organisation takes on nothing new (no process, tender, bid, award, contract signature or contract amendment),
/// while what is already under way continues (tender amendments, reveals, evaluation, deliveries, acceptance,
/// payment for accepted work, cancellation, termination, complaints).
/// @dev The admin only governs membership, and its role moves by OpenZeppelin's delayed two-step transfer. An
/// admin account can never sign for an organisation, so the admin cannot act as a purchaser or be paid.
abstract contract Organisations is AccessControlDefaultAdminRules, IProcurementLedger {
    /// @notice 财政部门: approves budgets, pays, resolves complaints, suspends and reinstates organisations.
    bytes32 public constant FINANCE_ROLE = keccak256("FINANCE_ROLE");
    /// @notice 采购人 / 代理机构: runs processes, signs contracts, accepts milestones.
    bytes32 public constant PURCHASER_ROLE = keccak256("PURCHASER_ROLE");
    /// @notice 供应商: bids, delivers, files complaints, is paid.
    bytes32 public constant SUPPLIER_ROLE = keccak256("SUPPLIER_ROLE");
    /// @notice 审计: attaches findings; changes nothing else.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice A publisher of existing procurement data (e.g. an OCDS portal): anchors its publications.
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");

    /// @notice Longest ocid prefix, in bytes.
    uint256 public constant MAX_OCID_PREFIX_LENGTH = 64;

    mapping(bytes32 orgId => Organisation) private _organisations;
    mapping(address account => bytes32 orgId) private _organisationOf;
    /// @dev Registered ocid prefixes by keccak256, and every "-"-delimited start of one, so no two overlap.
    mapping(bytes32 prefixHash => bytes32 orgId) private _ocidPrefixOwner;
    mapping(bytes32 prefixHash => bool) private _ocidPrefixReserved;

    /// @notice Longest wait before a new admin may accept the role.
    uint48 public constant MAX_ADMIN_DELAY = 30 days;

    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {
        _requireAdminDelay(adminDelay);
    }

    // ─── Membership (admin) ──────────────────────────────────────────────────────────────────────────────

    /// @notice Register organisation `orgId` under `role`.
    function registerOrganisation(bytes32 orgId, bytes32 role) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (orgId == bytes32(0) || !_isOrganisationRole(role)) revert OrganisationInvalid(orgId, role);
        bytes32 registered = _organisations[orgId].role;
        if (registered != bytes32(0)) revert OrganisationAlreadyRegistered(orgId, registered);
        _organisations[orgId].role = role;
        emit OrganisationRegistered(orgId, role);
    }

    /// @notice Let `account` sign for organisation `orgId`. Admin accounts, current or pending, never do.
    function addOrganisationAccount(bytes32 orgId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        bytes32 role = _organisations[orgId].role;
        if (role == bytes32(0)) revert OrganisationUnknown(orgId);
        if (account == address(0)) revert OrganisationAccountInvalid(account, orgId);
        (address pending,) = pendingDefaultAdmin();
        // slither taints `pending` with the schedule pendingDefaultAdmin returns beside it; this compares addresses.
        // slither-disable-next-line timestamp
        if (account == defaultAdmin() || account == pending) revert AdminAccountBound(account, orgId);
        bytes32 current = _organisationOf[account];
        if (current != bytes32(0)) revert OrganisationAccountAlreadyBound(account, current);
        _organisationOf[account] = orgId;
        emit OrganisationAccountAdded(orgId, account, role);
    }

    /// @notice Stop `account` signing for organisation `orgId`.
    function removeOrganisationAccount(bytes32 orgId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (orgId == bytes32(0) || _organisationOf[account] != orgId) revert OrganisationAccountNotBound(account, orgId);
        delete _organisationOf[account];
        emit OrganisationAccountRemoved(orgId, account, _organisations[orgId].role);
    }

    /// @notice Give purchaser organisation `orgId` the ocids that begin with `prefix` and a "-" (e.g. an OCDS
    /// prefix such as "ocds-213czf"). Prefixes never overlap, so no purchaser can open another's ocid.
    function registerOcidPrefix(bytes32 orgId, string calldata prefix) external onlyRole(DEFAULT_ADMIN_ROLE) {
        bytes32 role = _organisations[orgId].role;
        if (role != PURCHASER_ROLE) revert OrganisationInvalid(orgId, role);
        bytes calldata text = bytes(prefix);
        uint256 length = text.length;
        if (length == 0 || length > MAX_OCID_PREFIX_LENGTH || text[length - 1] == "-") revert OcidPrefixInvalid(prefix);
        bytes32 prefixHash = keccak256(text);
        if (_ocidPrefixOwner[prefixHash] != bytes32(0) || _ocidPrefixReserved[prefixHash]) {
            revert OcidPrefixUnavailable(prefix, prefixHash);
        }
        for (uint256 i = 1; i < length; ++i) {
            if (text[i] != "-") continue;
            bytes32 start = keccak256(text[:i]);
            if (_ocidPrefixOwner[start] != bytes32(0)) revert OcidPrefixUnavailable(prefix, start);
            _ocidPrefixReserved[start] = true;
        }
        _ocidPrefixOwner[prefixHash] = orgId;
        emit OcidPrefixRegistered(orgId, prefixHash, prefix);
    }

    // ─── Suspension (finance bureaus) ────────────────────────────────────────────────────────────────────

    /// @notice A finance bureau suspends a supplier or purchaser organisation, on a decision document.
    function suspendOrganisation(bytes32 orgId, bytes32 docHash) external {
        bytes32 bureau = _callerOrganisation(FINANCE_ROLE);
        _requireDocument(docHash, 1);
        Organisation storage org = _organisations[orgId];
        if (org.role != SUPPLIER_ROLE && org.role != PURCHASER_ROLE) revert OrganisationNotSuspendable(orgId, org.role);
        if (org.suspendedBy != bytes32(0)) revert OrganisationUnderSuspension(orgId, org.suspendedBy);
        org.suspendedBy = bureau;
        emit OrganisationSuspended(orgId, bureau, msg.sender, docHash);
    }

    /// @notice The bureau that suspended an organisation reinstates it.
    function reinstateOrganisation(bytes32 orgId, bytes32 docHash) external {
        bytes32 bureau = _callerOrganisation(FINANCE_ROLE);
        _requireDocument(docHash, 1);
        bytes32 suspendedBy = _organisations[orgId].suspendedBy;
        if (suspendedBy == bytes32(0)) revert OrganisationNotSuspended(orgId);
        if (suspendedBy != bureau) revert OrganisationReinstatementOutOfScope(orgId, suspendedBy, bureau);
        delete _organisations[orgId].suspendedBy;
        emit OrganisationReinstated(orgId, bureau, msg.sender, docHash);
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The organisation `account` signs for (zero if none).
    function organisationOf(address account) external view returns (bytes32) {
        return _organisationOf[account];
    }

    /// @notice Organisation `orgId`: its role (zero if unregistered) and the bureau that suspended it (zero if none).
    function organisation(bytes32 orgId) external view returns (Organisation memory) {
        return _organisations[orgId];
    }

    /// @notice The purchaser organisation that owns ocid prefix `prefix` (zero if none).
    function ocidPrefixOwner(string calldata prefix) external view returns (bytes32) {
        return _ocidPrefixOwner[keccak256(bytes(prefix))];
    }

    /// @notice Whether `account` holds `role`: the admin role as OpenZeppelin keeps it, an organisation role while
    /// the account signs for an organisation registered under it.
    function hasRole(bytes32 role, address account)
        public
        view
        override(AccessControl, IAccessControl)
        returns (bool)
    {
        if (_isOrganisationRole(role)) {
            bytes32 orgId = _organisationOf[account];
            return orgId != bytes32(0) && _organisations[orgId].role == role;
        }
        return super.hasRole(role, account);
    }

    // ─── Roles move only with membership; the admin only by the delayed two-step transfer ───────────────

    /// @dev Organisation roles come from membership; the admin role from begin/acceptDefaultAdminTransfer.
    function grantRole(bytes32 role, address account) public pure override(AccessControlDefaultAdminRules) {
        _refuseDirectRoleChange(role, account);
    }

    /// @dev See {grantRole}: an account leaves an organisation by removeOrganisationAccount.
    function revokeRole(bytes32 role, address account) public pure override(AccessControlDefaultAdminRules) {
        _refuseDirectRoleChange(role, account);
    }

    /// @dev Only the admin role can be renounced, by the admin itself, and only through OpenZeppelin's schedule.
    function renounceRole(bytes32 role, address account) public override(AccessControlDefaultAdminRules) {
        if (role != DEFAULT_ADMIN_ROLE) revert RoleBoundToOrganisation(role, account);
        if (account != msg.sender) revert RenounceOnlySelf(account, msg.sender);
        super.renounceRole(role, account);
    }

    /// @dev An account that signs for an organisation is never made admin.
    function _beginDefaultAdminTransfer(address newAdmin) internal override {
        bytes32 orgId = _organisationOf[newAdmin];
        if (orgId != bytes32(0)) revert AdminAccountBound(newAdmin, orgId);
        super._beginDefaultAdminTransfer(newAdmin);
    }

    /// @dev A delay of zero would make the transfer one step in effect; an absurd one would lock the role.
    function _changeDefaultAdminDelay(uint48 newDelay) internal override {
        _requireAdminDelay(newDelay);
        super._changeDefaultAdminDelay(newDelay);
    }

    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        bytes32 orgId = _organisationOf[account];
        if (orgId != bytes32(0)) revert AdminAccountBound(account, orgId);
        return super._grantRole(role, account);
    }

    // ─── Checks for the parts of the ledger ──────────────────────────────────────────────────────────────

    /// @dev The organisation the caller signs for, which must hold `role`; it may be suspended.
    function _callerOrganisation(bytes32 role) internal view returns (bytes32 orgId) {
        orgId = _organisationOf[msg.sender];
        if (orgId == bytes32(0) || _organisations[orgId].role != role) {
            revert AccessControlUnauthorizedAccount(msg.sender, role);
        }
    }

    /// @dev As {_callerOrganisation}, for acts that take on something new: the organisation must not be suspended.
    function _activeCallerOrganisation(bytes32 role) internal view returns (bytes32 orgId) {
        orgId = _callerOrganisation(role);
        _requireNotSuspended(orgId);
    }

    /// @dev The organisation the caller signs for, whatever its role (zero if none).
    function _callerOrganisationAny() internal view returns (bytes32) {
        return _organisationOf[msg.sender];
    }

    /// @dev The organisation `account` signs for (zero if none).
    function _organisationOfAccount(address account) internal view returns (bytes32) {
        return _organisationOf[account];
    }

    function _roleOf(bytes32 orgId) internal view returns (bytes32) {
        return _organisations[orgId].role;
    }

    function _requireNotSuspended(bytes32 orgId) internal view {
        bytes32 suspendedBy = _organisations[orgId].suspendedBy;
        if (suspendedBy != bytes32(0)) revert OrganisationUnderSuspension(orgId, suspendedBy);
    }

    /// @dev The purchaser organisation owning `ocid`'s prefix: the "-"-delimited start of it that is registered
    /// (at most one is, since registered prefixes never overlap), or zero.
    function _ocidOwner(bytes calldata ocid) internal view returns (bytes32) {
        for (uint256 i = 1; i < ocid.length; ++i) {
            if (ocid[i] != "-") continue;
            bytes32 prefixOwner = _ocidPrefixOwner[keccak256(ocid[:i])];
            if (prefixOwner != bytes32(0)) return prefixOwner;
        }
        return bytes32(0);
    }

    /// @dev Reverts when document hash argument number `argument` of the current function is zero.
    function _requireDocument(bytes32 docHash, uint8 argument) internal pure {
        if (docHash == bytes32(0)) revert DocumentHashMissing(msg.sig, argument);
    }

    function _requireAdminDelay(uint48 delay) private pure {
        if (delay == 0 || delay > MAX_ADMIN_DELAY) revert AdminDelayInvalid(delay, MAX_ADMIN_DELAY);
    }

    function _isOrganisationRole(bytes32 role) private pure returns (bool) {
        return role == FINANCE_ROLE || role == PURCHASER_ROLE || role == SUPPLIER_ROLE || role == AUDITOR_ROLE
            || role == PUBLISHER_ROLE;
    }

    function _refuseDirectRoleChange(bytes32 role, address account) private pure {
        if (role == DEFAULT_ADMIN_ROLE) revert AdminTransferRequired(role, account);
        revert RoleBoundToOrganisation(role, account);
    }
}
