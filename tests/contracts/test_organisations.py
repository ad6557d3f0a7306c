"""Organisations, roles, governance, ocid prefixes and suspension (contracts/ledger/Organisations.sol).

Rules covered:
- Only the admin registers an organisation, under one of the five organisation roles and a non-zero id, once.
- Only the admin binds accounts to (and unbinds them from) registered organisations; an account signs for at most one
  organisation, and `hasRole` answers from that membership only. The admin account, current or pending, is never bound.
- grantRole / revokeRole / renounceRole never move an organisation role; the admin role moves only by OpenZeppelin's
  delayed two-step transfer (AccessControlDefaultAdminRules), never within one call or one multicall, never to an
  account bound to an organisation, and its delay stays within (0, MAX_ADMIN_DELAY], at deployment too.
- The admin gives ocid prefixes to purchaser organisations; registered prefixes never overlap at a "-" boundary, and a
  purchaser opens processes only under its own prefixes.
- A finance bureau suspends a supplier or purchaser organisation on a decision document, and only that bureau
  reinstates it. What a suspended organisation can no longer do is tested with each act elsewhere.
"""

from typing import Any

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak, to_hex

from tests.contracts.conftest import (
    ADMIN_DELAY,
    AUDITOR_ORG,
    AUDITOR_ROLE,
    BUDGET_ID,
    DAY,
    DEFAULT_ADMIN_ROLE,
    FINANCE_ORG,
    FINANCE_ROLE,
    OCID_PREFIX,
    OPEN_TENDER,
    ORGS,
    OTHER_BUDGET_ID,
    OTHER_FINANCE_ORG,
    OTHER_OCID_PREFIX,
    OTHER_PURCHASER_ORG,
    PUBLISHER_ORG,
    PUBLISHER_ROLE,
    PURCHASER_ORG,
    PURCHASER_ROLE,
    SUPPLIER_A_ORG,
    SUPPLIER_ROLE,
    ZERO_ADDRESS,
    ZERO_HASH,
    doc,
    org,
    reverts,
    selector,
    single_event,
)

ORG_ROLES = [FINANCE_ROLE, PURCHASER_ROLE, SUPPLIER_ROLE, AUDITOR_ROLE, PUBLISHER_ROLE]
ROLE_IDS = ["finance", "purchaser", "supplier", "auditor", "publisher"]
NEW_ORG = org("NEW-ORG")
MAX_ADMIN_DELAY = 30 * DAY
DELAY_INCREASE_WAIT = 5 * DAY  # OpenZeppelin's defaultAdminDelayIncreaseWait()
MAX_OCID_PREFIX_LENGTH = 64
SUSPEND = selector("suspendOrganisation(bytes32,bytes32)")
REINSTATE = selector("reinstateOrganisation(bytes32,bytes32)")


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def create(ledger: Any, account: Any, ocid: str, budget_id: bytes = BUDGET_ID) -> Any:
    """Open an open-tender process `ocid` on `budget_id`, signed by `account`."""
    return ledger.createProcess(ocid, budget_id, OPEN_TENDER, doc(f"notice {ocid}"), ZERO_HASH, sender=account)


def begin_transfer(ledger: Any, chain: Any, admin: Any, new_admin: Any) -> int:
    """Start the admin transfer to `new_admin` at a known time; return when it may be accepted (exclusive)."""
    begun = at(chain, chain.pending_timestamp + 10)
    ledger.beginDefaultAdminTransfer(new_admin, sender=admin)
    return begun + ADMIN_DELAY


# ─── registerOrganisation ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("role", ORG_ROLES, ids=ROLE_IDS)
def test_admin_registers_organisation_under_each_role_and_emits_event(ledger, admin, role):
    tx = ledger.registerOrganisation(NEW_ORG, role, sender=admin)

    assert single_event(tx, ledger.OrganisationRegistered) == {"orgId": NEW_ORG, "role": role}
    registered = ledger.organisation(NEW_ORG)
    assert (registered.role, registered.suspendedBy) == (role, ZERO_HASH)


def test_register_organisation_by_non_admin_reverts_unauthorized(ledger, purchaser):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=purchaser)


@pytest.mark.parametrize(
    ("org_id", "role"),
    [(ZERO_HASH, SUPPLIER_ROLE), (NEW_ORG, DEFAULT_ADMIN_ROLE), (NEW_ORG, keccak(text="MINTER_ROLE"))],
    ids=["zero-id", "admin-role", "unknown-role"],
)
def test_register_organisation_with_zero_id_or_a_non_organisation_role_reverts_invalid(ledger, admin, org_id, role):
    with reverts(ledger.OrganisationInvalid, orgId=org_id, role=role):
        ledger.registerOrganisation(org_id, role, sender=admin)
    assert ledger.organisation(org_id).role == ZERO_HASH


def test_register_organisation_twice_reverts_already_registered_with_its_role(ledger, admin):
    with reverts(ledger.OrganisationAlreadyRegistered, orgId=PURCHASER_ORG, role=PURCHASER_ROLE):
        ledger.registerOrganisation(PURCHASER_ORG, SUPPLIER_ROLE, sender=admin)
    assert ledger.organisation(PURCHASER_ORG).role == PURCHASER_ROLE


# ─── Membership: addOrganisationAccount, removeOrganisationAccount, hasRole ──────────────────────────


def test_every_bound_account_holds_exactly_its_organisations_role(ledger, members):
    for name, account in members.items():
        org_id, role = ORGS.get(name, (ZERO_HASH, None))
        assert ledger.organisationOf(account) == org_id, name
        assert [ledger.hasRole(each, account) for each in ORG_ROLES] == [each == role for each in ORG_ROLES], name
        assert ledger.hasRole(DEFAULT_ADMIN_ROLE, account) == (name == "admin"), name


def test_add_account_binds_it_grants_the_role_and_emits_event(ledger, admin, outsider):
    ledger.registerOrganisation(NEW_ORG, PUBLISHER_ROLE, sender=admin)

    tx = ledger.addOrganisationAccount(NEW_ORG, outsider, sender=admin)

    assert single_event(tx, ledger.OrganisationAccountAdded) == {
        "orgId": NEW_ORG,
        "account": outsider.address,
        "role": PUBLISHER_ROLE,
    }
    assert ledger.organisationOf(outsider) == NEW_ORG
    assert [ledger.hasRole(role, outsider) for role in ORG_ROLES] == [role == PUBLISHER_ROLE for role in ORG_ROLES]


def test_add_account_by_non_admin_reverts_unauthorized(ledger, purchaser, outsider):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.addOrganisationAccount(PURCHASER_ORG, outsider, sender=purchaser)
    assert ledger.organisationOf(outsider) == ZERO_HASH


@pytest.mark.parametrize("org_id", [NEW_ORG, ZERO_HASH], ids=["unregistered", "zero"])
def test_add_account_to_unknown_organisation_reverts_unknown(ledger, admin, outsider, org_id):
    with reverts(ledger.OrganisationUnknown, orgId=org_id):
        ledger.addOrganisationAccount(org_id, outsider, sender=admin)
    assert ledger.organisationOf(outsider) == ZERO_HASH


@pytest.mark.parametrize("target", [SUPPLIER_A_ORG, NEW_ORG], ids=["same-org", "other-org"])
def test_add_account_already_bound_reverts_already_bound(ledger, admin, supplier_a, target):
    ledger.registerOrganisation(NEW_ORG, PURCHASER_ROLE, sender=admin)
    with reverts(ledger.OrganisationAccountAlreadyBound, account=supplier_a.address, orgId=SUPPLIER_A_ORG):
        ledger.addOrganisationAccount(target, supplier_a, sender=admin)
    assert ledger.organisationOf(supplier_a) == SUPPLIER_A_ORG
    assert not ledger.hasRole(PURCHASER_ROLE, supplier_a)


def test_remove_account_unbinds_it_revokes_the_role_and_emits_event(ledger, admin, purchaser):
    tx = ledger.removeOrganisationAccount(PURCHASER_ORG, purchaser, sender=admin)

    assert single_event(tx, ledger.OrganisationAccountRemoved) == {
        "orgId": PURCHASER_ORG,
        "account": purchaser.address,
        "role": PURCHASER_ROLE,
    }
    assert ledger.organisationOf(purchaser) == ZERO_HASH
    assert not ledger.hasRole(PURCHASER_ROLE, purchaser)
    assert ledger.organisation(PURCHASER_ORG).role == PURCHASER_ROLE
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=PURCHASER_ROLE):
        create(ledger, purchaser, "ocds-test-removed")


def test_removing_one_account_leaves_the_other_accounts_of_its_organisation_bound(
    ledger, admin, supplier_a, supplier_a2
):
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    assert not ledger.hasRole(SUPPLIER_ROLE, supplier_a)
    assert ledger.organisationOf(supplier_a2) == SUPPLIER_A_ORG
    assert ledger.hasRole(SUPPLIER_ROLE, supplier_a2)


def test_removed_account_re_added_to_another_organisation_holds_that_organisations_role(ledger, admin, supplier_a):
    ledger.registerOrganisation(NEW_ORG, AUDITOR_ROLE, sender=admin)
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    tx = ledger.addOrganisationAccount(NEW_ORG, supplier_a, sender=admin)

    assert single_event(tx, ledger.OrganisationAccountAdded) == {
        "orgId": NEW_ORG,
        "account": supplier_a.address,
        "role": AUDITOR_ROLE,
    }
    assert ledger.organisationOf(supplier_a) == NEW_ORG
    assert ledger.hasRole(AUDITOR_ROLE, supplier_a)
    assert not ledger.hasRole(SUPPLIER_ROLE, supplier_a)


@pytest.mark.parametrize(
    ("account_name", "org_id"),
    [("supplier_a", PURCHASER_ORG), ("outsider", PURCHASER_ORG), ("outsider", ZERO_HASH), ("purchaser", ZERO_HASH)],
    ids=["bound-elsewhere", "unbound", "unbound-zero-org", "bound-zero-org"],
)
def test_remove_account_not_bound_to_the_organisation_reverts_not_bound(ledger, admin, members, account_name, org_id):
    account = members[account_name]
    with reverts(ledger.OrganisationAccountNotBound, account=account.address, orgId=org_id):
        ledger.removeOrganisationAccount(org_id, account, sender=admin)
    assert ledger.organisationOf(account) == ORGS.get(account_name, (ZERO_HASH,))[0]


def test_remove_account_by_non_admin_reverts_unauthorized(ledger, purchaser, supplier_a):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=purchaser)
    assert ledger.hasRole(SUPPLIER_ROLE, supplier_a)


# ─── The admin account is never bound to an organisation ─────────────────────────────────────────────


def test_add_the_admin_account_reverts_admin_account_bound(ledger, admin):
    with reverts(ledger.AdminAccountBound, account=admin.address, orgId=PURCHASER_ORG):
        ledger.addOrganisationAccount(PURCHASER_ORG, admin, sender=admin)
    assert ledger.organisationOf(admin) == ZERO_HASH
    assert not ledger.hasRole(PURCHASER_ROLE, admin)


def test_add_the_pending_admin_reverts_admin_account_bound_until_the_transfer_is_cancelled(
    ledger, chain, admin, outsider
):
    begin_transfer(ledger, chain, admin, outsider)
    with reverts(ledger.AdminAccountBound, account=outsider.address, orgId=SUPPLIER_A_ORG):
        ledger.addOrganisationAccount(SUPPLIER_A_ORG, outsider, sender=admin)

    ledger.cancelDefaultAdminTransfer(sender=admin)
    ledger.addOrganisationAccount(SUPPLIER_A_ORG, outsider, sender=admin)
    assert ledger.hasRole(SUPPLIER_ROLE, outsider)


def test_former_admin_can_be_bound_once_the_transfer_is_accepted(ledger, chain, admin, outsider):
    acceptable = begin_transfer(ledger, chain, admin, outsider)
    at(chain, acceptable + 1)
    ledger.acceptDefaultAdminTransfer(sender=outsider)

    with reverts(ledger.AdminAccountBound, account=outsider.address, orgId=PURCHASER_ORG):
        ledger.addOrganisationAccount(PURCHASER_ORG, outsider, sender=outsider)
    ledger.addOrganisationAccount(PURCHASER_ORG, admin, sender=outsider)
    assert ledger.hasRole(PURCHASER_ROLE, admin)


# ─── grantRole, revokeRole, renounceRole ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize("role", ORG_ROLES, ids=ROLE_IDS)
def test_grant_organisation_role_reverts_role_bound_to_organisation(ledger, admin, outsider, role):
    # grantRole and revokeRole are pure, so ape would only eth_call them; send the transaction a caller would send
    # (ape does not decode the custom error of a reverted eth_call from this anvil).
    with reverts(ledger.RoleBoundToOrganisation, role=role, account=outsider.address):
        ledger.grantRole.transact(role, outsider, sender=admin)
    assert not ledger.hasRole(role, outsider)


def test_revoke_organisation_role_reverts_role_bound_to_organisation(ledger, admin, purchaser):
    with reverts(ledger.RoleBoundToOrganisation, role=PURCHASER_ROLE, account=purchaser.address):
        ledger.revokeRole.transact(PURCHASER_ROLE, purchaser, sender=admin)
    assert ledger.hasRole(PURCHASER_ROLE, purchaser)


@pytest.mark.parametrize("function", ["grantRole", "revokeRole"])
def test_grant_or_revoke_the_admin_role_reverts_admin_transfer_required(ledger, admin, outsider, function):
    target = outsider if function == "grantRole" else admin
    with reverts(ledger.AdminTransferRequired, role=DEFAULT_ADMIN_ROLE, account=target.address):
        getattr(ledger, function).transact(DEFAULT_ADMIN_ROLE, target, sender=admin)
    assert ledger.defaultAdmin() == admin.address
    assert not ledger.hasRole(DEFAULT_ADMIN_ROLE, outsider)


def test_renounce_organisation_role_reverts_role_bound_to_organisation(ledger, supplier_a):
    with reverts(ledger.RoleBoundToOrganisation, role=SUPPLIER_ROLE, account=supplier_a.address):
        ledger.renounceRole(SUPPLIER_ROLE, supplier_a, sender=supplier_a)
    assert ledger.hasRole(SUPPLIER_ROLE, supplier_a)


def test_renounce_the_admin_role_for_another_account_reverts_renounce_only_self(ledger, admin, outsider):
    with reverts(ledger.RenounceOnlySelf, account=admin.address, caller=outsider.address):
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=outsider)
    assert ledger.defaultAdmin() == admin.address


def test_admin_renounces_only_after_scheduling_a_transfer_to_zero_and_waiting(ledger, chain, admin):
    with reverts(ledger.AccessControlEnforcedDefaultAdminDelay, schedule=0):
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=admin)

    acceptable = begin_transfer(ledger, chain, admin, ZERO_ADDRESS)
    at(chain, acceptable)
    with reverts(ledger.AccessControlEnforcedDefaultAdminDelay, schedule=acceptable):
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=admin)

    at(chain, acceptable + 1)
    tx = ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=admin)

    assert single_event(tx, ledger.RoleRevoked) == {
        "role": DEFAULT_ADMIN_ROLE,
        "account": admin.address,
        "sender": admin.address,
    }
    assert ledger.defaultAdmin() == ZERO_ADDRESS
    with reverts(ledger.AccessControlUnauthorizedAccount, account=admin.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=admin)


# ─── Governance: the delayed two-step admin transfer ─────────────────────────────────────────────────


def test_deployed_ledger_has_its_admin_and_delay_and_nothing_pending(ledger, admin):
    assert ledger.defaultAdmin() == admin.address
    assert ledger.defaultAdminDelay() == ADMIN_DELAY
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)
    assert ledger.MAX_ADMIN_DELAY() == MAX_ADMIN_DELAY
    assert ledger.hasRole(DEFAULT_ADMIN_ROLE, admin)


def test_begin_admin_transfer_schedules_it_and_changes_nothing_yet(ledger, chain, admin, outsider):
    begun = at(chain, chain.pending_timestamp + 10)

    tx = ledger.beginDefaultAdminTransfer(outsider, sender=admin)

    assert single_event(tx, ledger.DefaultAdminTransferScheduled) == {
        "newAdmin": outsider.address,
        "acceptSchedule": begun + ADMIN_DELAY,
    }
    assert tuple(ledger.pendingDefaultAdmin()) == (outsider.address, begun + ADMIN_DELAY)
    assert ledger.defaultAdmin() == admin.address
    assert not ledger.hasRole(DEFAULT_ADMIN_ROLE, outsider)


def test_new_admin_accepts_after_the_delay_and_the_old_admin_loses_the_role(ledger, chain, admin, outsider):
    acceptable = begin_transfer(ledger, chain, admin, outsider)
    at(chain, acceptable)
    with reverts(ledger.AccessControlEnforcedDefaultAdminDelay, schedule=acceptable):
        ledger.acceptDefaultAdminTransfer(sender=outsider)

    at(chain, acceptable + 1)
    tx = ledger.acceptDefaultAdminTransfer(sender=outsider)

    assert single_event(tx, ledger.RoleRevoked) == {
        "role": DEFAULT_ADMIN_ROLE,
        "account": admin.address,
        "sender": outsider.address,
    }
    assert single_event(tx, ledger.RoleGranted) == {
        "role": DEFAULT_ADMIN_ROLE,
        "account": outsider.address,
        "sender": outsider.address,
    }
    assert ledger.defaultAdmin() == outsider.address
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)
    ledger.registerOrganisation(NEW_ORG, SUPPLIER_ROLE, sender=outsider)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=admin.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.registerOrganisation(org("ANOTHER-ORG"), SUPPLIER_ROLE, sender=admin)


@pytest.mark.parametrize("caller_name", ["admin", "relayer"])
def test_accept_admin_transfer_by_another_account_reverts_invalid_default_admin(
    ledger, chain, admin, outsider, members, caller_name
):
    caller = members[caller_name]
    at(chain, begin_transfer(ledger, chain, admin, outsider) + 1)
    with reverts(ledger.AccessControlInvalidDefaultAdmin, defaultAdmin=caller.address):
        ledger.acceptDefaultAdminTransfer(sender=caller)
    assert ledger.defaultAdmin() == admin.address


@pytest.mark.parametrize("account_name", ["purchaser", "supplier_a2", "publisher"])
def test_begin_admin_transfer_to_a_bound_account_reverts_admin_account_bound(ledger, admin, members, account_name):
    account = members[account_name]
    org_id, _ = ORGS[account_name]
    with reverts(ledger.AdminAccountBound, account=account.address, orgId=org_id):
        ledger.beginDefaultAdminTransfer(account, sender=admin)
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)


def test_begin_admin_transfer_by_non_admin_reverts_unauthorized(ledger, outsider):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=outsider.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.beginDefaultAdminTransfer(outsider, sender=outsider)
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)


def test_one_multicall_by_the_admin_cannot_begin_and_accept_a_transfer(ledger, admin, outsider):
    calls = [ledger.beginDefaultAdminTransfer.encode_input(outsider), ledger.acceptDefaultAdminTransfer.encode_input()]
    with reverts(ledger.AccessControlInvalidDefaultAdmin, defaultAdmin=admin.address):
        ledger.multicall(calls, sender=admin)
    assert ledger.defaultAdmin() == admin.address
    assert tuple(ledger.pendingDefaultAdmin()) == (ZERO_ADDRESS, 0)


def test_one_multicall_by_the_admin_cannot_grant_the_admin_role(ledger, admin, outsider):
    calls = [ledger.grantRole.encode_input(DEFAULT_ADMIN_ROLE, outsider)]
    with reverts(ledger.AdminTransferRequired, role=DEFAULT_ADMIN_ROLE, account=outsider.address):
        ledger.multicall(calls, sender=admin)
    assert not ledger.hasRole(DEFAULT_ADMIN_ROLE, outsider)


def test_shortening_the_delay_in_the_same_multicall_does_not_shorten_the_transfer(ledger, chain, admin, outsider):
    begun = at(chain, chain.pending_timestamp + 10)
    calls = [ledger.changeDefaultAdminDelay.encode_input(1), ledger.beginDefaultAdminTransfer.encode_input(outsider)]
    ledger.multicall(calls, sender=admin)
    at(chain, begun + 2)
    with reverts(ledger.AccessControlEnforcedDefaultAdminDelay, schedule=begun + ADMIN_DELAY):
        ledger.acceptDefaultAdminTransfer(sender=outsider)
    assert ledger.defaultAdmin() == admin.address


@pytest.mark.parametrize(
    ("new_delay", "wait"),
    [(1, ADMIN_DELAY - 1), (2 * DAY, 2 * DAY), (MAX_ADMIN_DELAY, DELAY_INCREASE_WAIT)],
    ids=["shorter", "longer", "max"],
)
def test_change_admin_delay_schedules_the_new_delay(ledger, chain, admin, new_delay, wait):
    begun = at(chain, chain.pending_timestamp + 10)

    tx = ledger.changeDefaultAdminDelay(new_delay, sender=admin)

    assert single_event(tx, ledger.DefaultAdminDelayChangeScheduled) == {
        "newDelay": new_delay,
        "effectSchedule": begun + wait,
    }
    assert tuple(ledger.pendingDefaultAdminDelay()) == (new_delay, begun + wait)
    assert ledger.defaultAdminDelay() == ADMIN_DELAY
    at(chain, begun + wait + 1)
    chain.mine()
    assert ledger.defaultAdminDelay() == new_delay


@pytest.mark.parametrize("new_delay", [0, MAX_ADMIN_DELAY + 1, 2**48 - 1], ids=["zero", "max-plus-1", "uint48-max"])
def test_change_admin_delay_out_of_range_reverts_admin_delay_invalid(ledger, admin, new_delay):
    with reverts(ledger.AdminDelayInvalid, delay=new_delay, maxDelay=MAX_ADMIN_DELAY):
        ledger.changeDefaultAdminDelay(new_delay, sender=admin)
    assert tuple(ledger.pendingDefaultAdminDelay()) == (0, 0)


def test_change_admin_delay_by_non_admin_reverts_unauthorized(ledger, outsider):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=outsider.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.changeDefaultAdminDelay(2 * DAY, sender=outsider)


@pytest.mark.parametrize("delay", [0, MAX_ADMIN_DELAY + 1], ids=["zero", "max-plus-1"])
def test_deploy_with_delay_out_of_range_reverts_admin_delay_invalid(ledger_container, admin, delay):
    # A failed deployment has no contract address, so ape cannot decode its custom error: compare the raw revert data.
    expected = selector("AdminDelayInvalid(uint48,uint48)") + encode(["uint48", "uint48"], [delay, MAX_ADMIN_DELAY])
    with ape.reverts() as info:
        ledger_container.deploy(delay, admin, sender=admin)
    assert info.value.revert_message == to_hex(expected)


def test_deploy_with_the_max_delay_succeeds(ledger_container, admin):
    fresh = ledger_container.deploy(MAX_ADMIN_DELAY, admin, sender=admin)
    assert fresh.defaultAdminDelay() == MAX_ADMIN_DELAY
    assert fresh.defaultAdmin() == admin.address


# ─── Ocid prefixes ───────────────────────────────────────────────────────────────────────────────────


def test_admin_registers_ocid_prefix_and_its_purchaser_opens_processes_under_it(ledger, admin, purchaser):
    tx = ledger.registerOcidPrefix(PURCHASER_ORG, "ocds-second", sender=admin)

    assert single_event(tx, ledger.OcidPrefixRegistered) == {
        "orgId": PURCHASER_ORG,
        "prefixHash": keccak(text="ocds-second"),
        "prefix": "ocds-second",
    }
    assert ledger.ocidPrefixOwner("ocds-second") == PURCHASER_ORG
    created = single_event(create(ledger, purchaser, "ocds-second-1"), ledger.ProcessCreated)
    assert (created["purchaserOrg"], created["ocid"]) == (PURCHASER_ORG, "ocds-second-1")


def test_ocid_prefix_owner_names_only_registered_prefixes(ledger):
    assert ledger.ocidPrefixOwner(OCID_PREFIX) == PURCHASER_ORG
    assert ledger.ocidPrefixOwner(OTHER_OCID_PREFIX) == OTHER_PURCHASER_ORG
    for unowned in ["ocds", "ocds-test-1", "ocds-tes", "ocds-new", ""]:
        assert ledger.ocidPrefixOwner(unowned) == ZERO_HASH, unowned


def test_register_ocid_prefix_by_non_admin_reverts_unauthorized(ledger, purchaser):
    with reverts(ledger.AccessControlUnauthorizedAccount, account=purchaser.address, neededRole=DEFAULT_ADMIN_ROLE):
        ledger.registerOcidPrefix(PURCHASER_ORG, "ocds-mine", sender=purchaser)
    assert ledger.ocidPrefixOwner("ocds-mine") == ZERO_HASH


@pytest.mark.parametrize(
    ("org_id", "role"),
    [
        (SUPPLIER_A_ORG, SUPPLIER_ROLE),
        (FINANCE_ORG, FINANCE_ROLE),
        (AUDITOR_ORG, AUDITOR_ROLE),
        (PUBLISHER_ORG, PUBLISHER_ROLE),
        (NEW_ORG, ZERO_HASH),
    ],
    ids=["supplier", "finance", "auditor", "publisher", "unregistered"],
)
def test_register_ocid_prefix_for_a_non_purchaser_organisation_reverts_invalid(ledger, admin, org_id, role):
    with reverts(ledger.OrganisationInvalid, orgId=org_id, role=role):
        ledger.registerOcidPrefix(org_id, "ocds-new", sender=admin)
    assert ledger.ocidPrefixOwner("ocds-new") == ZERO_HASH


def test_register_ocid_prefix_of_the_maximum_length_succeeds(ledger, admin):
    prefix = "p" * MAX_OCID_PREFIX_LENGTH
    ledger.registerOcidPrefix(OTHER_PURCHASER_ORG, prefix, sender=admin)
    assert ledger.ocidPrefixOwner(prefix) == OTHER_PURCHASER_ORG


@pytest.mark.parametrize(
    "prefix",
    ["", "p" * (MAX_OCID_PREFIX_LENGTH + 1), "ocds-new-", "-"],
    ids=["empty", "too-long", "trailing-dash", "dash-only"],
)
def test_register_invalid_ocid_prefix_reverts_invalid(ledger, admin, prefix):
    with reverts(ledger.OcidPrefixInvalid, prefix=prefix):
        ledger.registerOcidPrefix(PURCHASER_ORG, prefix, sender=admin)


@pytest.mark.parametrize("org_id", [PURCHASER_ORG, OTHER_PURCHASER_ORG], ids=["same-org", "other-org"])
def test_register_a_registered_ocid_prefix_again_reverts_unavailable(ledger, admin, org_id):
    with reverts(ledger.OcidPrefixUnavailable, prefix=OCID_PREFIX, conflictingHash=keccak(text=OCID_PREFIX)):
        ledger.registerOcidPrefix(org_id, OCID_PREFIX, sender=admin)
    assert ledger.ocidPrefixOwner(OCID_PREFIX) == PURCHASER_ORG


@pytest.mark.parametrize("prefix", ["ocds-test-x", "ocds-test-x-y"])
def test_register_ocid_prefix_extending_a_registered_one_reverts_unavailable(ledger, admin, prefix):
    with reverts(ledger.OcidPrefixUnavailable, prefix=prefix, conflictingHash=keccak(text=OCID_PREFIX)):
        ledger.registerOcidPrefix(OTHER_PURCHASER_ORG, prefix, sender=admin)
    assert ledger.ocidPrefixOwner(prefix) == ZERO_HASH


@pytest.mark.parametrize("prefix", ["ocds", "gov-cn", "gov"])
def test_register_ocid_prefix_starting_a_registered_one_reverts_unavailable(ledger, admin, prefix):
    ledger.registerOcidPrefix(PURCHASER_ORG, "gov-cn-bj", sender=admin)
    with reverts(ledger.OcidPrefixUnavailable, prefix=prefix, conflictingHash=keccak(text=prefix)):
        ledger.registerOcidPrefix(OTHER_PURCHASER_ORG, prefix, sender=admin)
    assert ledger.ocidPrefixOwner(prefix) == ZERO_HASH


def test_prefixes_sharing_characters_but_no_dash_boundary_belong_to_different_purchasers(
    ledger, admin, purchaser, other_purchaser
):
    ledger.registerOcidPrefix(OTHER_PURCHASER_ORG, "ocds-testing", sender=admin)

    create(ledger, other_purchaser, "ocds-testing-1", OTHER_BUDGET_ID)
    create(ledger, purchaser, "ocds-test-1")
    with reverts(
        ledger.ProcessOcidNotOwned, ocid="ocds-testing-2", prefixOwner=OTHER_PURCHASER_ORG, callerOrg=PURCHASER_ORG
    ):
        create(ledger, purchaser, "ocds-testing-2")


def test_create_process_under_another_purchasers_prefix_reverts_ocid_not_owned(ledger, purchaser):
    with reverts(
        ledger.ProcessOcidNotOwned, ocid="ocds-other-9", prefixOwner=OTHER_PURCHASER_ORG, callerOrg=PURCHASER_ORG
    ):
        create(ledger, purchaser, "ocds-other-9")


@pytest.mark.parametrize("ocid", ["ocds-zzz-1", "ocds-1", "ocds-test", "ocds-testx-1", "ocds"])
def test_create_process_under_an_unregistered_prefix_reverts_ocid_not_owned(ledger, purchaser, ocid):
    with reverts(ledger.ProcessOcidNotOwned, ocid=ocid, prefixOwner=ZERO_HASH, callerOrg=PURCHASER_ORG):
        create(ledger, purchaser, ocid)


def test_no_other_purchaser_can_claim_ocids_under_a_registered_prefix(ledger, admin, purchaser, other_purchaser):
    with reverts(ledger.OcidPrefixUnavailable, prefix="ocds-test-x-y", conflictingHash=keccak(text=OCID_PREFIX)):
        ledger.registerOcidPrefix(OTHER_PURCHASER_ORG, "ocds-test-x-y", sender=admin)
    with reverts(
        ledger.ProcessOcidNotOwned, ocid="ocds-test-x-y-1", prefixOwner=PURCHASER_ORG, callerOrg=OTHER_PURCHASER_ORG
    ):
        create(ledger, other_purchaser, "ocds-test-x-y-1", OTHER_BUDGET_ID)

    created = single_event(create(ledger, purchaser, "ocds-test-x-y-1"), ledger.ProcessCreated)
    assert created["purchaserOrg"] == PURCHASER_ORG


# ─── Suspension ──────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("org_id", "member_name"),
    [(SUPPLIER_A_ORG, "supplier_a"), (PURCHASER_ORG, "purchaser")],
    ids=["supplier", "purchaser"],
)
def test_finance_bureau_suspends_a_supplier_or_purchaser_and_emits_event(ledger, finance, members, org_id, member_name):
    tx = ledger.suspendOrganisation(org_id, doc("debarment"), sender=finance)

    assert single_event(tx, ledger.OrganisationSuspended) == {
        "orgId": org_id,
        "byOrg": FINANCE_ORG,
        "account": finance.address,
        "docHash": doc("debarment"),
    }
    suspended = ledger.organisation(org_id)
    assert (suspended.role, suspended.suspendedBy) == (ORGS[member_name][1], FINANCE_ORG)
    assert ledger.organisationOf(members[member_name]) == org_id  # membership is untouched


@pytest.mark.parametrize("caller_name", ["purchaser", "supplier_a", "auditor", "publisher", "admin", "outsider"])
def test_suspend_by_a_non_finance_account_reverts_unauthorized(ledger, members, caller_name):
    caller = members[caller_name]
    with reverts(ledger.AccessControlUnauthorizedAccount, account=caller.address, neededRole=FINANCE_ROLE):
        ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=caller)
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == ZERO_HASH


@pytest.mark.parametrize(
    ("org_id", "role"),
    [
        (OTHER_FINANCE_ORG, FINANCE_ROLE),
        (FINANCE_ORG, FINANCE_ROLE),
        (AUDITOR_ORG, AUDITOR_ROLE),
        (PUBLISHER_ORG, PUBLISHER_ROLE),
        (NEW_ORG, ZERO_HASH),
    ],
    ids=["other-bureau", "own-bureau", "auditor", "publisher", "unregistered"],
)
def test_suspend_an_organisation_that_is_not_supplier_or_purchaser_reverts_not_suspendable(
    ledger, finance, org_id, role
):
    with reverts(ledger.OrganisationNotSuspendable, orgId=org_id, role=role):
        ledger.suspendOrganisation(org_id, doc("debarment"), sender=finance)
    assert ledger.organisation(org_id).suspendedBy == ZERO_HASH


@pytest.mark.parametrize("second_name", ["finance", "other_finance"])
def test_suspend_a_suspended_organisation_reverts_under_suspension(ledger, finance, members, second_name):
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)
    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=FINANCE_ORG):
        ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("second debarment"), sender=members[second_name])
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == FINANCE_ORG


def test_suspend_without_a_decision_document_reverts_document_hash_missing(ledger, finance):
    with reverts(ledger.DocumentHashMissing, action=SUSPEND, argument=1):
        ledger.suspendOrganisation(SUPPLIER_A_ORG, ZERO_HASH, sender=finance)
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == ZERO_HASH


def test_any_account_of_the_suspending_bureau_reinstates_and_emits_event(ledger, admin, finance, outsider):
    ledger.suspendOrganisation(PURCHASER_ORG, doc("debarment"), sender=finance)
    ledger.addOrganisationAccount(FINANCE_ORG, outsider, sender=admin)

    tx = ledger.reinstateOrganisation(PURCHASER_ORG, doc("reinstatement"), sender=outsider)

    assert single_event(tx, ledger.OrganisationReinstated) == {
        "orgId": PURCHASER_ORG,
        "byOrg": FINANCE_ORG,
        "account": outsider.address,
        "docHash": doc("reinstatement"),
    }
    reinstated = ledger.organisation(PURCHASER_ORG)
    assert (reinstated.role, reinstated.suspendedBy) == (PURCHASER_ROLE, ZERO_HASH)


def test_reinstated_organisation_can_be_suspended_again_by_another_bureau(ledger, finance, other_finance):
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)
    ledger.reinstateOrganisation(SUPPLIER_A_ORG, doc("reinstatement"), sender=finance)

    tx = ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("other debarment"), sender=other_finance)

    assert single_event(tx, ledger.OrganisationSuspended)["byOrg"] == OTHER_FINANCE_ORG
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == OTHER_FINANCE_ORG


def test_reinstate_an_organisation_not_suspended_reverts_not_suspended(ledger, finance):
    with reverts(ledger.OrganisationNotSuspended, orgId=SUPPLIER_A_ORG):
        ledger.reinstateOrganisation(SUPPLIER_A_ORG, doc("reinstatement"), sender=finance)


def test_reinstate_by_another_bureau_reverts_out_of_scope(ledger, finance, other_finance):
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)
    with reverts(
        ledger.OrganisationReinstatementOutOfScope,
        orgId=SUPPLIER_A_ORG,
        suspendedBy=FINANCE_ORG,
        callerOrg=OTHER_FINANCE_ORG,
    ):
        ledger.reinstateOrganisation(SUPPLIER_A_ORG, doc("reinstatement"), sender=other_finance)
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == FINANCE_ORG


@pytest.mark.parametrize("caller_name", ["supplier_a", "purchaser", "admin"])
def test_reinstate_by_a_non_finance_account_reverts_unauthorized(ledger, finance, members, caller_name):
    caller = members[caller_name]
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=caller.address, neededRole=FINANCE_ROLE):
        ledger.reinstateOrganisation(SUPPLIER_A_ORG, doc("reinstatement"), sender=caller)
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == FINANCE_ORG


def test_reinstate_without_a_decision_document_reverts_document_hash_missing(ledger, finance):
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment"), sender=finance)
    with reverts(ledger.DocumentHashMissing, action=REINSTATE, argument=1):
        ledger.reinstateOrganisation(SUPPLIER_A_ORG, ZERO_HASH, sender=finance)
    assert ledger.organisation(SUPPLIER_A_ORG).suspendedBy == FINANCE_ORG
