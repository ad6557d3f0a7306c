"""`procledger bid commit|reveal|receipt|cancel`, `procledger complain` and `procledger deliver`, run as a supplier
runs them, against one real anvil with the demo for the whole module.

Happy paths through Typer's CliRunner; failure paths through the real entry point in a subprocess (exit code 1,
one "error: ..." line). Each test opens a tender of its own, since some move chain time past a deadline.
"""

from __future__ import annotations

import hashlib
import json
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
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

DAY = 86_400


@dataclass(frozen=True)
class Chain:
    """The module's chain with the demo seeded: the settings a command gets, and the same with the passphrase."""

    settings: Settings
    configured: Settings
    ledger: LedgerContract


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Chain]:
    data_dir = tmp_path_factory.mktemp("supplier-cli") / "data"
    settings = Settings(
        project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port(), api_port=free_port(), poll_interval=0.1
    )
    anvil = AnvilProcess(find_anvil(PROJECT_DIR), settings.chain_port, settings.chain_state_file)
    anvil.start()
    try:
        _run(settings, "deploy")
        _run(settings, "seed")
        configured = settings.model_copy(update={"keystore_passphrase": _secret(), "keystore_scrypt_n": 1024})
        yield Chain(settings, configured, open_ledger(configured, connect(configured.rpc_url)))
    finally:
        anvil.stop()


def _tender(chain: Chain) -> str:
    """A new open tender, bids due in 10 days and revealed by 11; returns its ocid."""
    ocid = f"ocds-pl0001-2026-{uuid.uuid4().hex[:8]}"
    open_process(chain.configured, chain.ledger, ocid)
    now = int(chain.ledger.contract.w3.eth.get_block("latest")["timestamp"])
    purchaser = chain.ledger.sender(derive_account(chain.configured, PURCHASER.account_index))
    notice = hashlib.sha256(ocid.encode()).digest()
    chain.ledger.send(purchaser, "openTender", process_id_of(ocid), now + 10 * DAY, now + 11 * DAY, notice)
    return ocid


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _commit(chain: Chain, tmp_path: Path, ocid: str, amount: int, receipt: str = "bid.json") -> tuple[Path, str]:
    doc = _file(tmp_path, f"bid-{amount}.txt", f"Bid of Harbour Roadworks: {amount}")
    path = tmp_path / receipt
    args = ["bid", "commit", ocid, "--amount", str(amount), "--doc", str(doc), "--as", "supplier-a", "--receipt"]
    return path, _run(chain.settings, *args, str(path)).stderr


def _bid(chain: Chain, ocid: str) -> tuple[bytes, int, bytes, bool]:
    return tuple(chain.ledger.call("bidOf", process_id_of(ocid), SUPPLIER_A.org_id))  # type: ignore[return-value]


def test_bid_commit_keeps_a_receipt_the_read_api_verifies(chain: Chain, tmp_path: Path) -> None:
    ocid = _tender(chain)
    path, printed = _commit(chain, tmp_path, ocid, 1_500_000_00)
    receipt = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the salt opens the bid
    assert "queued (bid_commitment)" in printed and f"receipt kept in {path}" in printed
    assert f"sealed bid on {ocid} committed for 0x{SUPPLIER_A.org_id.hex()}" in printed
    assert f"confirmed in transaction {receipt['tx_hash']}, block {receipt['block_number']}" in printed
    assert receipt["commitment"] == "0x" + _bid(chain, ocid)[0].hex()
    assert (
        receipt["amount"] == 1_500_000_00
        and receipt["bid_doc_hash"] == "0x" + hashlib.sha256(b"Bid of Harbour Roadworks: 150000000").hexdigest()
    )
    _run(chain.settings, "index")
    with TestClient(create_app(chain.configured)) as api:
        verified = api.post("/bids/verify", json={"receipt": receipt})
    assert verified.status_code == 200, verified.text
    answer = verified.json()
    assert answer["committed"] and answer["tx_hash_matches"] and answer["receipt_commitment_matches"]
    assert not answer["replaced"] and not answer["revealed"]


def test_bid_receipt_then_reveal_after_the_deadline_then_receipt_shows_it_revealed(
    chain: Chain, tmp_path: Path
) -> None:
    ocid = _tender(chain)
    path, _ = _commit(chain, tmp_path, ocid, 1_250_000_00)
    sealed = _run(chain.settings, "bid", "receipt", str(path)).stderr
    block = json.loads(path.read_text())["block_number"]
    assert f"committed: block {block}, transaction {json.loads(path.read_text())['tx_hash']}" in sealed
    assert "replaced: no, this is the organisation's bid" in sealed and "revealed: no, still sealed" in sealed
    advance(chain.ledger.contract.w3, 10.5)
    revealed = _run(chain.settings, "bid", "reveal", str(path)).stderr
    assert f"bid on {ocid} revealed: amount 125000000" in revealed and "confirmed in transaction 0x" in revealed
    assert _bid(chain, ocid)[1:4:2] == (1_250_000_00, True)
    checked = _run(chain.settings, "bid", "receipt", str(path)).stderr
    assert "revealed: block" in checked and "with amount 125000000 and this bid document" in checked


def test_a_second_commit_replaces_the_first_and_its_receipt_says_so(chain: Chain, tmp_path: Path) -> None:
    ocid = _tender(chain)
    first, _ = _commit(chain, tmp_path, ocid, 1_400_000_00, "first.json")
    second, _ = _commit(chain, tmp_path, ocid, 1_300_000_00, "second.json")
    checked = _run(chain.settings, "bid", "receipt", str(first)).stderr
    replaced_by = json.loads(second.read_text())["commitment"]
    assert f"by commitment {replaced_by}; this bid is void" in checked
    assert "replaced: no" in _run(chain.settings, "bid", "receipt", str(second)).stderr


def test_bid_reveal_before_the_deadline_explains_the_contracts_refusal(chain: Chain, tmp_path: Path) -> None:
    path, _ = _commit(chain, tmp_path, _tender(chain), 1_100_000_00)
    error = _fails(chain.settings, "bid", "reveal", str(path), **SECRET)
    assert error.startswith("error: revealBid reverted: BidRevealWindowClosed(processId=0x")
    assert "bids on this process are revealed from 20" in error and error.endswith("reveal within that window")


def test_bid_commit_never_overwrites_a_kept_receipt(chain: Chain, tmp_path: Path) -> None:
    ocid = _tender(chain)
    kept = _file(tmp_path, "kept.json", "{}")
    doc = _file(tmp_path, "bid.txt", "bid")
    error = _fails(
        chain.settings, "bid", "commit", ocid, "--amount", "5", "--doc", str(doc), "--as", "supplier-a",
        "--receipt", str(kept), **SECRET,
    )  # fmt: skip
    assert (
        error
        == f"error: {kept} exists already, and may be the receipt of another bid; choose another --receipt " + "file"
    )
    assert kept.read_text() == "{}" and _bid(chain, ocid)[0] == bytes(32)


def test_bid_commit_after_the_deadline_is_refused_and_leaves_no_receipt(chain: Chain, tmp_path: Path) -> None:
    ocid = _tender(chain)
    advance(chain.ledger.contract.w3, 10.5)
    doc, receipt = _file(tmp_path, "late.txt", "late bid"), tmp_path / "late.json"
    error = _fails(
        chain.settings, "bid", "commit", ocid, "--amount", "5", "--doc", str(doc), "--as", "supplier-a",
        "--receipt", str(receipt), **SECRET,
    )  # fmt: skip
    assert error.startswith("error: commitBidFor reverted: TenderDeadlinePassed(processId=0x")
    assert error.endswith("no bid can be committed or replaced any more")
    assert not receipt.exists()


def test_bid_receipt_of_a_changed_receipt_says_it_was_changed(chain: Chain, tmp_path: Path) -> None:
    path, _ = _commit(chain, tmp_path, _tender(chain), 1_000_000_00)
    receipt = json.loads(path.read_text())
    path.write_text(json.dumps({**receipt, "amount": 900_000_00}))
    error = _fails(chain.settings, "bid", "receipt", str(path), **SECRET)
    assert error.startswith("error: expected the receipt's commitment to recompute from its fields, got 0x")
    assert error.endswith(f"{path} was changed since it was written")


def test_bid_cancel_moves_the_bids_nonce_on(chain: Chain, tmp_path: Path) -> None:
    ocid = _tender(chain)
    _commit(chain, tmp_path, ocid, 1_200_000_00)
    before = chain.ledger.call("bidNonce", process_id_of(ocid), SUPPLIER_A.org_id)
    printed = _run(chain.settings, "bid", "cancel", ocid, "--as", "supplier-a").stderr
    assert f"bid signatures on {ocid} up to nonce {before} are void; confirmed" in printed
    assert chain.ledger.call("bidNonce", process_id_of(ocid), SUPPLIER_A.org_id) == before + 1


def test_complain_files_a_complaint_once_signed_by_the_suppliers_own_account(chain: Chain, tmp_path: Path) -> None:
    ocid = _tender(chain)
    letter = _file(tmp_path, "complaint.txt", "质疑函: the specification favours one brand.")
    args = ["complain", ocid, "--ref", "Q-CLI-1", "--doc", str(letter), "--as", "supplier-a"]
    printed = _run(chain.settings, *args).stderr
    complaint_id = scoped_id(SUPPLIER_A.org_id, reference("Q-CLI-1"))
    assert f"complaint Q-CLI-1 on {ocid} filed (complaint id 0x{complaint_id.hex()}" in printed
    assert "confirmed in transaction 0x" in printed
    assert chain.ledger.call("complaintOf", process_id_of(ocid), complaint_id)[1] == 1  # Open
    again = _run(chain.settings, *args).stderr  # the same command again: the same write, filed once
    assert "already accepted (complaint, confirmed)" in again
    events = chain.ledger.contract.events.ComplaintFiled.get_logs(
        from_block=0, argument_filters={"processId": process_id_of(ocid)}
    )
    assert len(events) == 1


def test_complain_about_an_unknown_process_explains_the_refusal(chain: Chain, tmp_path: Path) -> None:
    letter = _file(tmp_path, "complaint.txt", "complaint")
    error = _fails(
        chain.settings, "complain", "ocds-pl0001-2026-nothing", "--ref", "Q-X", "--doc", str(letter),
        "--as", "supplier-a", **SECRET,
    )  # fmt: skip
    assert error.startswith("error: fileComplaint reverted: ProcessUnknown(processId=0x")


def test_deliver_records_a_milestone_delivery_with_its_report(chain: Chain, tmp_path: Path) -> None:
    ocid, milestone = DEMO_PROCESSES[1].ocid, MILESTONES[1]  # by its reference, CT-2026-0002/Q2
    report = _file(tmp_path, "report.txt", "Delivery report: Q2 maintenance done.")
    printed = _run(chain.settings, "deliver", ocid, "--milestone", milestone, "--report", str(report), "--as",
                   "supplier-a").stderr  # fmt: skip
    assert (
        f"milestone {milestone} (0x{reference(milestone).hex()}) of {ocid} delivered" in printed
        and "confirmed in transaction" in printed
    )
    delivered = chain.ledger.contract.events.MilestoneDelivered.get_logs(from_block=0)
    reports = [log["args"]["docHash"] for log in delivered if log["args"]["milestoneId"] == reference(MILESTONES[1])]
    assert reports == [hashlib.sha256(report.read_bytes()).digest()]
    error = _fails(chain.settings, "deliver", ocid, "--milestone", milestone, "--report", str(report), "--as",
                   "supplier-b", **SECRET)  # fmt: skip
    assert error.startswith("error: recordMilestone reverted: MilestoneAlreadyDelivered(processId=0x")
