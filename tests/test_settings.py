"""Settings come from one class with the PROCLEDGER_ prefix; secrets never show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.settings import Settings


def test_environment_prefix_sets_every_field(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROCLEDGER_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("PROCLEDGER_CHAIN_PORT", "9545")
    monkeypatch.setenv("PROCLEDGER_API_PORT", "9000")
    monkeypatch.setenv("PROCLEDGER_CONFIRMATIONS", "3")
    settings = Settings()
    assert settings.data_dir == tmp_path / "d"
    assert settings.rpc_url == "http://127.0.0.1:9545"
    assert settings.database_url == f"sqlite:///{tmp_path / 'd' / 'ledger.sqlite3'}"
    assert (settings.api_port, settings.confirmations) == (9000, 3)
    assert settings.uses_embedded_chain


def test_two_data_dirs_share_nothing(tmp_path: Path) -> None:
    one = Settings(data_dir=tmp_path / "one", chain_port=8601, api_port=8602)
    two = Settings(data_dir=tmp_path / "two", chain_port=8701, api_port=8702)
    paths = ("chain_state_file", "deployment_file")
    assert all(getattr(one, path) != getattr(two, path) for path in paths)
    assert one.database_url != two.database_url and one.rpc_url != two.rpc_url


def test_invalid_setting_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCLEDGER_CHAIN_PORT", "not-a-port")
    with pytest.raises(ValueError, match="chain_port"):
        Settings()


def test_config_command_masks_secrets(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PROCLEDGER_DATA_DIR": str(tmp_path),
        "PROCLEDGER_DEPLOYER_KEY": "0x" + "5a" * 32,
        "PROCLEDGER_MNEMONIC": "abandon " * 11 + "about",
        "PROCLEDGER_DATABASE_URL": "postgresql+psycopg://ledger:hunter2@db.example:5432/ledger",
    }
    command = [sys.executable, "-c", "from ledger.cli import main; main()", "config", "--json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    shown = json.loads(result.stdout)
    assert shown["deployer_key"] == shown["mnemonic"] == "********"
    assert shown["database_url"] == "postgresql+psycopg://ledger:***@db.example:5432/ledger"
    assert "5a5a" not in result.stdout and "hunter2" not in result.stdout and "abandon" not in result.stdout
