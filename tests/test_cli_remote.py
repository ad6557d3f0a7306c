"""The supplier commands and `procledger anchor` against a remote gateway (`--gateway URL --token …`), run as a
user runs them, with one real anvil and one real gateway (uvicorn and its submitter, in threads) for the module.

The supplier has a data directory of its own holding only its keystore and the deployment: the gateway's holds no
supplier key, and the supplier keeps no outbox. Happy paths through Typer's CliRunner; failure paths through the
real entry point in a subprocess (exit code 1, one "error: ..." line).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.chain.accounts import derive_account
from ledger.chain.anvil import AnvilProcess
from ledger.chain.client import connect
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference, scoped_id
from ledger.chain.setup import open_ledger
from ledger.chain.toolchain import find_anvil
from ledger.demo import DEMO_PROCESSES, MILESTONES, PURCHASER, SUPPLIER_A
from ledger.settings import Settings
from tests.api.lifecycle import advance
from tests.helpers import PROJECT_DIR, free_port, open_process
from tests.test_cli import _fails
from tests.test_cli_gateway import SECRET, _run, _secret
from tests.test_cli_writes import _gateway

DAY = 86_400
WRONG_TOKEN = "plt_" + "x" * 43


@dataclass(frozen=True)
class Remote:
    """The module's chain and gateway, and a supplier's own data directory pointed at them."""

    gateway: Settings  # the gateway operator's data directory
    supplier: Settings  # the supplier's: its keystore and the deployment, nothing else
    ledger: LedgerContract
    url: str
    tokens: dict[str, str]  # by demo label

    def as_(self, label: str) -> list[str]:
        return ["--gateway", self.url, "--token", self.tokens[label]]


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Remote]:
    root = tmp_path_factory.mktemp("remote-cli")
    settings = Settings(
        project_dir=PROJECT_DIR, data_dir=root / "gateway", chain_port=free_port(), api_port=free_port(),
        poll_interval=0.1, anchor_interval=5.0, write_rate="1/second",
    )  # fmt: skip
    # 1/second: a write followed at once after its POST meets a 429, which the commands must wait out; a batch of
    # documents stays open 5 s, so two files uploaded a 429's wait apart still share one root
    anvil = AnvilProcess(find_anvil(PROJECT_DIR), settings.chain_port, settings.chain_state_file)
    anvil.start()
    try:
        _run(settings, "deploy")
        _run(settings, "seed")
        _run(settings, "index")  # the gateway reads roles from its mirror
        tokens = {label: _run(settings, "tokens", "create", label).stdout.strip()
                  for label in ("supplier-a", "purchaser")}  # fmt: skip
        supplier = settings.model_copy(update={"data_dir": root / "supplier"})
        supplier.keystores_dir.mkdir(parents=True)
        shutil.copy(settings.deployment_file, supplier.deployment_file)
        shutil.move(settings.keystores_dir / "supplier-a.json", supplier.keystores_dir / "supplier-a.json")
        configured = settings.model_copy(update={"keystore_passphrase": _secret(), "keystore_scrypt_n": 1024})
        with _gateway(configured) as url:
            yield Remote(configured, supplier, open_ledger(configured, connect(configured.rpc_url)), url, tokens)
    finally:
        anvil.stop()


def _tender(remote: Remote) -> str:
    """A new open tender, bids due in 10 days and revealed by 11; returns its ocid."""
    ocid = f"ocds-pl0001-2026-{uuid.uuid4().hex[:8]}"
    open_process(remote.gateway, remote.ledger, ocid)
    now = int(remote.ledger.contract.w3.eth.get_block("latest")["timestamp"])
    purchaser = remote.ledger.sender(derive_account(remote.gateway, PURCHASER.account_index))
    notice = hashlib.sha256(ocid.encode()).digest()
    remote.ledger.send(purchaser, "openTender", process_id_of(ocid), now + 10 * DAY, now + 11 * DAY, notice)
    return ocid


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _bid(remote: Remote, ocid: str) -> tuple[bytes, int, bytes, bool]:
    return tuple(remote.ledger.call("bidOf", process_id_of(ocid), SUPPLIER_A.org_id))  # type: ignore[return-value]


def _commit_args(remote: Remote, tmp_path: Path, ocid: str, amount: int, receipt: Path) -> list[str]:
    doc = _file(tmp_path, f"bid-{amount}.txt", f"Bid of Harbour Roadworks: {amount}")
    return ["bid", "commit", ocid, "--amount", str(amount), "--doc", str(doc), "--as", "supplier-a", "--receipt",
            str(receipt)]  # fmt: skip


def test_the_gateway_holds_no_supplier_key_and_the_supplier_no_outbox(remote: Remote) -> None:
    held = sorted(path.name for path in remote.gateway.keystores_dir.glob("*.json"))
    assert "supplier-a.json" not in held and "relayer.json" in held
    assert sorted(path.name for path in remote.supplier.data_dir.rglob("*") if path.is_file()) == [
        "deployment.json", "supplier-a.json",
    ]  # fmt: skip


def test_bid_commit_then_reveal_through_a_remote_gateway_signed_here(remote: Remote, tmp_path: Path) -> None:
    ocid, receipt = _tender(remote), tmp_path / "bid.json"
    committed = _run(remote.supplier, *_commit_args(remote, tmp_path, ocid, 1_500_000_00, receipt),
                     *remote.as_("supplier-a")).stderr  # fmt: skip
    kept = json.loads(receipt.read_text())
    assert f"queued (bid_commitment) at {remote.url}" in committed
    assert f"confirmed in transaction {kept['tx_hash']}, block {kept['block_number']}" in committed
    assert kept["commitment"] == "0x" + _bid(remote, ocid)[0].hex()

    early = _fails(remote.supplier, "bid", "reveal", str(receipt), *remote.as_("supplier-a"), **SECRET)
    assert early.startswith("error: revealBid reverted: BidRevealWindowClosed(processId=0x")
    assert early.endswith("reveal within that window")
    advance(remote.ledger.contract.w3, 10.5)
    revealed = _run(remote.supplier, "bid", "reveal", str(receipt), *remote.as_("supplier-a")).stderr
    assert "queued (bid_reveal)" in revealed and f"bid on {ocid} revealed: amount 150000000" in revealed
    write_id = revealed.split(" queued (bid_reveal)")[0].rsplit("write ", 1)[1]
    again = _run(remote.supplier, "bid", "reveal", str(receipt), *remote.as_("supplier-a")).stderr
    assert f"write {write_id} already accepted (confirmed) (bid_reveal)" in again  # the same signed bytes, once
    assert _bid(remote, ocid)[1:4:2] == (1_500_000_00, True)
    assert not (remote.supplier.data_dir / "ledger.sqlite3").exists()  # nothing went through a local outbox


def test_bid_commit_keeps_its_receipt_before_sending_even_to_a_gateway_nobody_runs(
    remote: Remote, tmp_path: Path
) -> None:
    ocid, receipt = _tender(remote), tmp_path / "kept.json"
    dead = f"http://127.0.0.1:{free_port()}"
    args = _commit_args(remote, tmp_path, ocid, 1_000_000_00, receipt)
    error = _fails(remote.supplier, *args, "--gateway", dead, "--token", remote.tokens["supplier-a"], **SECRET)
    assert error.startswith(f"error: cannot reach the write gateway at {dead}")
    kept = json.loads(receipt.read_text())  # the salt survived: the bid may still be opened if it arrived
    assert kept["ocid"] == ocid and kept["amount"] == 1_000_000_00 and kept.get("tx_hash") is None

    refused = tmp_path / "refused.json"
    args = _commit_args(remote, tmp_path, ocid, 1_000_000_00, refused)
    wrong = _fails(remote.supplier, *args, "--gateway", remote.url, "--token", WRONG_TOKEN, **SECRET)
    assert wrong.startswith("error: the gateway says: the API token is not one this gateway issued")
    assert not refused.exists()  # refused before anything was queued: no receipt to mislead


def test_bid_commit_after_the_deadline_is_refused_by_the_gateway_in_words(remote: Remote, tmp_path: Path) -> None:
    ocid, receipt = _tender(remote), tmp_path / "late.json"
    advance(remote.ledger.contract.w3, 10.5)
    error = _fails(remote.supplier, *_commit_args(remote, tmp_path, ocid, 5, receipt), *remote.as_("supplier-a"),
                   **SECRET)  # fmt: skip
    assert error.startswith("error: commitBidFor reverted: TenderDeadlinePassed(processId=0x")
    assert error.endswith("no bid can be committed or replaced any more")
    assert not receipt.exists() and _bid(remote, ocid)[0] == bytes(32)


def test_bid_cancel_through_a_remote_gateway_moves_the_nonce_on(remote: Remote) -> None:
    ocid = _tender(remote)
    before = remote.ledger.call("bidNonce", process_id_of(ocid), SUPPLIER_A.org_id)
    remote_env = {"PROCLEDGER_GATEWAY_URL": remote.url, "PROCLEDGER_GATEWAY_TOKEN": remote.tokens["supplier-a"]}
    printed = _run(remote.supplier, "bid", "cancel", ocid, "--as", "supplier-a", **remote_env).stderr
    assert "queued (bid_signature_cancellation)" in printed
    assert f"bid signatures on {ocid} up to nonce {before} are void; confirmed" in printed
    assert remote.ledger.call("bidNonce", process_id_of(ocid), SUPPLIER_A.org_id) == before + 1


def test_complain_through_a_remote_gateway_files_once_and_explains_tokens(remote: Remote, tmp_path: Path) -> None:
    ocid = _tender(remote)
    letter = _file(tmp_path, "complaint.txt", "质疑函: the specification favours one brand.")
    args = ["complain", ocid, "--ref", "Q-REMOTE-1", "--doc", str(letter), "--as", "supplier-a"]
    printed = _run(remote.supplier, *args, *remote.as_("supplier-a")).stderr
    complaint_id = scoped_id(SUPPLIER_A.org_id, reference("Q-REMOTE-1"))
    sha256 = "0x" + hashlib.sha256(letter.read_bytes()).hexdigest()
    assert f"{letter} stays here: only its SHA-256 goes to the gateway" in printed
    assert f"complaint Q-REMOTE-1 on {ocid} filed (complaint id 0x{complaint_id.hex()}, letter {sha256})" in printed
    write_id = printed.split(" queued (complaint)")[0].rsplit("write ", 1)[1]
    again = _run(remote.supplier, *args, *remote.as_("supplier-a")).stderr
    assert f"write {write_id} already accepted (confirmed) (complaint)" in again
    filed = remote.ledger.contract.events.ComplaintFiled.get_logs(
        from_block=0, argument_filters={"processId": process_id_of(ocid)}
    )
    assert len(filed) == 1 and remote.ledger.call("complaintOf", process_id_of(ocid), complaint_id)[1] == 1

    other = [*args[:3], "Q-REMOTE-2", *args[4:]]
    wrong = _fails(remote.supplier, *other, "--gateway", remote.url, "--token", WRONG_TOKEN, **SECRET)
    assert wrong.startswith("error: the gateway says: the API token is not one this gateway issued")
    assert "check --token or PROCLEDGER_GATEWAY_TOKEN" in wrong
    role = _fails(remote.supplier, *other, *remote.as_("purchaser"), **SECRET)
    assert role.startswith("error: the gateway says: POST /complaints needs the supplier role;")


def test_deliver_through_a_remote_gateway_records_the_milestone(remote: Remote, tmp_path: Path) -> None:
    ocid, milestone = DEMO_PROCESSES[1].ocid, MILESTONES[1]  # CT-2026-0002/Q2, scheduled by the demo
    report = _file(tmp_path, "report.txt", "Delivery report: Q2 maintenance done.")
    args = ["deliver", ocid, "--milestone", milestone, "--report", str(report), "--as", "supplier-a"]
    printed = _run(remote.supplier, *args, *remote.as_("supplier-a")).stderr
    assert "queued (delivery)" in printed and f"milestone {milestone} (0x{reference(milestone).hex()}) of {ocid} "
    assert "delivered" in printed and "confirmed in transaction 0x" in printed
    delivered = remote.ledger.contract.events.MilestoneDelivered.get_logs(from_block=0)
    reports = [log["args"]["docHash"] for log in delivered if log["args"]["milestoneId"] == reference(milestone)]
    assert reports == [hashlib.sha256(report.read_bytes()).digest()]
    write_id = printed.split(" queued (delivery)")[0].rsplit("write ", 1)[1]
    assert (
        f"write {write_id} already accepted (confirmed)"
        in _run(remote.supplier, *args, *remote.as_("supplier-a")).stderr
    )


def test_anchor_uploads_through_a_remote_gateway_and_prints_each_anchor(remote: Remote, tmp_path: Path) -> None:
    files = [_file(tmp_path, "notice.txt", "Tender notice, remote"), _file(tmp_path, "minutes.txt", "Minutes")]
    names = [str(path) for path in files]
    anchored = _run(remote.supplier, "anchor", *names, *remote.as_("purchaser"))  # no --as: the token's organisation
    lines = anchored.stdout.strip().splitlines()
    assert len(lines) == 2
    roots = set()
    for index, (path, line) in enumerate(zip(files, lines, strict=True)):
        sha256 = "0x" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert line.startswith(f"{path}: sha256 {sha256}, leaf {index} under root 0x")
        assert ", transaction 0x" in line and line.endswith(": confirmed")
        roots.add(line.split(" under root ")[1].split(",")[0])
    (root,) = roots  # one batch, one root
    count, block = remote.ledger.call("anchorOf", PURCHASER.org_id, bytes.fromhex(root[2:]))
    assert count == 2 and f"block {block}: confirmed" in lines[0]
    assert f"{files[0]} filed: leaf 0 of batch" in anchored.stderr
    again = _run(remote.supplier, "anchor", *names, *remote.as_("purchaser"))
    assert again.stdout == anchored.stdout and f"{files[0]} already filed" in again.stderr  # nothing twice

    unknown = "ocds-pl0001-2026-nothing"
    refused = _fails(remote.supplier, "anchor", names[0], "--ocid", unknown, *remote.as_("purchaser"))
    assert refused.startswith("error: anchorDocuments reverted: ProcessUnknown(processId=0x")
    wrong = _fails(remote.supplier, "anchor", names[0], "--gateway", remote.url, "--token", WRONG_TOKEN)
    assert wrong.startswith("error: the gateway says: the API token is not one this gateway issued")


def test_anchor_without_an_organisation_or_a_gateway_says_how_to_name_one(remote: Remote, tmp_path: Path) -> None:
    notice = _file(tmp_path, "notice.txt", "Tender notice")
    error = _fails(remote.supplier, "anchor", str(notice))
    assert error.startswith("error: say which organisation anchors: --as ORG")
