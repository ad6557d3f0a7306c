"""Keystores: one encrypted key per organisation, opened only with the configured passphrase, never in clear."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from eth_account import Account
from pydantic import SecretStr

from ledger.chain.keystore import DEMO_PASSPHRASE_FILE, Keystores, as_org_id, ensure_demo_passphrase
from ledger.errors import ConfigurationError, KeystoreError
from ledger.settings import Settings

ORG = "0x" + "ab" * 32
OTHER_ORG = "0x" + "cd" * 32
FAST = 2**10  # scrypt work factor for tests; the default takes ~2 s per key


def _keystores(folder: Path, passphrase: str | None = "correct horse") -> Keystores:
    return Keystores(folder, SecretStr(passphrase) if passphrase is not None else None, FAST)


def test_a_created_key_opens_with_the_passphrase_and_its_file_holds_no_key_in_clear(tmp_path: Path) -> None:
    entry = _keystores(tmp_path).create(ORG, "finance")
    account = _keystores(tmp_path).account("finance")
    assert account.address == entry.address
    text = entry.path.read_text()
    assert account.key.hex().removeprefix("0x") not in text
    assert json.loads(text)["procledger"] == {"org_id": ORG, "label": "finance"}
    assert json.loads(text)["version"] == 3
    assert stat.S_IMODE(entry.path.stat().st_mode) == 0o600


def test_an_imported_hex_key_keeps_its_address_and_is_found_by_org_id(tmp_path: Path) -> None:
    original = Account.create()
    entry = _keystores(tmp_path).import_key(ORG, original.key.hex() + "\n")
    assert entry.address == original.address and entry.path.name == f"{ORG}.json"
    assert _keystores(tmp_path).account(ORG).key == original.key


def test_an_imported_keystore_file_is_reencrypted_for_the_organisation(tmp_path: Path) -> None:
    original = Account.create()
    outside = tmp_path / "elsewhere.json"
    outside.write_text(json.dumps(Account.encrypt(original.key, "correct horse", iterations=FAST)))
    entry = _keystores(tmp_path / "keys").import_file(ORG, outside, "supplier-a")
    assert entry.address == original.address and entry.org_id == ORG


def test_the_wrong_passphrase_is_refused_by_name(tmp_path: Path) -> None:
    _keystores(tmp_path).create(ORG, "finance")
    with pytest.raises(KeystoreError, match="does not open with PROCLEDGER_KEYSTORE_PASSPHRASE"):
        _keystores(tmp_path, "wrong").account(ORG)


def test_without_a_passphrase_nothing_is_created_and_the_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PROCLEDGER_KEYSTORE_PASSPHRASE is not set"):
        _keystores(tmp_path, None).create(ORG)
    assert _keystores(tmp_path).entries() == []


def test_one_keystore_per_organisation_and_per_label(tmp_path: Path) -> None:
    keystores = _keystores(tmp_path)
    keystores.create(ORG, "finance")
    with pytest.raises(KeystoreError, match="already holds the key of"):
        keystores.create(ORG, "other")
    with pytest.raises(KeystoreError, match="already holds the key of"):
        keystores.create(OTHER_ORG, "finance")
    assert [entry.label for entry in keystores.entries()] == ["finance"]


def test_a_bad_org_id_label_or_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is not an organisation id"):
        as_org_id("0x1234")
    with pytest.raises(ConfigurationError, match="not usable as a file name"):
        _keystores(tmp_path).create(ORG, "../escape")
    with pytest.raises(KeystoreError, match="that is not a private key"):
        _keystores(tmp_path).import_key(ORG, "not hex")


def test_the_demo_passphrase_is_made_once_and_only_when_none_is_configured(settings: Settings) -> None:
    assert ensure_demo_passphrase(settings) is True
    assert ensure_demo_passphrase(settings) is False
    assert stat.S_IMODE((settings.keystores_dir / DEMO_PASSPHRASE_FILE).stat().st_mode) == 0o600
    configured = settings.model_copy(
        update={"keystore_passphrase": SecretStr("set"), "data_dir": settings.data_dir / "x"}
    )
    assert ensure_demo_passphrase(configured) is False
    assert not (configured.keystores_dir / DEMO_PASSPHRASE_FILE).exists()
