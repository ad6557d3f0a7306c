"""Loading a benchmark script (scripts/bench/*.py is not a package) as a module, to call its main() in-process."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.helpers import PROJECT_DIR


def load_bench_script(name: str) -> ModuleType:
    """scripts/bench/`name`.py as a module named `<name>_bench`."""
    spec = importlib.util.spec_from_file_location(f"{name}_bench", PROJECT_DIR / "scripts" / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def run_bench_script(name: str, out: Path, *argv: str) -> dict[str, Any]:
    """Run scripts/bench/`name`.py in-process with `argv --out out`; the JSON it wrote, once it exited 0."""
    code = load_bench_script(name).main([*argv, "--out", str(out)])
    loaded: dict[str, Any] = json.loads(out.read_text())
    assert code == 0, loaded["checks"]
    return loaded
