"""Slither static analysis of contracts/, offline; `make slither` runs it and `make test` runs that.

Compiles with the npm-pinned forge (`forge build --use <solc>`: a native solc when there is one, else the
solc-js bridge, as ledger/chain/toolchain.py chooses), then runs slither on forge's build info with
slither.config.json (OpenZeppelin and test harnesses left out, informational and optimization checks off).
Exits 1 on any High or Medium finding, lists Low ones without failing, and exits 2 when it cannot run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.chain import toolchain
from ledger.errors import ToolchainError

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORGE = PROJECT_DIR / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
FAILING = ("High", "Medium")
SUPPRESS_HINT = "// slither-disable-next-line <check>"


class SetupError(Exception):
    """Slither could not run at all (missing tool, compile error); not a finding."""


def find_solc() -> Path:
    """The compiler ledger/chain/toolchain.py chooses, as a setup error when there is none."""
    try:
        return toolchain.find_solc(PROJECT_DIR)
    except ToolchainError as error:
        raise SetupError(str(error)) from error


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)


def analyse() -> list[dict[str, Any]]:
    """Build with forge, run slither, and return its detector results (already scoped by the config)."""
    if not FORGE.is_file():
        raise SetupError(f"forge is missing ({FORGE.relative_to(PROJECT_DIR)}); run `make install` (it runs npm ci)")
    if {"lib", "node_modules"} & set(PROJECT_DIR.parts):
        raise SetupError(
            f"{PROJECT_DIR} lies inside a folder named lib or node_modules: slither would take contracts/ for "
            "dependency code and hide its findings; run from a checkout elsewhere"
        )
    solc = find_solc()
    # crytic-compile runs `forge config --json` itself, so forge must be on its PATH.
    env = {**os.environ, "PATH": f"{FORGE.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    print(f"slither: compiling contracts/ with forge and {solc.name}, then analysing…", flush=True)

    build = _run([str(FORGE), "build", "--offline", "--build-info", "--force", "--use", str(solc)], env)
    if build.returncode != 0:
        raise SetupError(f"forge build failed; fix the compile errors first:\n{build.stdout}{build.stderr}")

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "slither.json"  # slither never overwrites an existing file, so a fresh one
        # -P: the slither package, never a slither.py in the working directory
        command = [sys.executable, "-P", "-m", "slither", ".", "--config-file", "slither.config.json"]
        result = _run([*command, "--json", str(report)], env)
        if not report.is_file():
            raise SetupError(f"slither did not run (exit {result.returncode}):\n{result.stderr[-4000:]}")
        output = json.loads(report.read_text())
    if not output.get("success"):
        raise SetupError(f"slither failed: {output.get('error')}\n{result.stderr[-4000:]}")
    detectors: list[dict[str, Any]] = output.get("results", {}).get("detectors", [])
    return detectors


def _describe(finding: dict[str, Any]) -> str:
    lines = str(finding["description"]).strip().replace("\t", "  ").splitlines()
    head = f"  - {finding['impact']} {finding['check']} (confidence {finding['confidence']}): "
    return head + "\n      ".join(lines)


def main() -> int:
    started = time.monotonic()
    try:
        findings = analyse()
    except SetupError as error:
        print(f"slither: could not analyse: {error}")
        return 2
    elapsed = f"{time.monotonic() - started:.1f} s"
    failing = [f for f in findings if f["impact"] in FAILING]
    low = [f for f in findings if f["impact"] == "Low"]

    if low:
        print(f"slither: {len(low)} Low finding(s), not failing the build; fix each, or justify it in a comment")
        print(f"  in the Solidity with `{SUPPRESS_HINT}` on the line before it:")
        print("\n".join(_describe(f) for f in low))
    if failing:
        print(f"slither: FAILED, {len(failing)} High/Medium finding(s) in contracts/ ({elapsed}):")
        print("\n".join(_describe(f) for f in failing))
        print("Next: fix them. Only for a proven false positive: a comment saying why, plus")
        print(f"`{SUPPRESS_HINT}` on the line before it. Then rerun `make slither`.")
        return 1
    print(f"slither: passed, no High or Medium findings in contracts/ ({len(low)} Low; {elapsed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
