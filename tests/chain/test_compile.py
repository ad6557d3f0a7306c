"""Both compile paths (py-solc-x through the bridge, and ape-solidity) agree, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from ledger.chain.artifacts import load_artifact
from ledger.chain.compile import CompilerConfig, artifacts_are_current, compile_project
from ledger.chain.toolchain import SOLC_BRIDGE, link_bridge_for_ape
from tests.helpers import PROJECT_DIR


def _copy_project(destination: Path) -> Path:
    destination.mkdir()
    shutil.copytree(PROJECT_DIR / "contracts", destination / "contracts")
    shutil.copy(PROJECT_DIR / "ape-config.yaml", destination / "ape-config.yaml")
    (destination / "node_modules").symlink_to(PROJECT_DIR / "node_modules")
    return destination


def test_compiler_settings_are_read_from_ape_config() -> None:
    section = yaml.safe_load((PROJECT_DIR / "ape-config.yaml").read_text())["solidity"]
    config = CompilerConfig.from_ape_config(PROJECT_DIR)
    assert config.version == str(section["version"])
    assert config.evm_version == section["evm_version"]
    assert config.optimization_runs == section["optimization_runs"]
    assert config.via_ir is section["via_ir"] is True  # the ledger fits EIP-170's size limit only through the IR
    assert list(config.remappings) == section["import_remapping"]


def test_the_ledger_fits_the_contract_size_limit(built: None) -> None:
    artifact = load_artifact(PROJECT_DIR / "build" / "contracts", "ProcurementLedger")
    runtime_bytes = (len(artifact.deployed_bytecode) - 2) // 2
    assert runtime_bytes <= 24_576, f"ProcurementLedger is {runtime_bytes} bytes; EIP-170 allows 24,576"


def test_solcx_and_ape_compile_produce_identical_runtime_bytecode(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    ours = compile_project(project, tmp_path / "artifacts")
    assert {path.stem for path in ours} >= {"ProcurementLedger"}

    solcx_dir = tmp_path / "solcx"
    version = CompilerConfig.from_ape_config(project).version
    assert link_bridge_for_ape(version, solcx_dir) == solcx_dir / f"solc-v{version}"
    ape = shutil.which("ape", path=str(Path(os.sys.executable).parent)) or "ape"
    env = {**os.environ, "SOLCX_BINARY_PATH": str(solcx_dir), "HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [ape, "compile", "--force"], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0.8.28" in result.stdout + result.stderr  # the pinned compiler, found offline via the bridge

    manifest = json.loads((project / ".build" / "__local__.json").read_text())
    for path in ours:
        artifact = json.loads(path.read_text())
        if artifact["deployedBytecode"] == "0x":
            continue  # interfaces have no code
        ape_runtime = manifest["contractTypes"][artifact["contractName"]]["runtimeBytecode"]["bytecode"]
        assert artifact["deployedBytecode"] == ape_runtime, artifact["contractName"]


def test_changed_source_makes_artifacts_stale(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    out = tmp_path / "artifacts"
    compile_project(project, out)
    assert artifacts_are_current(project, out)
    source = project / "contracts" / "ProcurementLedger.sol"
    source.write_text(source.read_text() + "\n// an edit, however small, is a change\n")
    assert not artifacts_are_current(project, out)


def test_bridge_link_leaves_a_real_compiler_alone(tmp_path: Path) -> None:
    real = tmp_path / "solc-v0.8.28"
    real.write_text("a native solc")
    assert link_bridge_for_ape("0.8.28", tmp_path) is None
    assert real.read_text() == "a native solc"


def test_bridge_link_replaces_a_dangling_link(tmp_path: Path) -> None:
    dangling = tmp_path / "solc-v0.8.28"
    dangling.symlink_to(tmp_path / "removed-checkout" / "solc_bridge.js")
    assert link_bridge_for_ape("0.8.28", tmp_path) == dangling
    assert dangling.resolve() == SOLC_BRIDGE.resolve()
