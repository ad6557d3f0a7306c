"""Demo access: a keystore and an API token for each demo organisation, so each role can write at once.

The keys are the dev chain's well-known HD keys the demo already signs with (ledger.demo), now encrypted under the
data directory, and a relayer account (no organisation's; it only pays the gas of suppliers' signed bids) under the
label `relayer`. Tokens are kept only as hashes, so the demo issues fresh ones on every run (revoking the previous
run's) and prints them: that is the only time they can be shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger.chain.accounts import derive_account
from ledger.chain.keystore import Keystores, as_org_id, ensure_demo_passphrase
from ledger.demo import AUDITOR, FINANCE, PURCHASER, SUPPLIER_A, SUPPLIER_B, DemoOrganisation
from ledger.errors import KeystoreError
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE
from ledger.settings import Settings
from ledger.store.tokens import issue_token, revoke_labelled

DEMO_LABELS = {PURCHASER: "purchaser", FINANCE: "finance", SUPPLIER_A: "supplier-a", SUPPLIER_B: "supplier-b",
               AUDITOR: "auditor"}  # fmt: skip
DEMO_TOKEN_LABEL = "demo"
RELAYER_INDEX = 6  # a dev account of no organisation: the gateway's relayer
NO_ORGANISATION = "0x" + "00" * 32  # the relayer's keystore is filed under no organisation


@dataclass(frozen=True)
class DemoAccess:
    """One demo organisation as a user meets it: label, name, on-chain id, signing address and a fresh token."""

    label: str
    name: str
    org_id: str
    address: str
    token: str


def set_up_demo_access(settings: Settings, engine: Engine) -> list[DemoAccess]:
    """Keystores for the demo organisations (made once) and a fresh demo token each (earlier ones revoked)."""
    ensure_demo_passphrase(settings)
    keystores = Keystores.from_settings(settings)
    _ensure_relayer(settings, keystores)
    access = []
    with Session(engine) as session, session.begin():
        for org, label in DEMO_LABELS.items():
            address = _ensure_keystore(settings, keystores, org, label)
            org_id = as_org_id(org.org_id)
            revoke_labelled(session, org_id, DEMO_TOKEN_LABEL)
            _, token = issue_token(session, org_id, DEMO_TOKEN_LABEL)
            access.append(DemoAccess(label, org.name, org_id, address, token))
    return access


def _ensure_keystore(settings: Settings, keystores: Keystores, org: DemoOrganisation, label: str) -> str:
    try:
        return keystores.find(as_org_id(org.org_id)).address
    except KeystoreError:
        key = derive_account(settings, org.account_index).key.hex()
        return keystores.import_key(as_org_id(org.org_id), key, label).address


def _ensure_relayer(settings: Settings, keystores: Keystores) -> str:
    try:
        return keystores.find(RELAYER_KEYSTORE).address
    except KeystoreError:
        key = derive_account(settings, RELAYER_INDEX).key.hex()
        return keystores.import_key(NO_ORGANISATION, key, RELAYER_KEYSTORE).address
