"""Each organisation's signing key, encrypted at rest: one keystore v3 JSON file per organisation.

A file is eth-account's keystore (scrypt, AES-128-CTR) plus a `procledger` member naming the organisation it signs
for and a short label. Listing reads only that member and the address; the key is decrypted only to sign, with the
passphrase from PROCLEDGER_KEYSTORE_PASSPHRASE, and is never written anywhere in the clear.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from pydantic import SecretStr

from ledger.errors import ConfigurationError, KeystoreError
from ledger.settings import Settings

_ORG_ID = re.compile(r"^0x[0-9a-f]{64}$")
_LABEL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEMO_PASSPHRASE_FILE = "demo-passphrase"


@dataclass(frozen=True)
class KeystoreEntry:
    """One keystore file: the organisation, its label, the signing address and where the file is. Never the key."""

    org_id: str
    label: str | None
    address: str
    path: Path


def as_org_id(value: str | bytes) -> str:
    """An organisation id as 0x-prefixed lower-case hex of 32 bytes; anything else is refused."""
    text = "0x" + value.hex() if isinstance(value, bytes) else value.strip().lower()
    if not text.startswith("0x"):
        text = "0x" + text
    if not _ORG_ID.match(text):
        raise ConfigurationError(
            f"{value!r} is not an organisation id: expected 32 bytes as hex (0x and 64 digits), the keccak256 of "
            "its registry id; `procledger keys list` shows the ids that have keystores"
        )
    return text


class Keystores:
    """The keystore directory: create, import, list, find and open keystores."""

    def __init__(self, directory: Path, passphrase: SecretStr | None, scrypt_n: int = 2**18) -> None:
        self.directory = directory
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n

    @classmethod
    def from_settings(cls, settings: Settings) -> Keystores:
        """The keystores under the data directory, unlocked by the configured passphrase (or the demo's own)."""
        return cls(settings.keystores_dir, _passphrase(settings), settings.keystore_scrypt_n)

    def create(self, org_id: str, label: str | None = None) -> KeystoreEntry:
        """A new random key for organisation `org_id`, encrypted; refuses a second keystore for one organisation."""
        return self._store(org_id, label, Account.create())

    def import_key(self, org_id: str, private_key: str, label: str | None = None) -> KeystoreEntry:
        """Encrypt an existing hex private key for organisation `org_id`."""
        try:
            account: LocalAccount = Account.from_key(private_key.strip())
        except (ValueError, TypeError) as error:
            raise KeystoreError("that is not a private key: expected 32 bytes as hex (64 digits)") from error
        return self._store(org_id, label, account)

    def import_file(self, org_id: str, path: Path, label: str | None = None) -> KeystoreEntry:
        """Re-encrypt a keystore v3 file written elsewhere (it opens with the same passphrase) for `org_id`."""
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise KeystoreError(f"cannot read {path} as a keystore JSON file ({error}); check the path") from error
        return self._store(org_id, label, Account.from_key(self._decrypt(data, path)))

    def entries(self) -> list[KeystoreEntry]:
        """Every keystore in the directory, by label then organisation id."""
        if not self.directory.is_dir():
            return []
        found = [_entry(path) for path in sorted(self.directory.glob("*.json"))]
        return sorted(found, key=lambda entry: (entry.label or "~", entry.org_id))

    def find(self, org_or_label: str) -> KeystoreEntry:
        """The keystore of an organisation, named by its id or by its keystore's label."""
        wanted = org_or_label.strip().lower()
        for entry in self.entries():
            if wanted in (entry.org_id, entry.label, entry.org_id[2:]):
                return entry
        raise KeystoreError(
            f"no keystore for {org_or_label!r} in {self.directory}; `procledger keys list` shows them, "
            "`procledger keys create` makes one"
        )

    def account(self, org_id: str) -> LocalAccount:
        """The decrypted signing account of organisation `org_id` (kept in memory only)."""
        entry = self.find(org_id)
        key = self._decrypt(json.loads(entry.path.read_text()), entry.path)
        account: LocalAccount = Account.from_key(key)
        return account

    def _store(self, org_id: str, label: str | None, account: LocalAccount) -> KeystoreEntry:
        org_id = as_org_id(org_id)
        if label is not None and not _LABEL.match(label):
            raise ConfigurationError(
                f"label {label!r} is not usable as a file name: use up to 40 lower-case letters, digits, - or _"
            )
        for entry in self.entries():
            if entry.org_id == org_id or (label is not None and entry.label == label):
                raise KeystoreError(
                    f"{entry.path} already holds the key of {entry.org_id} (label {entry.label}); one keystore per "
                    "organisation and label: remove that file first if you mean to replace it"
                )
        encrypted: dict[str, Any] = Account.encrypt(
            account.key, self._secret(), kdf="scrypt", iterations=self._scrypt_n
        )
        encrypted["procledger"] = {"org_id": org_id, "label": label}
        path = self.directory / f"{label or org_id}.json"
        _write_private(path, json.dumps(encrypted, indent=2) + "\n")
        return KeystoreEntry(org_id, label, str(account.address), path)

    def _decrypt(self, data: dict[str, Any], path: Path) -> bytes:
        try:
            return bytes(Account.decrypt(data, self._secret()))
        except ValueError as error:
            raise KeystoreError(
                f"{path} does not open with PROCLEDGER_KEYSTORE_PASSPHRASE ({error}); set the passphrase it was "
                "encrypted with"
            ) from None

    def _secret(self) -> str:
        if self._passphrase is None or not self._passphrase.get_secret_value():
            raise ConfigurationError(
                "PROCLEDGER_KEYSTORE_PASSPHRASE is not set: the keystores cannot be created or opened without it; "
                "set it in the environment (never in a file under version control)"
            )
        return self._passphrase.get_secret_value()


def ensure_demo_passphrase(settings: Settings) -> bool:
    """For the demo on a dev chain with no passphrase set: make a random one in the keystore directory (0600), so
    `procledger up` works out of the box. Returns whether one was made. A real deployment sets the variable."""
    if settings.keystore_passphrase is not None:
        return False
    path = settings.keystores_dir / DEMO_PASSPHRASE_FILE
    if path.exists():
        return False
    _write_private(path, secrets.token_urlsafe(24) + "\n")
    return True


def _passphrase(settings: Settings) -> SecretStr | None:
    if settings.keystore_passphrase is not None:
        return settings.keystore_passphrase
    demo = settings.keystores_dir / DEMO_PASSPHRASE_FILE  # only ever written by ensure_demo_passphrase
    return SecretStr(demo.read_text().strip()) if demo.exists() else None


def _entry(path: Path) -> KeystoreEntry:
    try:
        data = json.loads(path.read_text())
        mine = data["procledger"]
        address = to_checksum_address("0x" + str(data["address"]).removeprefix("0x"))
        return KeystoreEntry(str(mine["org_id"]), mine.get("label"), address, path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise KeystoreError(f"{path} is not a procledger keystore ({error!r}); move it out of {path.parent}") from None


def _write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = path.with_suffix(".tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    scratch.replace(path)
