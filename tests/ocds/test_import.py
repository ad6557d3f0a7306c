"""`procledger ocds import`, run as a user runs it right after `procledger deploy` on a fresh anvil: the fictional
example anchored, proven and given back unchanged; its 1.0 form upgraded; a re-import that sends nothing; and the
ways the command refuses."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import organisation_id_of
from ledger.ocds.packages import compiled_release
from ledger.ocds.patched import patched_release_schema
from ledger.ocds.schemas import RECORD_PACKAGE, RELEASE_PACKAGE, problems
from ledger.settings import Settings
from tests.ocds.cli import chain_activity, fictional_package, procledger, releases_back, texts_back
from tests.test_cli import _fails, _invoke, deployed  # noqa: F401  (fixture)
from tests.test_cli_gateway import SECRET

_VERIFIED = re.compile(
    r"verified: release (\S+) of ocds-213czf-000-00001 and its (\d+) listed document\(s\) are anchored"
)


def test_import_right_after_deploy_sets_up_the_publisher_and_each_release_verifies_with_its_proof(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    package = fictional_package(tmp_path)
    result = _invoke(settings, "ocds", "import", str(package))  # no passphrase set, as right after `deploy`
    assert "registered 0x" in result.stderr and "with PUBLISHER_ROLE" in result.stderr, result.stderr
    assert "summary: 6 imported, 0 already imported, 0 skipped" in result.stdout, result.stdout
    assert "; 1 transaction(s) sent" in result.stdout
    published = json.loads(package.read_text())["releases"]
    assert releases_back(settings) == published
    assert [json.loads(text) for text in texts_back(settings)] == published

    for release in published:
        shown = procledger(settings, "verify", "ocds-release", release["id"]).stdout
        match = _VERIFIED.search(shown)
        assert match is not None, shown
        documents = [document for _, document in _documents_in(release)]
        assert match.groups() == (release["id"], str(len(documents)))
    proof_file = tmp_path / "award-proof.json"
    procledger(settings, "ocds", "proof", published[3]["id"], "--out", str(proof_file))
    assert "verified: release" in procledger(settings, "verify", "ocds-release", str(proof_file)).stdout

    # exported again: each release unchanged, in a valid package; its record compiled by ocdsmerge
    exported = tmp_path / "exported.json"
    written = procledger(settings, "ocds", "export", "--out", str(exported)).stderr
    assert "6 releases: 0 of 0 processes on chain, 6 imported" in written
    package_out = json.loads(exported.read_text())
    assert package_out["releases"] == published  # a fresh chain: no process event, only the imported releases
    assert list(problems(package_out, RELEASE_PACKAGE, patched_release_schema())) == []
    record_file = tmp_path / "record.json"
    procledger(settings, "ocds", "record", "ocds-213czf-000-00001", "--out", str(record_file))
    record = json.loads(record_file.read_text())
    assert list(problems(record, RECORD_PACKAGE, patched_release_schema())) == []
    [only] = record["records"]
    assert only["releases"] == published and only["compiledRelease"] == compiled_release(published)
    _served_by_the_api(settings, published)


def _served_by_the_api(settings: Settings, published: list[dict[str, Any]]) -> None:
    """GET /ocds/releases?source=imported pages the imported releases unchanged, once each, and filters them by
    their published dates; GET /ocds/records/{ocid} compiles them."""
    with TestClient(create_app(settings)) as api:
        pages, url = [], "/ocds/releases?source=imported&limit=4"
        while True:
            page = api.get(url)
            assert page.status_code == 200, page.text
            if not page.json()["releases"]:
                break
            pages.append(page.json()["releases"])
            url = page.json()["links"]["next"]
        assert [len(each) for each in pages] == [4, 2] and [r for each in pages for r in each] == published
        since = published[3]["date"]
        dated = api.get("/ocds/releases", params={"source": "imported", "date_from": since}).json()["releases"]
        assert dated == [release for release in published if release["date"] >= since] and len(dated) == 3
        record = api.get("/ocds/records/ocds-213czf-000-00001").json()
        assert record["records"][0]["compiledRelease"] == compiled_release(published)
        assert api.get("/ocds/records/ocds-213czf-000-99999").status_code == 404


def test_with_small_batches_every_release_and_document_lands_in_an_anchored_root_and_verifies(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    package = fictional_package(tmp_path)
    result = procledger(settings, "ocds", "import", str(package), PROCLEDGER_ANCHOR_BATCH_SIZE="4")
    # 6 releases and their 10 distinct documents, 4 to a root: batches end between a release and its documents
    assert "summary: 6 imported, 0 already imported, 0 skipped; 16 hash(es) anchored in 4 batch(es)" in result.stdout
    for release in json.loads(package.read_text())["releases"]:
        assert "verified: release" in procledger(settings, "verify", "ocds-release", release["id"]).stdout


def test_a_release_proof_that_was_tampered_with_does_not_verify(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    package = fictional_package(tmp_path)
    procledger(settings, "ocds", "import", str(package))
    proof_file = tmp_path / "proof.json"
    procledger(settings, "ocds", "proof", "ocds-213czf-000-00001-04-award", "--out", str(proof_file))
    proof = json.loads(proof_file.read_text())
    proof["release"] = proof["release"].replace("11000000", "11000001", 1)  # the award's value
    proof_file.write_text(json.dumps(proof))
    error = _fails(settings, "verify", "ocds-release", str(proof_file), **SECRET)
    assert error.startswith("error: expected the release of the release to hash to 0x"), error
    missing = _fails(settings, "ocds", "proof", "no-such-release", "--out", str(tmp_path / "none.json"), **SECRET)
    assert missing == (
        "error: no imported OCDS release has id 'no-such-release'; `procledger ocds import FILE` imports one"
    )


def test_reimporting_the_same_file_sends_no_transaction_and_anchors_nothing_new(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    package = fictional_package(tmp_path)
    procledger(settings, "ocds", "import", str(package))
    w3 = connect(settings.rpc_url)
    before = chain_activity(w3)
    again = procledger(settings, "ocds", "import", str(package))
    assert chain_activity(w3) == before
    assert "summary: 0 imported, 6 already imported, 0 skipped" in again.stdout, again.stdout
    assert "; 0 transaction(s) sent" in again.stdout
    assert len(releases_back(settings)) == 6


def test_the_fictional_example_in_its_1_0_form_imports_after_upgrade(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    published = json.loads(fictional_package(tmp_path).read_text())
    old = {key: value for key, value in published.items() if key != "version"}  # 1.0 packages name no version
    old["releases"] = [_as_1_0(release) for release in published["releases"]]
    path = tmp_path / "fictional-1.0.json"
    path.write_text(json.dumps(old, indent=2))
    result = procledger(settings, "ocds", "import", str(path))
    assert "summary: 6 imported" in result.stdout, result.stdout
    assert "OCDS 1.0: upgraded to 1.1 with ocdskit" in result.stdout
    back = releases_back(settings)
    assert [release["id"] for release in back] == [release["id"] for release in published["releases"]]
    for upgraded, original in zip(back, published["releases"], strict=True):
        # ocdskit makes a party of each organisation the 1.0 release names inline (one named only in 1.1's
        # `parties`, e.g. a bidder without a bid, had no place in 1.0)
        names = {party["name"] for party in upgraded["parties"]}
        assert names and names <= {party["name"] for party in original["parties"]}
        assert upgraded.get("buyer", {}).get("name") == original.get("buyer", {}).get("name")
    for release in published["releases"]:  # anchored as published, in 1.0
        assert "verified: release" in procledger(settings, "verify", "ocds-release", release["id"]).stdout


def test_import_without_the_publisher_role_names_the_role_and_the_account_to_grant(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    not_admin = {"PROCLEDGER_DEPLOYER_KEY": derive_account(settings, 9).key.hex(), **SECRET}
    package = fictional_package(tmp_path)
    error = _fails(settings, "ocds", "import", str(package), **not_admin)
    org_id = "0x" + organisation_id_of(settings.ocds_publisher_id).hex()
    assert error.startswith(f"error: no keystore for the OCDS publisher organisation {org_id}"), error
    keystores = Keystores(settings.keystores_dir, SecretStr(SECRET["PROCLEDGER_KEYSTORE_PASSPHRASE"]), 1024)
    address = keystores.import_key(org_id, Account.create().key.hex(), "ocds-publisher").address
    error = _fails(settings, "ocds", "import", str(package), **not_admin)
    assert error == (
        f"error: importing OCDS needs PUBLISHER_ROLE for account {address}, which signs for organisation {org_id} "
        f"(keccak256 of registry id 'PROCLEDGER-OCDS-PUBLISHER'); ask the ledger's admin to run "
        f"registerOrganisation({org_id}, PUBLISHER_ROLE) and addOrganisationAccount({org_id}, {address})"
    )


def test_a_file_that_is_not_json_at_all_or_not_there_gets_one_clear_error(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
    tmp_path: Path,
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("Tender notice: the council will buy road salt.\n")
    error = _fails(settings, "ocds", "import", str(text), **SECRET)
    assert error == (
        f"error: {text} holds no usable OCDS release (not JSON: it starts with Tender); nothing was imported"
    )
    missing = tmp_path / "missing.json"
    error = _fails(settings, "ocds", "import", str(missing), **SECRET)
    assert error == f"error: cannot read {missing} (No such file or directory); check the path"


def _documents_in(value: Any, path: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "documents" and isinstance(child, list):
                found.extend((f"{path}/{key}", item) for item in child if isinstance(item, dict))
            found.extend(_documents_in(child, f"{path}/{key}"))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_documents_in(child, f"{path}/{index}"))
    return found


def _as_1_0(release: dict[str, Any]) -> dict[str, Any]:
    """A 1.1 release as OCDS 1.0 wrote it: organisations inline where referenced, no `parties`."""
    old = copy.deepcopy(release)
    parties = {party["id"]: party for party in old.pop("parties", [])}

    def inline(reference: dict[str, Any]) -> dict[str, Any]:
        party = parties.get(reference.get("id"), reference)
        return {key: value for key, value in party.items() if key not in ("id", "roles", "details")}

    if "buyer" in old:
        old["buyer"] = inline(old["buyer"])
    tender = old.get("tender", {})
    if "procuringEntity" in tender:
        tender["procuringEntity"] = inline(tender["procuringEntity"])
    if "tenderers" in tender:
        tender["tenderers"] = [inline(each) for each in tender["tenderers"]]
    for award in old.get("awards", []):
        if "suppliers" in award:
            award["suppliers"] = [inline(each) for each in award["suppliers"]]
    return old
