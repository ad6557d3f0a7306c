"""The organisation that anchors imported OCDS releases: registered with PUBLISHER_ROLE, with a keystore account.

Its registry id is PROCLEDGER_OCDS_PUBLISHER_ID (default `PROCLEDGER-OCDS-PUBLISHER`); its on-chain id is the
keccak256 of it, like every organisation's. Where the configured deployer key is the ledger's admin (a dev chain
right after `procledger deploy`), the first import sets it up itself: a keystore from the next free dev account
(index 7; the demo uses 0 to 6), registerOrganisation with PUBLISHER_ROLE and addOrganisationAccount. Anywhere else a
missing piece stops the import with what to ask the admin for.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.chain.accounts import deployer_account, derive_account
from ledger.chain.keystore import Keystores, as_org_id, ensure_demo_passphrase
from ledger.chain.ledger_contract import PUBLISHER_ROLE, ZERO_HASH, LedgerContract, organisation_id_of
from ledger.errors import KeystoreError, RoleRequiredError
from ledger.settings import Settings

PUBLISHER_LABEL = "ocds-publisher"
PUBLISHER_ACCOUNT_INDEX = 7


@dataclass(frozen=True)
class Publisher:
    """The publisher organisation, the account it signs with, and what this run had to set up."""

    registry_id: str
    org_id: str
    address: str
    set_up: list[str]


def ensure_publisher(settings: Settings, ledger: LedgerContract) -> Publisher:
    """The publisher organisation, ready to anchor: set up here when the configured key administers the ledger,
    else RoleRequiredError (or KeystoreError) saying which role to grant to which account."""
    registry_id = settings.ocds_publisher_id
    org_bytes = organisation_id_of(registry_id)
    org_id = as_org_id(org_bytes)
    admin = deployer_account(settings)
    may_administer = str(ledger.call("defaultAdmin")).lower() == admin.address.lower()
    if may_administer and settings.uses_embedded_chain:
        ensure_demo_passphrase(settings)  # as `procledger up` does: a dev chain works with no passphrase set
    keystores = Keystores.from_settings(settings)
    done: list[str] = []
    try:
        address = keystores.find(org_id).address
    except KeystoreError:
        if not may_administer:
            raise KeystoreError(
                f"no keystore for the OCDS publisher organisation {org_id} (keccak256 of {registry_id!r}); make one "
                f"with `procledger keys create {org_id} --label {PUBLISHER_LABEL}`, then ask the ledger's admin to "
                "register it with PUBLISHER_ROLE and add its address"
            ) from None
        key = derive_account(settings, PUBLISHER_ACCOUNT_INDEX).key.hex()
        address = keystores.import_key(org_id, key, PUBLISHER_LABEL).address
        done.append(f"keystore {PUBLISHER_LABEL} for {address}")
    role = bytes(ledger.call("organisation", org_bytes)[0])
    bound = bytes(ledger.call("organisationOf", address))
    if role == PUBLISHER_ROLE and bound == org_bytes:
        return Publisher(registry_id, org_id, address, done)
    if role not in (ZERO_HASH, PUBLISHER_ROLE):
        raise RoleRequiredError(
            f"organisation {org_id} (registry id {registry_id!r}) is registered with role 0x{role.hex()}, not "
            "PUBLISHER_ROLE; set PROCLEDGER_OCDS_PUBLISHER_ID to the registry id of a publisher organisation"
        )
    if bound not in (ZERO_HASH, org_bytes):
        raise RoleRequiredError(
            f"account {address} signs for organisation 0x{bound.hex()}, not for the OCDS publisher {org_id}; give "
            f"the publisher a keystore of its own (`procledger keys create {org_id}`)"
        )
    if not may_administer:
        steps = [] if role == PUBLISHER_ROLE else [f"registerOrganisation({org_id}, PUBLISHER_ROLE)"]
        steps.append(f"addOrganisationAccount({org_id}, {address})")
        raise RoleRequiredError(
            f"importing OCDS needs PUBLISHER_ROLE for account {address}, which signs for organisation {org_id} "
            f"(keccak256 of registry id {registry_id!r}); ask the ledger's admin to run {' and '.join(steps)}"
        )
    sender = ledger.sender(admin)
    if role == ZERO_HASH:
        ledger.send(sender, "registerOrganisation", org_bytes, PUBLISHER_ROLE)
        done.append(f"registered {org_id} with PUBLISHER_ROLE")
    if bound == ZERO_HASH:
        ledger.send(sender, "addOrganisationAccount", org_bytes, address)
        done.append(f"added account {address} to it")
    return Publisher(registry_id, org_id, address, done)
