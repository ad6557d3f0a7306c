"""`procledger accept`, and `pay`/`accept` against a remote gateway, run as a user runs them.

Locally they sign with the organisation's keystore through this data directory's outbox. Remotely they post to a
real gateway (uvicorn in a thread, its submitter in another) over HTTP and follow the write to confirmation.
Happy paths through Typer's CliRunner; failure paths through the real entry point in a subprocess.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from pydantic import SecretStr

from api.app import create_app
from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.chain.setup import open_ledger
from ledger.cli_submit import build_submitter
from ledger.demo import DELIVERY, MILESTONES, SUPPLIER_A
from ledger.gateway.actions import payment_id_of
from ledger.settings import Settings
from ledger.store.database import make_engine
from tests.helpers import free_port
from tests.test_cli import _fails, deployed  # noqa: F401  (fixture)
from tests.test_cli_gateway import OCID, SECRET, _run

Q2, Q3 = MILESTONES[1], MILESTONES[2]
ACCEPTED = 3  # MilestoneState.Accepted


def _configured(settings: Settings) -> Settings:
    """The test's settings with the keystores' passphrase, as `seed` made them."""
    secret = SecretStr(SECRET["PROCLEDGER_KEYSTORE_PASSPHRASE"])
    return settings.model_copy(update={"keystore_passphrase": secret, "keystore_scrypt_n": 1024})


def _demo_with_delivery(settings: Settings, milestone: str) -> LedgerContract:
    """The demo seeded and mirrored, with `milestone` delivered by its supplier; returns the ledger."""
    _run(settings, "seed")
    ledger = open_ledger(settings, connect(settings.rpc_url))
    supplier = ledger.sender(derive_account(settings, SUPPLIER_A.account_index))
    report = hashlib.sha256(f"delivery of {milestone}".encode()).digest()
    ledger.send(supplier, "recordMilestone", process_id_of(OCID), reference(milestone), DELIVERY, report)
    _run(settings, "index")
    return ledger


def _file(settings: Settings, name: str, text: str) -> str:
    path = settings.data_dir.parent / name
    path.write_text(text)
    return str(path)


def _milestone_state(ledger: LedgerContract, milestone: str) -> int:
    return int(ledger.call("milestoneOf", process_id_of(OCID), reference(milestone))[2])


@contextmanager
def _gateway(settings: Settings) -> Iterator[str]:
    """A running gateway over the test's data directory: the API on a free port and its submitter; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    engine = make_engine(settings.database_url)
    submitter = build_submitter(settings, connect(settings.rpc_url), engine)
    stop = threading.Event()
    threads = [threading.Thread(target=server.run), threading.Thread(target=submitter.run, args=(stop, 0.1))]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        engine.dispose()


# locally


def test_accept_records_a_delivered_milestone_once_with_the_purchasers_keystore(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    ledger = _demo_with_delivery(_configured(settings), Q2)
    report = _file(settings, "acceptance.txt", "Acceptance report: Q2 maintenance accepted.")
    args = ["accept", OCID, "--milestone", Q2, "--doc", report, "--as", "purchaser"]
    first = _run(settings, *args).stderr
    milestone_id = "0x" + reference(Q2).hex()
    assert f"write 1 queued (milestone id {milestone_id}, report 0x" in first
    assert f"acceptance of milestone {Q2}: confirmed in transaction 0x" in first
    again = _run(settings, *args).stderr  # the same command again: the same write, accepted once
    assert "write 1 already accepted" in again and f"acceptance of milestone {Q2}: confirmed" in again
    assert _milestone_state(ledger, Q2) == ACCEPTED


def test_accept_of_a_milestone_not_delivered_explains_the_contracts_refusal(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    report = _file(settings, "acceptance.txt", "Acceptance report: Q3")
    error = _fails(settings, "accept", OCID, "--milestone", Q3, "--doc", report, "--as", "purchaser", **SECRET)
    assert error.startswith("error: recordMilestone reverted: MilestoneNotDelivered(processId=0x")
    assert f"milestoneId=0x{reference(Q3).hex()}" in error


def test_accept_without_an_organisation_or_a_gateway_says_how_to_name_one(settings: Settings) -> None:
    report = _file(settings, "acceptance.txt", "Acceptance report")
    error = _fails(settings, "accept", OCID, "--milestone", Q2, "--doc", report)
    assert error.startswith("error: say which organisation writes: --as ORG")


def test_a_remote_write_to_a_gateway_nobody_runs_says_to_check_the_url(settings: Settings) -> None:
    report = _file(settings, "acceptance.txt", "Acceptance report")
    url = f"http://127.0.0.1:{free_port()}"
    error = _fails(settings, "accept", OCID, "--milestone", Q2, "--doc", report, "--gateway", url, "--token", "plt_x")
    assert error.startswith(f"error: cannot reach the write gateway at {url}")
    assert "--gateway or PROCLEDGER_GATEWAY_URL" in error


# through a remote gateway


def test_accept_then_pay_through_a_remote_gateway_and_its_refusals_read_like_local_ones(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    configured = _configured(settings)
    ledger = _demo_with_delivery(configured, Q2)
    purchaser = _run(settings, "tokens", "create", "purchaser").stdout.strip()
    finance = _run(settings, "tokens", "create", "finance").stdout.strip()
    report = _file(settings, "acceptance.txt", "Acceptance report: Q2 maintenance accepted.")
    voucher = _file(settings, "voucher.txt", "Treasury voucher TV-REMOTE-1")
    payee = str(derive_account(configured, SUPPLIER_A.account_index).address)

    def pay(ref: str, milestone: str) -> list[str]:
        return ["pay", OCID, "--amount", "100", "--payee", payee, "--voucher", voucher, "--ref", ref, "--milestone",
                milestone]  # fmt: skip

    with _gateway(configured) as url:
        accepted = _run(settings, "accept", OCID, "--milestone", Q2, "--doc", report, "--gateway", url,
                        "--token", purchaser, PROCLEDGER_POLL_INTERVAL="0.1").stderr  # fmt: skip
        assert "write 1 queued (milestone id 0x" in accepted and "only its SHA-256 went to the gateway" in accepted
        assert f"acceptance of milestone {Q2}: confirmed in transaction 0x" in accepted
        assert _milestone_state(ledger, Q2) == ACCEPTED

        remote = {"PROCLEDGER_GATEWAY_URL": url, "PROCLEDGER_GATEWAY_TOKEN": finance, "PROCLEDGER_POLL_INTERVAL": "0.1"}
        paid = _run(settings, *pay("TV-REMOTE-1", Q2), **remote).stderr  # the gateway from the environment
        assert "write 2 queued (payment id 0x" in paid and "payment TV-REMOTE-1: confirmed in transaction 0x" in paid
        again = _run(settings, *pay("TV-REMOTE-1", Q2), **remote).stderr
        assert "write 2 already accepted" in again
        assert ledger.call("paymentRecorded", process_id_of(OCID), payment_id_of("TV-REMOTE-1")) is True

        refused = _fails(settings, *pay("TV-REMOTE-2", Q3), **remote)
        assert refused.startswith("error: recordPayment reverted: PaymentMilestoneNotAccepted(processId=0x")
        wrong_role = _fails(settings, "accept", OCID, "--milestone", Q3, "--doc", report, **remote)
        assert wrong_role.startswith("error: the gateway says: POST /acceptances needs the purchaser role;")
        unknown = _fails(settings, *pay("TV-REMOTE-3", Q2), **{**remote, "PROCLEDGER_GATEWAY_TOKEN": "plt_" + "x" * 43})
        assert "the API token is not one this gateway issued" in unknown
