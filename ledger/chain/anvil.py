"""The embedded dev chain: anvil with its state on disk, so a restart keeps every block, hash and log."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from web3 import HTTPProvider, Web3

from ledger.errors import ToolchainError

DEV_CHAIN_ID = 31337
_PR_SET_PDEATHSIG = 1  # prctl option: signal to receive when the parent thread exits


def _die_with_parent() -> None:
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


class AnvilProcess:
    """Starts and stops one anvil; the state file is written every second and on shutdown."""

    def __init__(self, binary: Path, port: int, state_file: Path, chain_id: int = DEV_CHAIN_ID) -> None:
        self.binary = binary
        self.port = port
        self.state_file = state_file
        self.chain_id = chain_id
        self.log_file = state_file.with_name("anvil.log")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def rpc_url(self) -> str:
        """Where this anvil answers JSON-RPC."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start anvil and wait until it answers; refuse a port someone else holds."""
        if port_is_open(self.port):
            raise ToolchainError(
                f"port {self.port} is already in use; stop what listens there or choose another port with "
                "PROCLEDGER_CHAIN_PORT (and PROCLEDGER_DATA_DIR for a second, separate chain)"
            )
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.binary),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--state", str(self.state_file),
            "--state-interval", "1",
        ]  # fmt: skip
        with self.log_file.open("ab") as log:
            # Its own session, so a terminal's Ctrl-C reaches only us and we stop the chain after its readers;
            # and on Linux it dies with us, so a crashed `procledger up` leaves no orphan chain behind.
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
            )
        deadline = time.monotonic() + timeout
        w3 = Web3(HTTPProvider(self.rpc_url, request_kwargs={"timeout": 1}))
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ToolchainError(f"anvil exited with code {self._process.returncode}; see {self.log_file}")
            if port_is_open(self.port) and w3.is_connected():
                return
            time.sleep(0.05)
        self.stop()
        raise ToolchainError(f"anvil did not answer on port {self.port} within {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop anvil gracefully (it writes its state on the way out), killing it only if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Kill anvil without letting it save: what a crash or power loss does."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> AnvilProcess:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
