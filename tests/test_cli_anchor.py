"""`procledger anchor FILES… --as ORG [--ocid OCID]`, run as a user runs it, on a real anvil with the demo."""

from __future__ import annotations

import hashlib
import re

from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.setup import open_ledger
from ledger.demo import DEMO_PROCESSES
from ledger.settings import Settings
from tests.test_cli import _fails, deployed  # noqa: F401  (fixture)
from tests.test_cli_gateway import SECRET, _run

OCID = DEMO_PROCESSES[0].ocid
_LINE = re.compile(
    r"^(?P<file>\S+): sha256 (?P<sha>0x[0-9a-f]{64}), leaf (?P<leaf>\d+) of (?P<size>\d+) under root "
    r"(?P<root>0x[0-9a-f]{64}), transaction (?P<tx>0x[0-9a-f]{64}), block (?P<block>\d+): confirmed, verified on chain$"
)


def test_anchor_stores_batches_and_anchors_files_as_one_root_and_a_rerun_anchors_nothing_twice(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    files = [settings.data_dir.parent / name for name in ("notice.txt", "minutes.txt")]
    for file in files:
        file.write_text(f"{file.name}: evaluation committee of {OCID}")
    args = ["anchor", *map(str, files), "--as", "purchaser", "--ocid", OCID]
    first = _run(settings, *args).stdout.splitlines()
    matches = [_LINE.match(line) for line in first]
    assert all(matches), first
    found = [match.groupdict() for match in matches if match]
    assert [each["file"] for each in found] == [str(file) for file in files]
    assert [each["sha"] for each in found] == ["0x" + hashlib.sha256(file.read_bytes()).hexdigest() for file in files]
    assert [each["leaf"] for each in found] == ["0", "1"] and {each["size"] for each in found} == {"2"}
    assert len({(each["root"], each["tx"]) for each in found}) == 1

    again = _run(settings, *args).stdout.splitlines()  # the same command again: the same anchor, not a second
    assert again == first
    ledger = open_ledger(settings, connect(settings.rpc_url))
    logs = ledger.contract.events.DocumentsAnchored.get_logs(from_block=0)
    assert sum(1 for log in logs if "0x" + log["args"]["root"].hex() == found[0]["root"]) == 1
    stored = settings.documents_dir / found[0]["sha"][2:4] / found[0]["sha"][4:]
    assert stored.read_bytes() == files[0].read_bytes()


def test_anchor_under_a_process_the_organisation_is_no_party_of_explains_the_contracts_refusal(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    file = settings.data_dir.parent / "bid.txt"
    file.write_text("a supplier's own paper")
    error = _fails(settings, "anchor", str(file), "--as", "supplier-b", "--ocid", OCID, **SECRET)
    assert error.startswith("error: anchorDocuments reverted: AnchorNotProcessParty(processId=0x")


def test_anchor_of_a_missing_file_says_which_and_what_to_check(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    missing = settings.data_dir.parent / "nowhere.pdf"
    error = _fails(settings, "anchor", str(missing), "--as", "purchaser", **SECRET)
    assert error == f"error: cannot read {missing} (No such file or directory); check the path"
