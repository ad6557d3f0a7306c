"""Every `procledger` command, run the way a person runs it, on its happy path and on the way it fails.

Happy paths go through Typer's CliRunner with the settings in the environment, as a shell would set them.
Failure paths run the real entry point in a subprocess: what counts there is what `main()` makes of the error,
exit code 1 and one "error: ..." line that says what to do next, never a traceback. `chain` and `serve` run until
Ctrl-C, so they run as subprocesses too and get a SIGINT. `up`'s happy path is tests/test_up.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text
from typer.main import get_command
from web3 import Web3

from ledger.chain.anvil import AnvilProcess, port_is_open
from ledger.chain.deployment import LEDGER, Deployment
from ledger.cli import app
from ledger.demo import DEMO_PROCESSES
from ledger.settings import Settings
from ledger.store.database import make_engine
from tests.helpers import PROJECT_DIR, free_port
from tests.verify.folder import write_demo_documents

PAID = DEMO_PROCESSES[1]  # the single-source process: awarded, contracted, delivered, accepted and paid
MAIN = [sys.executable, "-c", "from ledger.cli import main; main()"]


def _environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The PROCLEDGER_ variables that point a command at this test's data directory and ports."""
    return {
        "PROCLEDGER_DATA_DIR": str(settings.data_dir),
        "PROCLEDGER_CHAIN_PORT": str(settings.chain_port),
        "PROCLEDGER_API_PORT": str(settings.api_port),
        "COLUMNS": "300",  # rich wraps at 80 columns when not on a terminal
        **extra,
    }


def _invoke(settings: Settings, *args: str, **extra: str) -> Result:
    result = CliRunner(mix_stderr=False).invoke(get_command(app), list(args), env=_environment(settings, **extra))
    assert result.exit_code == 0, f"{result.stdout}{result.stderr}{result.exception!r}"
    return result


def _fails(settings: Settings, *args: str, **extra: str) -> str:
    """Run `procledger ARGS` as a user would, expect it to fail cleanly, and return its error line."""
    return _failed(settings, *args, **extra)[0]


def _failed(settings: Settings, *args: str, **extra: str) -> tuple[str, str]:
    """Run `procledger ARGS` as a user would, expect it to fail cleanly; its error line and what it printed."""
    done = subprocess.run(
        [*MAIN, *args], env={**os.environ, **_environment(settings, **extra)}, cwd=PROJECT_DIR,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    return errors[0], done.stdout


def _start(settings: Settings, log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*MAIN, *args], env={**os.environ, **_environment(settings)}, cwd=PROJECT_DIR,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if ready():
            return
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"not ready within {timeout}s:\n{log.read_text()}")


def _interrupt(process: subprocess.Popen[bytes], log: Path) -> str:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0, log.read_text()
    return log.read_text()


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.fixture
def deployed(settings: Settings, anvil: AnvilProcess) -> Deployment:
    """The contracts deployed on this test's chain by `procledger deploy`."""
    _invoke(settings, "deploy")
    deployment = Deployment.load(settings.deployment_file)
    assert deployment is not None
    return deployment


# config


def test_config_shows_each_setting_with_its_environment_variable(settings: Settings) -> None:
    output = _invoke(settings, "config").stdout
    assert "PROCLEDGER_DATA_DIR" in output and str(settings.data_dir) in output
    assert "test test test" not in output  # the mnemonic is masked


def test_config_json_is_the_effective_settings(settings: Settings) -> None:
    shown = json.loads(_invoke(settings, "config", "--json").stdout)
    assert shown["data_dir"] == str(settings.data_dir)
    assert shown["chain_port"] == settings.chain_port
    assert shown["mnemonic"] == "********"


def test_config_names_the_variable_holding_a_bad_value(settings: Settings) -> None:
    assert _fails(settings, "config", PROCLEDGER_CHAIN_PORT="0") == (
        "error: PROCLEDGER_CHAIN_PORT: Input should be greater than or equal to 1; fix the environment variable "
        "(see `procledger config`)"
    )


# toolchain, build


def test_toolchain_shows_the_compiler_and_the_chain_binary(settings: Settings) -> None:
    output = _invoke(settings, "toolchain").stderr
    assert "solc: " in output and "ape-config.yaml pins" in output
    assert "anvil: " in output and "anvil" in output.split("anvil: ")[1]


def test_toolchain_says_how_to_fix_a_compiler_path_that_is_not_a_file(settings: Settings, tmp_path: Path) -> None:
    error = _fails(settings, "toolchain", PROCLEDGER_SOLC=str(tmp_path / "solc"))
    assert error.startswith(f"error: PROCLEDGER_SOLC points at {tmp_path / 'solc'}, which is not a file; point it")


def test_build_leaves_current_artifacts_alone(settings: Settings, built: None) -> None:
    assert f"artifacts already current: {settings.artifacts_dir}" in _invoke(settings, "build").stderr


def test_build_outside_a_project_says_what_is_missing(settings: Settings, tmp_path: Path) -> None:
    error = _fails(settings, "build", PROCLEDGER_PROJECT_DIR=str(tmp_path))
    assert error.startswith(f"error: {tmp_path / 'ape-config.yaml'} is missing")


# chain


def test_chain_runs_until_ctrl_c_and_keeps_its_state(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "chain.log"
    chain = _start(settings, log, "chain")
    _wait_until(lambda: Web3(Web3.HTTPProvider(settings.rpc_url)).is_connected(), chain, log)
    _wait_until(lambda: "Ctrl-C stops it" in log.read_text(), chain, log)  # what a person waits for
    output = _interrupt(chain, log)
    assert f"chain running at {settings.rpc_url}" in output
    assert "chain stopped; its state is saved" in output
    assert not port_is_open(settings.chain_port)
    assert json.loads(settings.chain_state_file.read_text())  # anvil's dump, written on the way out


def test_chain_refuses_a_port_already_taken(settings: Settings, held_port: int) -> None:
    error = _fails(settings, "chain", PROCLEDGER_CHAIN_PORT=str(held_port))
    assert error.startswith(f"error: port {held_port} is already in use; stop what listens there or choose another")


# deploy


def test_deploy_records_the_contracts_then_reuses_them(settings: Settings, anvil: AnvilProcess, w3: Web3) -> None:
    first = _invoke(settings, "deploy").stderr
    deployment = Deployment.load(settings.deployment_file)
    assert deployment is not None
    address = deployment.address_of(LEDGER)
    assert f"{LEDGER} deployed at {address}" in first
    assert w3.eth.get_code(Web3.to_checksum_address(address))
    again = _invoke(settings, "deploy").stderr
    assert f"{LEDGER} already deployed at {address}" in again
    assert f"recorded in {settings.deployment_file}" in again


def test_deploy_force_deploys_anew(settings: Settings, deployed: Deployment) -> None:
    output = _invoke(settings, "deploy", "--force").stderr
    redeployed = Deployment.load(settings.deployment_file)
    assert redeployed is not None and redeployed.address_of(LEDGER) != deployed.address_of(LEDGER)
    assert f"{LEDGER} deployed at {redeployed.address_of(LEDGER)}" in output


def test_deploy_without_a_chain_says_to_start_one(settings: Settings, built: None) -> None:
    assert _fails(settings, "deploy") == (
        f"error: no JSON-RPC node answers at {settings.rpc_url}; start the embedded chain with `procledger chain` "
        "(or `procledger up`), or point PROCLEDGER_RPC_URL at a running node"
    )


# seed, migrate, index, reindex


def test_seed_creates_the_demo_processes_once(settings: Settings, deployed: Deployment) -> None:
    assert "3 demo process(es) created" in _invoke(settings, "seed").stderr
    assert "0 demo process(es) created" in _invoke(settings, "seed").stderr


@pytest.mark.parametrize("command", ["seed", "index", "reindex"])
def test_commands_needing_contracts_say_to_deploy_first(command: str, settings: Settings, anvil: AnvilProcess) -> None:
    assert _fails(settings, command) == f"error: nothing is deployed from {settings.data_dir}; run `procledger deploy`"


def test_migrate_creates_the_schema(settings: Settings) -> None:
    assert "database schema is current" in _invoke(settings, "migrate").stderr
    assert "checkpoints" in inspect(make_engine(settings.database_url)).get_table_names()
    assert "database schema is current" in _invoke(settings, "migrate").stderr


def test_migrate_without_a_database_says_to_start_one(settings: Settings) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/ledger"
    error = _fails(settings, "migrate", PROCLEDGER_DATABASE_URL=url)
    assert error.startswith(f"error: the database at {url} did not answer (")
    assert error.endswith("start it, or point PROCLEDGER_DATABASE_URL at one that runs")


def test_index_mirrors_new_blocks_then_says_it_is_up_to_date(
    settings: Settings, deployed: Deployment, w3: Web3
) -> None:
    _invoke(settings, "seed")
    head = w3.eth.block_number
    first = _invoke(settings, "index").stderr
    assert f"indexed blocks {deployed.start_block}-{head}: " in first
    assert int(first.split(": ")[-1].split(" event")[0]) > 0
    assert _invoke(settings, "index").stderr.strip().endswith(f"already up to date at block {head}")


def test_index_follow_keeps_up_until_ctrl_c(settings: Settings, deployed: Deployment, tmp_path: Path) -> None:
    log = tmp_path / "index.log"
    follow = _start(settings, log, "index", "--follow")
    _wait_until(lambda: "following new blocks; Ctrl-C stops" in log.read_text(), follow, log)
    _interrupt(follow, log)


def test_reindex_rebuilds_the_same_events(settings: Settings, deployed: Deployment, w3: Web3) -> None:
    _invoke(settings, "seed")
    indexed = _invoke(settings, "index").stderr.strip().split(": ")[-1]
    rebuilt = _invoke(settings, "reindex").stderr
    assert f"rebuilt blocks {deployed.start_block}-{w3.eth.block_number}: {indexed}" in rebuilt


def test_reindex_first_says_what_it_is_about_to_repair(settings: Settings, mirrored: Deployment) -> None:
    clean = _invoke(settings, "reindex")
    assert "consistent" in clean.stdout and "the mirror matches the chain; rebuilding it anyway" in clean.stderr
    _tamper(settings, "update payments set amount = 1")
    repaired = _invoke(settings, "reindex")
    assert "about to repair 1 difference(s) listed above, from the chain" in repaired.stderr
    assert re.search(r"payments .* amount +│ 10500000 +│ 1 +│ 0x[0-9a-f]{64}:\d+", repaired.stdout), repaired.stdout
    assert "consistent" in _invoke(settings, "audit", "--all").stdout


# verify, audit


@pytest.fixture
def mirrored(settings: Settings, deployed: Deployment) -> Deployment:
    """The demo on chain and mirrored into the test's SQLite database."""
    _invoke(settings, "seed")
    _invoke(settings, "index")
    return deployed


def _tamper(settings: Settings, sql: str) -> None:
    engine = make_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()


def test_verify_process_prints_the_replayed_state_and_checks_the_documents(
    settings: Settings, mirrored: Deployment, tmp_path: Path
) -> None:
    files = write_demo_documents(tmp_path / "documents")
    shown = _invoke(settings, "verify", "process", PAID.ocid, "--documents", str(tmp_path / "documents")).stdout
    assert f"process {PAID.ocid}, replayed from the chain" in shown
    assert re.search(r"stage +│ implementation +│ 0x[0-9a-f]{64}:\d+", shown), shown
    assert "stages: planning → awarded → contracted → implementation" in shown
    assert all(name in shown for name in files)
    assert re.search(rf"verified: {PAID.ocid} replayed from \d+ event\(s\) up to block \d+; every invariant "
                     rf"holds; {len(files)} document\(s\) match their anchored roots", shown), shown  # fmt: skip


def test_verify_process_names_a_document_whose_bytes_changed(
    settings: Settings, mirrored: Deployment, tmp_path: Path
) -> None:
    folder = tmp_path / "documents"
    name = sorted(write_demo_documents(folder))[0]
    (folder / name).write_bytes((folder / name).read_bytes() + b" ")
    error = _fails(settings, "verify", "process", PAID.ocid, "--documents", str(folder))
    leaf = r"\(leaf 0 of root 0x[0-9a-f]{64}\)"
    assert re.fullmatch(rf"error: expected {name} to have SHA-256 0x[0-9a-f]{{64}} {leaf}, got 0x[0-9a-f]{{64}}", error)


def test_verify_process_of_an_ocid_the_chain_never_created_says_so(settings: Settings, mirrored: Deployment) -> None:
    error = _fails(settings, "verify", "process", "ocds-pl0001-2026-9999")
    assert error.startswith("error: expected a ProcessCreated event with process id 0x")
    assert error.endswith("got none: no such process on this chain")


def test_audit_of_a_faithful_mirror_is_consistent_for_one_process_and_for_all(
    settings: Settings, mirrored: Deployment
) -> None:
    assert re.search(
        r"audit of 1 process\(es\), \d+ row\(s\) .*: consistent", _invoke(settings, "audit", PAID.ocid).stdout
    )
    every = _invoke(settings, "audit", "--all").stdout
    assert re.search(r"audit of 3 process\(es\), \d+ row\(s\) from \d+ event\(s\) up to block \d+ in [\d.]+ s: "
                     r"consistent", every), every  # fmt: skip


def test_audit_of_a_tampered_mirror_lists_each_difference_and_fails(settings: Settings, mirrored: Deployment) -> None:
    _tamper(settings, "update processes set stage = 'completed' where ocid = '" + PAID.ocid + "'")
    error, shown = _failed(settings, "audit", PAID.ocid)
    assert error == (
        "error: expected the mirror to match the chain, got 1 difference(s) (listed above); "
        "`procledger reindex` rebuilds the mirror from the chain"
    )
    row = r"processes +│ process_id=0x[0-9a-f]{64} +│ stage +│ implementation +│ completed +│ 0x[0-9a-f]{64}:\d+"
    assert re.search(row, shown), shown
    assert "INCONSISTENT: 1 difference(s)" in _failed(settings, "audit", "--all")[1]


def test_audit_wants_an_ocid_or_all(settings: Settings) -> None:
    assert _fails(settings, "audit") == (
        "error: give an ocid or --all (not both): `procledger audit OCID` or `procledger audit --all`"
    )


# serve, up


def _answers(url: str) -> Callable[[], bool]:
    """Whether `url` answers 200 yet."""

    def answered() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    return answered


def test_serve_answers_until_ctrl_c(settings: Settings, tmp_path: Path) -> None:
    log, base = tmp_path / "serve.log", f"http://127.0.0.1:{settings.api_port}"
    serve = _start(settings, log, "serve")
    _wait_until(_answers(f"{base}/health"), serve, log)
    assert httpx.get(f"{base}/health").json() == {
        "status": "ok",
        "database": "ok",
        "chains": [],
        "reorgs": 0,
        "last_reorg_at": None,
    }
    assert f"serving http://127.0.0.1:{settings.api_port}" in _interrupt(serve, log)
    assert not port_is_open(settings.api_port)


def test_serve_with_workers_answers_from_that_many_processes_until_ctrl_c(settings: Settings, tmp_path: Path) -> None:
    log, base = tmp_path / "serve.log", f"http://127.0.0.1:{settings.api_port}"
    serve = _start(settings, log, "serve", "--workers", "2")
    _wait_until(_answers(f"{base}/livez"), serve, log)
    _wait_until(lambda: len(_workers(serve.pid)) == 2, serve, log)
    workers = _workers(serve.pid)
    assert all(httpx.get(f"{base}/processes").status_code == 200 for _ in range(20))
    assert f"serving http://127.0.0.1:{settings.api_port} with 2 worker processes" in _interrupt(serve, log)
    assert not port_is_open(settings.api_port)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def _workers(pid: int) -> list[int]:
    """The live server processes `pid` started (multiprocessing's spawned children, not its resource tracker)."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    children = [child for task in tasks for child in (task / "children").read_text().split()]
    return [int(child) for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_serve_with_no_workers_is_refused(settings: Settings) -> None:
    done = subprocess.run(
        [*MAIN, "serve", "--workers", "0"], env={**os.environ, **_environment(settings)}, cwd=PROJECT_DIR,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Invalid value for '--workers'" in done.stderr
    assert not port_is_open(settings.api_port)


@pytest.mark.parametrize("command", ["serve", "up"])
def test_serving_on_a_taken_port_says_to_choose_another(command: str, settings: Settings, held_port: int) -> None:
    assert _fails(settings, command, PROCLEDGER_API_PORT=str(held_port)) == (
        f"error: port {held_port} on 127.0.0.1 is already in use (another `procledger serve`?); stop what listens "
        "there or choose another port with PROCLEDGER_API_PORT"
    )
    assert not port_is_open(settings.chain_port)  # `up` gave up before starting a chain
