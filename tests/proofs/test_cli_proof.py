"""`procledger proof export` and `procledger proof verify`, run the way a person runs them: happy paths through
Typer's CliRunner, failure paths as subprocesses of the real entry point (exit 1, one "error: ..." line that says
what to do next, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner, Result
from typer.main import get_command
from web3 import Web3

from ledger.chain.client import rpc_call
from ledger.chain.ledger_contract import LedgerContract
from ledger.cli import app
from ledger.demo import DEMO_PROCESSES
from ledger.settings import Settings
from tests.api.conftest import DemoChain
from tests.helpers import PROJECT_DIR, free_port, open_process
from tests.proofs.conftest import LIFECYCLE, environment, export
from tests.test_cli import MAIN, _fails


def _verify(settings: Settings, *args: str) -> Result:
    result = CliRunner(mix_stderr=False).invoke(get_command(app), ["proof", "verify", *args], env=environment(settings))
    assert result.exit_code == 0, f"{result.stdout}{result.stderr}{result.exception!r}"
    return result


def test_export_writes_a_bundle_and_says_what_it_holds(proof_chain: DemoChain, tmp_path: Path) -> None:
    settings = proof_chain.settings
    out = tmp_path / "bundle.json"
    runner = CliRunner(mix_stderr=False)
    args = ["proof", "export", LIFECYCLE, "--out", str(out)]
    result = runner.invoke(get_command(app), args, env=environment(settings))
    assert result.exit_code == 0, result.stderr
    bundle = json.loads(out.read_text())
    assert f"wrote {out}: {len(bundle['events'])} event(s) in {len(bundle['blocks'])} block(s)" in result.stderr
    assert f"{out.stat().st_size:,} bytes" in result.stderr


def test_export_asking_for_logs_a_few_blocks_at_a_time_writes_the_same_bundle(
    proof_chain: DemoChain, bundle_files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "bundle.json"
    env = {**environment(proof_chain.settings), "PROCLEDGER_INDEX_BATCH_BLOCKS": "3"}
    result = CliRunner(mix_stderr=False).invoke(
        get_command(app), ["proof", "export", LIFECYCLE, "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.stderr
    assert out.read_text() == bundle_files[LIFECYCLE].read_text()


def test_verify_prints_what_it_checked(proof_chain: DemoChain, bundle_files: dict[str, Path]) -> None:
    output = _verify(proof_chain.settings, str(bundle_files[LIFECYCLE])).stdout
    bundle = json.loads(bundle_files[LIFECYCLE].read_text())
    assert f"proof bundle of {LIFECYCLE}: verified" in output
    assert f"{len(bundle['events'])} event(s)" in output and f"{len(bundle['blocks'])} block(s)" in output
    assert f"{len(bundle['documents'])} document(s)" in output
    assert "not checked (offline); add --rpc URL" in output


def test_verify_with_rpc_checks_the_live_chain(proof_chain: DemoChain, bundle_files: dict[str, Path]) -> None:
    settings = proof_chain.settings
    output = _verify(settings, str(bundle_files[LIFECYCLE]), "--rpc", settings.rpc_url).stdout
    assert f"canonical on {settings.rpc_url}, no event left out" in output


def test_verify_needs_no_node_no_database_and_no_deployment(
    proof_chain: DemoChain, bundle_files: dict[str, Path], tmp_path: Path
) -> None:
    nowhere = {
        "PROCLEDGER_DATA_DIR": str(tmp_path / "empty"),
        "PROCLEDGER_RPC_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "PROCLEDGER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "COLUMNS": "300",
    }
    done = subprocess.run(
        [*MAIN, "proof", "verify", str(bundle_files[DEMO_PROCESSES[1].ocid])], env={**os.environ, **nowhere},
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "verified" in done.stdout
    assert not (tmp_path / "empty").exists()


def test_verify_of_a_tampered_bundle_fails_naming_the_check_and_what_to_do(
    proof_chain: DemoChain, bundle_files: dict[str, Path], tmp_path: Path
) -> None:
    bundle = json.loads(bundle_files[LIFECYCLE].read_text())
    event = bundle["events"][4]
    event["data"] = event["data"][:-1] + ("1" if event["data"][-1] != "1" else "2")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bundle))
    error = _fails(proof_chain.settings, "proof", "verify", str(tampered))
    assert error.startswith(f"error: {tampered} does not verify: event 4 (block {event['block_number']} tx index")
    assert f"expected data {event['data']} at log position" in error
    assert error.endswith(
        "Do not rely on it; ask its sender for a fresh `procledger proof export`, or check the process against a "
        "node you trust with --rpc"
    )


def test_verify_of_a_file_that_is_not_a_bundle_says_so(proof_chain: DemoChain, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something else", "version": 1}))
    error = _fails(proof_chain.settings, "proof", "verify", str(other))
    assert "expected a proof bundle of format application/vnd.procledger.proof-bundle+json version 1" in error
    missing = tmp_path / "missing.json"
    assert _fails(proof_chain.settings, "proof", "verify", str(missing)) == (
        f"error: cannot read {missing} (No such file or directory); check the path"
    )


def test_verify_with_rpc_refuses_a_bundle_of_another_chain_or_contract(
    proof_chain: DemoChain, bundle_files: dict[str, Path]
) -> None:
    path = str(bundle_files[LIFECYCLE])
    error = _fails(proof_chain.settings, "proof", "verify", path, "--chain-id", "1")
    assert "expected a bundle of chain id 1, got one of chain id 31337" in error
    error = _fails(proof_chain.settings, "proof", "verify", path, "--contract", "0x" + "12" * 20)
    assert f"expected a bundle of contract 0x{'12' * 20}, got one of 0x" in error


def test_verify_with_rpc_after_a_reorg_says_the_block_was_replaced(
    settings: Settings, ledger_contract: LedgerContract, w3: Web3, tmp_path: Path
) -> None:
    block = open_process(settings, ledger_contract, "ocds-pl0001-2026-0901")["blockNumber"]
    bundle_file = export(settings, "ocds-pl0001-2026-0901", tmp_path / "bundle.json")
    rpc_call(w3, "anvil_reorg", [w3.eth.block_number - block + 1, []])
    error = _fails(settings, "proof", "verify", str(bundle_file), "--rpc", settings.rpc_url)
    assert f"expected block {block} to be 0x" in error and "the bundle's block was replaced (a reorg)" in error


def test_export_of_an_unknown_process_says_to_check_the_ocid(proof_chain: DemoChain, tmp_path: Path) -> None:
    error = _fails(proof_chain.settings, "proof", "export", "ocds-pl0001-2026-9999", "--out", str(tmp_path / "b.json"))
    assert error.startswith("error: no events of process ocds-pl0001-2026-9999 from contract 0x")
    assert error.endswith("check the ocid and that PROCLEDGER_RPC_URL points at the chain that recorded it")
    assert not (tmp_path / "b.json").exists()


def test_export_without_a_chain_says_to_start_one(settings: Settings, tmp_path: Path) -> None:
    error = _fails(settings, "proof", "export", LIFECYCLE, "--out", str(tmp_path / "b.json"))
    assert error.startswith(f"error: no JSON-RPC node answers at http://127.0.0.1:{settings.chain_port}")
