"""Where the native tools come from: a native solc when there is one, else the solc-js bridge; anvil from npm."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ledger.errors import ToolchainError

SOLC_BRIDGE = Path(__file__).with_name("solc_bridge.js")
_NPM_HINT = "run `npm ci` in the project directory (or `make demo`, which does it)"


def find_solc(project_dir: Path) -> Path:
    """The compiler to use: $PROCLEDGER_SOLC, then a native `solc` on PATH, then the solc-js bridge."""
    explicit = os.environ.get("PROCLEDGER_SOLC")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ToolchainError(
                f"PROCLEDGER_SOLC points at {path}, which is not a file; point it at a solc binary, or unset it to "
                "use a solc on PATH or the project's solc-js"
            )
        return path
    native = shutil.which("solc")
    if native and not _is_solc_select_shim(Path(native)):
        return Path(native)
    if not (project_dir / "node_modules" / "solc").is_dir():
        raise ToolchainError(f"no Solidity compiler: solc-js is not installed; {_NPM_HINT}")
    return SOLC_BRIDGE


def find_anvil(project_dir: Path) -> Path:
    """The anvil binary: $PROCLEDGER_ANVIL, the npm package's, or one on PATH."""
    explicit = os.environ.get("PROCLEDGER_ANVIL")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(project_dir / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil")
    on_path = shutil.which("anvil")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ToolchainError(f"anvil was not found; {_NPM_HINT}")


def link_bridge_for_ape(version: str, solcx_dir: Path | None = None) -> Path | None:
    """Expose the bridge where ape-solidity looks for solc `version` (~/.solcx/solc-v<version>).

    A working compiler already there (native, or another checkout's bridge) is left alone. Returns the path
    made, or None when nothing changed.
    """
    target_dir = solcx_dir or Path(os.environ.get("SOLCX_BINARY_PATH", Path.home() / ".solcx"))
    target = target_dir / f"solc-v{version}"
    if target.exists():
        return None
    target_dir.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():  # dangling: the checkout it pointed into is gone
        target.unlink()
    target.symlink_to(SOLC_BRIDGE.resolve())
    return target


def _is_solc_select_shim(path: Path) -> bool:
    # solc-select (installed with slither) puts a `solc` script in the venv that tries to download compilers.
    with path.open("rb") as file:
        return b"solc_select" in file.read(4096)
