"""Organisations and roles: only the admin registers organisations and binds accounts; roles move only with them."""

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    AUDITOR_ROLE,
    BUDGET_ID,
    FINANCE_ROLE,
    OPEN_TENDER,
    ORGS,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    doc,
    org,
    reverts,
    single_event,
)

ADMIN_ROLE = bytes(32)
ORG_ROLES = [FINANCE_ROLE, PURCHASER_ROLE, SUPPLIER_ROLE, AUDITOR_ROLE]
NEW_ORG = org("NEW-SUPPLIER")


# ─── registerOrganisation ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("role", ORG_ROLES)
def test_admin_registers_organisation_under_each_role_and_emits_event(ledger, admin, role):
    tx = ledger.registerOrganisation(NEW_ORG, role, sender=admin)
    assert single_event(tx, ledger.OrganisationRegistered) == {"orgId": NEW_ORG, "role": role}
    assert ledger.organisationRole(NEW_ORG) == role


def test_register_organisation_by_non_admin_reverts_unauthorized(ledger, purchaser):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=ADMIN_ROLE):
        ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=purchaser)


@pytest.mark.parametrize("role", [ADMIN_ROLE, keccak(text="MINTER_ROLE")], ids=["admin-role", "unknown-role"])
def test_register_organisation_with_invalid_role_reverts_role_invalid(ledger, admin, role):
    with reverts(ledger.OrganisationRoleInvalid, role=role):
        ledger.registerOrganisation(NEW_ORG, role, sender=admin)


def test_register_organisation_with_zero_id_reverts_unknown(ledger, admin):
    with reverts(ledger.OrganisationUnknown, orgId=bytes(32)):
        ledger.registerOrganisation(bytes(32), SUPPLIER_ROLE, sender=admin)


def test_register_organisation_twice_reverts_already_registered(ledger, admin):
    org_id, role = ORGS["purchaser"]
    with reverts(ledger.OrganisationAlreadyRegistered, orgId=org_id):
        ledger.registerOrganisation(org_id, SUPPLIER_ROLE, sender=admin)
    assert ledger.organisationRole(org_id) == role


# ─── addOrganisationAccount ──────────────────────────────────────────────────────────────────────────


def test_add_account_binds_it_grants_the_role_and_emits_event(ledger, admin, outsider):
    ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=admin)
    tx = ledger.addOrganisationAccount(NEW_ORG, outsider, sender=admin)
    assert single_event(tx, ledger.OrganisationAccountAdded) == {
        "orgId": NEW_ORG,
        "account": outsider.address,
        "role": SUPPLIER_ROLE,
    }
    assert ledger.organisationOf(outsider) == NEW_ORG
    assert ledger.hasRole(SUPPLIER_ROLE, outsider)


def test_add_account_by_non_admin_reverts_unauthorized(ledger, purchaser, outsider):
    org_id, _ = ORGS["purchaser"]
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=ADMIN_ROLE):
        ledger.addOrganisationAccount(org_id, outsider, sender=purchaser)


def test_add_account_to_unknown_organisation_reverts_unknown(ledger, admin, outsider):
    with reverts(ledger.OrganisationUnknown, orgId=NEW_ORG):
        ledger.addOrganisationAccount(NEW_ORG, outsider, sender=admin)
    assert not ledger.hasRole(SUPPLIER_ROLE, outsider)


@pytest.mark.parametrize("target", ["supplier_a", "new"], ids=["same-org", "other-org"])
def test_add_account_already_bound_reverts_already_bound(ledger, admin, supplier_a, target):
    supplier_org, _ = ORGS["supplier_a"]
    ledger.registerOrganisation(NEW_ORG, PURCHASER_ROLE, sender=admin)
    org_id = supplier_org if target == "supplier_a" else NEW_ORG
    with reverts(ledger.OrganisationAccountAlreadyBound, account=supplier_a.address, orgId=supplier_org):
        ledger.addOrganisationAccount(org_id, supplier_a, sender=admin)
    assert not ledger.hasRole(PURCHASER_ROLE, supplier_a)


# ─── removeOrganisationAccount ───────────────────────────────────────────────────────────────────────


def test_remove_account_revokes_the_role_and_emits_event(ledger, admin, purchaser):
    org_id, role = ORGS["purchaser"]
    tx = ledger.removeOrganisationAccount(org_id, purchaser, sender=admin)
    assert single_event(tx, ledger.OrganisationAccountRemoved) == {
        "orgId": org_id,
        "account": purchaser.address,
        "role": role,
    }
    assert ledger.organisationOf(purchaser) == bytes(32)
    assert not ledger.hasRole(PURCHASER_ROLE, purchaser)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=PURCHASER_ROLE):
        ledger.createProcess("ocds-removed", BUDGET_ID, OPEN_TENDER, doc("notice"), bytes(32), sender=purchaser)


def test_removed_account_can_be_bound_to_another_organisation(ledger, admin, supplier_a):
    supplier_org, _ = ORGS["supplier_a"]
    ledger.registerOrganisation(NEW_ORG, AUDITOR_ROLE, sender=admin)
    ledger.removeOrganisationAccount(supplier_org, supplier_a, sender=admin)
    ledger.addOrganisationAccount(NEW_ORG, supplier_a, sender=admin)
    assert ledger.organisationOf(supplier_a) == NEW_ORG
    assert ledger.hasRole(AUDITOR_ROLE, supplier_a)
    assert not ledger.hasRole(SUPPLIER_ROLE, supplier_a)


@pytest.mark.parametrize("account_name", ["supplier_a", "outsider"], ids=["bound-elsewhere", "unbound"])
def test_remove_account_not_bound_to_the_organisation_reverts_not_bound(ledger, admin, request, account_name):
    account = request.getfixturevalue(account_name)
    org_id, _ = ORGS["purchaser"]
    with reverts(ledger.OrganisationAccountNotBound, account=account.address, orgId=org_id):
        ledger.removeOrganisationAccount(org_id, account, sender=admin)


def test_remove_unbound_account_with_zero_org_reverts_not_bound(ledger, admin, outsider):
    with reverts(ledger.OrganisationAccountNotBound, account=outsider.address, orgId=bytes(32)):
        ledger.removeOrganisationAccount(bytes(32), outsider, sender=admin)


def test_remove_account_by_non_admin_reverts_unauthorized(ledger, purchaser, supplier_a):
    org_id, _ = ORGS["supplier_a"]
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=ADMIN_ROLE):
        ledger.removeOrganisationAccount(org_id, supplier_a, sender=purchaser)
    assert ledger.hasRole(SUPPLIER_ROLE, supplier_a)


# ─── AccessControl entry points ──────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("role", ORG_ROLES)
def test_grant_role_of_organisation_role_reverts_role_bound(ledger, admin, outsider, role):
    with reverts(ledger.RoleBoundToOrganisation, role=role):
        ledger.grantRole(role, outsider, sender=admin)
    assert not ledger.hasRole(role, outsider)


def test_revoke_role_of_organisation_role_reverts_role_bound(ledger, admin, purchaser):
    with reverts(ledger.RoleBoundToOrganisation, role=PURCHASER_ROLE):
        ledger.revokeRole(PURCHASER_ROLE, purchaser, sender=admin)
    assert ledger.hasRole(PURCHASER_ROLE, purchaser)


def test_renounce_role_of_organisation_role_reverts_role_bound(ledger, supplier_a):
    with reverts(ledger.RoleBoundToOrganisation, role=SUPPLIER_ROLE):
        ledger.renounceRole(SUPPLIER_ROLE, supplier_a, sender=supplier_a)
    assert ledger.hasRole(SUPPLIER_ROLE, supplier_a)


def test_admin_role_can_still_be_granted_and_the_new_admin_registers(ledger, admin, outsider):
    tx = ledger.grantRole(ADMIN_ROLE, outsider, sender=admin)
    assert single_event(tx, ledger.RoleGranted) == {
        "role": ADMIN_ROLE,
        "account": outsider.address,
        "sender": admin.address,
    }
    ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=outsider)
    assert ledger.organisationRole(NEW_ORG) == SUPPLIER_ROLE


def test_admin_role_can_be_revoked_and_renounced(ledger, admin, outsider):
    ledger.grantRole(ADMIN_ROLE, outsider, sender=admin)
    ledger.revokeRole(ADMIN_ROLE, outsider, sender=admin)
    assert not ledger.hasRole(ADMIN_ROLE, outsider)
    ledger.renounceRole(ADMIN_ROLE, admin, sender=admin)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=admin.address, neededRole=ADMIN_ROLE):
        ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=admin)


def test_grant_admin_role_by_non_admin_reverts_unauthorized(ledger, purchaser):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=ADMIN_ROLE):
        ledger.grantRole(ADMIN_ROLE, purchaser, sender=purchaser)
