"""`procledger up` serves the demo end to end, stops cleanly on Ctrl-C, and reuses its data when run again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ledger.chain.accounts import derive_account
from ledger.chain.anvil import port_is_open
from ledger.chain.ledger_contract import reference
from ledger.demo import DEMO_PROCESSES, MILESTONES, ORGANISATIONS
from ledger.settings import Settings
from tests.helpers import PROJECT_DIR, free_port


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from ledger.cli import main; main()", "up"],
            cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait_for_process(base: str, ocid: str, up: subprocess.Popen[bytes], log: Path) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert up.poll() is None, log.read_text()
        try:
            response = httpx.get(f"{base}/processes/{ocid}", timeout=2)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the demo process never appeared:\n{log.read_text()}")


def _interrupt(up: subprocess.Popen[bytes], log: Path) -> None:
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0, log.read_text()


@contextmanager
def _stopped_on_failure(up: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """`up`, stopped (with its chain) if the test fails before it interrupts it: no anvil outlives a failure."""
    try:
        yield up
    finally:
        if up.poll() is None:
            up.send_signal(signal.SIGINT)
            try:
                up.wait(timeout=30)
            except subprocess.TimeoutExpired:
                up.kill()


def test_up_serves_demo_then_restarts_on_the_same_data(tmp_path: Path, built: None) -> None:
    chain_port, api_port = free_port(), free_port()
    env = {
        **os.environ,
        "PROCLEDGER_DATA_DIR": str(tmp_path / "data"),
        "PROCLEDGER_CHAIN_PORT": str(chain_port),
        "PROCLEDGER_API_PORT": str(api_port),
        "COLUMNS": "80",  # a narrow terminal: the printed tokens must still be whole
    }
    base, ocid, log = f"http://127.0.0.1:{api_port}", DEMO_PROCESSES[0].ocid, tmp_path / "up.log"

    with _stopped_on_failure(_start(env, log)) as up:
        first = _wait_for_process(base, ocid, up, log)
        health = httpx.get(f"{base}/health").json()
        assert health["status"] == "ok" and health["chains"][0]["chain_id"] == 31337
        assert first["title"]["sha256"] == "0x" + DEMO_PROCESSES[0].doc_hash.hex()
        assert first["title"]["title"] == DEMO_PROCESSES[0].title and first["buyer"]["name"]
        _the_printed_finance_token_reaches_the_write_gateway(base, log.read_text())
        _interrupt(up, log)
    assert not port_is_open(chain_port) and not port_is_open(api_port)
    assert "demo data: 3 new process(es)" in log.read_text()
    keys = [derive_account(Settings(), org.account_index).key.hex().removeprefix("0x") for org in ORGANISATIONS]
    assert not [key for key in keys if key in log.read_text()]  # the keystores' keys are never printed

    with _stopped_on_failure(_start(env, log)) as up:
        again = _wait_for_process(base, ocid, up, log)
        _interrupt(up, log)
    assert again == first  # same chain history, same mirror: nothing redeployed or recreated
    assert log.read_text().count("contracts reused") == 1
    assert "demo data: 0 new process(es)" in log.read_text()


def _the_printed_finance_token_reaches_the_write_gateway(base: str, log: str) -> None:
    """The token `up` printed for the finance bureau authenticates, and its payment is pre-flighted as the bureau's
    keystore account: the demo's second quarter is not accepted yet, so the contract's refusal comes back decoded."""
    [row] = [line for line in log.splitlines() if line.startswith("  finance ") and "plt_" in line]
    token = re.findall(r"plt_[A-Za-z0-9_-]{43}", row)[0]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "up-1"}
    assert httpx.get(f"{base}/writes/1", headers=headers).status_code == 404
    q2, payee = "0x" + reference(MILESTONES[1]).hex(), "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    body = {"ocid": DEMO_PROCESSES[1].ocid, "payment_ref": "TV-UP-1", "milestone_id": q2, "amount": 100,
            "payee": payee, "voucher_sha256": "0x" + "ab" * 32}  # fmt: skip
    refused = httpx.post(f"{base}/payments", json=body, headers=headers, timeout=30)
    assert refused.status_code == 409 and refused.json()["revert"]["name"] == "PaymentMilestoneNotAccepted", (
        refused.text
    )
