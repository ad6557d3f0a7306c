"""The same lifecycle, written to and indexed from a second, independent EVM: Hardhat's node (EDR), not anvil.

Hardhat comes from npm (`hardhat@2`), installed once into a cache outside the repository
(~/.cache/procurement-ledger/hardhat, or PROCLEDGER_HARDHAT_HOME), so the project's package.json stays as it is.
Only methods both nodes answer are used: standard JSON-RPC, `evm_increaseTime` and `evm_mine`; no `anvil_*`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.setup import deploy, open_ledger
from ledger.settings import Settings
from tests.helpers import PROJECT_DIR, free_port
from tests.indexer.mirror import assert_mirror_is_on_chain, assert_mirror_matches_scenario, open_mirror
from tests.indexer.scenario import Scenario, run_scenario

CHAIN_ID = 31337  # Hardhat's default, like anvil's; its accounts come from the same dev mnemonic
HARDHAT_HOME = Path(
    os.environ.get("PROCLEDGER_HARDHAT_HOME", Path.home() / ".cache" / "procurement-ledger" / "hardhat")
)
HARDHAT_CLI = HARDHAT_HOME / "node_modules" / "hardhat" / "internal" / "cli" / "bootstrap.js"


def _install_hardhat() -> Path:
    """The Hardhat CLI, installed with npm on first use; skips the test when npm cannot install it here."""
    if not HARDHAT_CLI.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, so Hardhat (npm hardhat@2) cannot be installed")
        HARDHAT_HOME.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "hardhat@2"],
            cwd=HARDHAT_HOME, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if result.returncode != 0 or not HARDHAT_CLI.exists():
            pytest.skip(f"`npm install hardhat@2` failed in {HARDHAT_HOME}: {result.stderr.strip()[-500:]}")
    (HARDHAT_HOME / "hardhat.config.js").write_text("module.exports = { networks: { hardhat: { chainId: 31337 } } };\n")
    return HARDHAT_CLI


@dataclass(frozen=True)
class HardhatChain:
    """A Hardhat node holding the scenario's history."""

    settings: Settings
    w3: Web3
    ledger: LedgerContract
    scenario: Scenario


@pytest.fixture(scope="module")
def hardhat(built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HardhatChain]:
    """A Hardhat node on a free port, with the ledger deployed and the scenario written; stopped by its own pid."""
    cli = _install_hardhat()
    node = shutil.which("node")
    assert node is not None, "npm is installed, so node should be too"
    port = free_port()
    tmp = tmp_path_factory.mktemp("hardhat")
    with (tmp / "hardhat.log").open("wb") as log:
        process = subprocess.Popen(
            [node, str(cli), "node", "--hostname", "127.0.0.1", "--port", str(port)],
            cwd=HARDHAT_HOME, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"},
        )  # fmt: skip
    try:
        rpc_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 1})).is_connected():
            assert process.poll() is None, (tmp / "hardhat.log").read_text()
            assert time.monotonic() < deadline, "Hardhat's node did not answer within 60 s"
            time.sleep(0.2)
        settings = Settings(project_dir=PROJECT_DIR, data_dir=tmp / "data", rpc_url=rpc_url)
        w3 = connect(rpc_url)
        assert w3.client_version.startswith("HardhatNetwork/"), w3.client_version
        deploy(settings, w3)
        ledger = open_ledger(settings, w3)
        yield HardhatChain(settings, w3, ledger, run_scenario(settings, w3, ledger))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_lifecycle_indexed_from_hardhat_equals_the_state_it_left(hardhat: HardhatChain, database_url: str) -> None:
    indexer, engine = open_mirror(hardhat.settings, hardhat.w3, database_url, batch_blocks=4)
    indexer.catch_up()
    assert_mirror_matches_scenario(engine, CHAIN_ID, hardhat.scenario, hardhat.ledger)
    assert_mirror_is_on_chain(engine, hardhat.w3, CHAIN_ID, hardhat.ledger.contract.address)
    engine.dispose()
