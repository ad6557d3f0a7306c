"""Compile contracts/ with py-solc-x, using the compiler settings of ape-config.yaml so both paths agree."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
import solcx.wrapper
import yaml

from ledger.chain.toolchain import find_solc
from ledger.errors import ConfigurationError, ToolchainError

CONTRACTS_DIR = "contracts"


@dataclass(frozen=True)
class CompilerConfig:
    """The `solidity:` section of ape-config.yaml, the one place compiler settings are written down."""

    version: str
    evm_version: str
    optimize: bool
    optimization_runs: int
    via_ir: bool
    remappings: tuple[str, ...]

    @classmethod
    def from_ape_config(cls, project_dir: Path) -> CompilerConfig:
        """Read the settings from `project_dir/ape-config.yaml`."""
        path = project_dir / "ape-config.yaml"
        try:
            section = (yaml.safe_load(path.read_text()) or {}).get("solidity") or {}
        except FileNotFoundError as exc:
            raise ConfigurationError(f"{path} is missing; it holds the compiler settings") from exc
        if "version" not in section or "evm_version" not in section:
            raise ConfigurationError(f"{path}: `solidity:` must pin `version` and `evm_version`")
        return cls(
            version=str(section["version"]),
            evm_version=str(section["evm_version"]),
            optimize=bool(section.get("optimize", True)),
            optimization_runs=int(section.get("optimization_runs", 200)),
            via_ir=bool(section.get("via_ir", False)),
            remappings=tuple(section.get("import_remapping", ())),
        )


def standard_json_input(project_dir: Path, config: CompilerConfig) -> dict[str, Any]:
    """The compiler input: every source under contracts/, keyed the way ape-solidity keys them."""
    sources = {
        path.relative_to(project_dir).as_posix(): {"content": path.read_text()}
        for path in sorted((project_dir / CONTRACTS_DIR).rglob("*.sol"))
    }
    if not sources:
        raise ConfigurationError(f"no Solidity sources under {project_dir / CONTRACTS_DIR}")
    settings: dict[str, Any] = {
        "evmVersion": config.evm_version,
        "optimizer": {"enabled": config.optimize, "runs": config.optimization_runs},
        "viaIR": config.via_ir,
        "remappings": list(config.remappings),
        "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}},
    }
    return {"language": "Solidity", "sources": sources, "settings": settings}


def input_fingerprint(compiler_input: dict[str, Any], compiler_version: str) -> str:
    """SHA-256 over the compiler input and version: artifacts with the same fingerprint are up to date."""
    canonical = json.dumps([compiler_version, compiler_input], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def compile_project(project_dir: Path, out_dir: Path) -> list[Path]:
    """Compile every contract under contracts/ and write one artifact per deployable contract."""
    config = CompilerConfig.from_ape_config(project_dir)
    solc = find_solc(project_dir)
    found = str(solcx.wrapper.get_solc_version(solc))
    if found != config.version:
        raise ToolchainError(f"{solc} is solc {found}, but ape-config.yaml pins {config.version}")
    compiler_input = standard_json_input(project_dir, config)
    try:
        output = solcx.compile_standard(
            compiler_input, solc_binary=solc, base_path=str(project_dir), allow_paths=[str(project_dir)]
        )
    except solcx.exceptions.SolcError as exc:
        raise ToolchainError(f"compilation failed:\n{_compiler_errors(exc)}") from exc
    fingerprint = input_fingerprint(compiler_input, config.version)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source_id, contracts in output["contracts"].items():
        if not source_id.startswith(f"{CONTRACTS_DIR}/"):
            continue  # libraries pulled in through imports are compiled into ours, not deployed alone
        for name, compiled in contracts.items():
            artifact = {
                "contractName": name,
                "sourceId": source_id,
                "compiler": {"version": config.version, "settings": compiler_input["settings"]},
                "inputFingerprint": fingerprint,
                "abi": compiled["abi"],
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
                "metadata": compiled["metadata"],
            }
            path = out_dir / f"{name}.json"
            path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
            written.append(path)
    for stale in set(out_dir.glob("*.json")) - set(written):  # contracts that were removed or renamed
        stale.unlink()
    return written


def artifacts_are_current(project_dir: Path, out_dir: Path) -> bool:
    """Whether the artifacts in `out_dir` were built from today's sources and settings."""
    try:
        config = CompilerConfig.from_ape_config(project_dir)
        expected = input_fingerprint(standard_json_input(project_dir, config), config.version)
        artifacts = list(out_dir.glob("*.json"))
        return bool(artifacts) and all(
            json.loads(path.read_text()).get("inputFingerprint") == expected for path in artifacts
        )
    except (ConfigurationError, json.JSONDecodeError):
        return False


def _compiler_errors(exc: solcx.exceptions.SolcError) -> str:
    # The compiler's JSON holds the readable messages; the exception's own text embeds the whole output.
    try:
        errors = json.loads(exc.stdout_data or "")["errors"]
        return "\n".join(error["formattedMessage"] for error in errors if error["severity"] == "error")
    except (ValueError, KeyError, TypeError):
        return exc.stderr_data or exc.message.splitlines()[0]
