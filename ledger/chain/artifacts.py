"""Compiled contract artifacts as the rest of the code needs them: ABI and bytecode by contract name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import ConfigurationError


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str


def load_artifact(artifacts_dir: Path, name: str) -> Artifact:
    """Read `name`'s artifact, or say how to build it."""
    path = artifacts_dir / f"{name}.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigurationError(f"no compiled artifact {path}; run `procledger build`") from exc
    return Artifact(name, data["abi"], data["bytecode"], data["deployedBytecode"])
