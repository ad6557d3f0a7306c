"""The mirror published as OCDS 1.1: every process event of the demo and the full lifecycle becomes a valid
release, ids are deterministic, records compile with ocdsmerge, extra releases sit beside the chain's, and
spreadsheets come out of flattentool."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ocdsmerge
import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import LEDGER
from ledger.indexer.decode import EventDecoder, raw_log_from_row
from ledger.ocds.export import chain_releases, exported_releases, record_releases
from ledger.ocds.packages import package_metadata, record_package, write_release_package
from ledger.ocds.patched import BIDS_EXTENSION_URL, patched_release_schema
from ledger.ocds.releases import PROCESS_EVENTS, Publication
from ledger.ocds.schemas import RECORD_PACKAGE, RELEASE_PACKAGE, problems
from ledger.ocds.spreadsheet import flatten_release_package
from ledger.read.facts import ZERO_HASH
from ledger.store.models import RawLog, table_of
from ledger.store.projections import Anchor
from tests.api.conftest import DemoChain
from tests.api.lifecycle import SEALED, TENDER
from tests.ocds.more_acts import CANCELLED_OCID

EVERY_TAG = {
    "planning", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "contract",
    "contractAmendment", "contractUpdate", "implementation", "implementationUpdate", "contractTermination",
}  # fmt: skip
EXTENSION_URL = "http://127.0.0.1:8000/ocds/extensions/chain/extension.json"


@pytest.fixture(scope="module")
def decoder(full_chain: DemoChain) -> EventDecoder:
    return EventDecoder([load_artifact(full_chain.settings.artifacts_dir, LEDGER).abi])


@pytest.fixture
def session(mirrored: Engine) -> Iterator[Session]:
    with Session(mirrored) as opened:
        yield opened


@pytest.fixture(scope="module")
def package(mirrored: Engine, decoder: EventDecoder) -> dict[str, Any]:
    """The release package of the whole mirror, as `procledger ocds export` writes it."""
    with Session(mirrored) as session:
        return _package(chain_releases(session, decoder))


def _package(releases: Any) -> dict[str, Any]:
    out = io.StringIO()
    write_release_package(out, releases, package_metadata("http://127.0.0.1:8000/ocds/releases", EXTENSION_URL))
    loaded: dict[str, Any] = json.loads(out.getvalue())
    return loaded


def test_the_export_of_the_full_lifecycle_is_a_valid_release_package_with_its_extensions(
    package: dict[str, Any],
) -> None:
    assert list(problems(package, RELEASE_PACKAGE, patched_release_schema())) == []
    assert package["extensions"] == [BIDS_EXTENSION_URL, EXTENSION_URL]
    assert package["version"] == "1.1"


def test_every_process_event_becomes_one_release_and_every_tag_appears(
    package: dict[str, Any], session: Session, decoder: EventDecoder
) -> None:
    raw = table_of(RawLog)
    names = [
        decoded.name
        for row in session.execute(select(raw))
        if (decoded := decoder.decode(raw_log_from_row(row._mapping)))
    ]
    process_events = [name for name in names if name in PROCESS_EVENTS and name != "DocumentsAnchored"]
    anchored_under_processes = session.execute(select(Anchor).where(Anchor.process_id != ZERO_HASH)).all()
    assert set(process_events) | {"DocumentsAnchored"} == PROCESS_EVENTS  # the chain holds every kind
    assert len(package["releases"]) == len(process_events) + len(anchored_under_processes)
    assert {release["tag"][0] for release in package["releases"]} == EVERY_TAG


def test_release_ids_are_deterministic_and_name_the_event(
    package: dict[str, Any], mirrored: Engine, decoder: EventDecoder, full_chain: DemoChain
) -> None:
    with Session(mirrored) as session:
        again = _package(chain_releases(session, decoder, chunk=1))  # and reading one process at a time
    assert again["releases"] == package["releases"]
    ids = [release["id"] for release in package["releases"]]
    assert len(set(ids)) == len(ids)
    chain_id = full_chain.ledger.contract.w3.eth.chain_id
    for release in package["releases"]:
        reference = release["chainReference"]
        assert release["id"] == f"{chain_id}-{reference['transactionHash']}-{reference['logIndex']}"


def test_the_export_reads_the_mirror_a_chunk_at_a_time(mirrored: Engine, decoder: EventDecoder) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(mirrored, "before_cursor_execute", note)
    try:
        with Session(mirrored) as session:
            releases = chain_releases(session, decoder, chunk=1)
            first = next(releases)
            read_for_the_first = len(statements)
            rest = list(releases)
    finally:
        event.remove(mirrored, "before_cursor_execute", note)
    processes = len({release["ocid"] for release in [first, *rest]})
    # The first release costs one chunk's few queries, not the whole mirror's; every chunk costs the same few.
    assert read_for_the_first <= 6 < len(statements)
    assert sum("FROM processes" in statement and "LIMIT" in statement for statement in statements) == processes + 1


def test_a_sealed_bid_shows_no_amount_until_its_reveal(package: dict[str, Any]) -> None:
    sealed = [release for release in package["releases"] if release["ocid"] == SEALED.ocid and "bids" in release]
    assert sealed and all("value" not in bid for release in sealed for bid in release["bids"]["details"])
    assert {bid["status"] for release in sealed for bid in release["bids"]["details"]} == {"pending"}
    revealed = [
        bid for release in package["releases"] if release["ocid"] == TENDER.ocid
        for bid in release.get("bids", {}).get("details", []) if "value" in bid
    ]  # fmt: skip
    assert sorted(bid["value"]["amount"] for bid in revealed) == [1_874_500, 1_912_000]


def test_documents_carry_their_sha256_and_chain_reference(package: dict[str, Any]) -> None:
    documents = [document for release in package["releases"] for document in _documents(release)]
    assert documents and all(document["sha256"] == document["id"] for document in documents)
    assert all(document["chainReference"]["transactionHash"].startswith("0x") for document in documents)
    anchored = [document for document in documents if "anchorRoot" in document["chainReference"]]
    assert len(anchored) == 2  # the lifecycle anchors two documents under its process


def test_a_stored_document_links_to_its_content_in_the_api(session: Session, decoder: EventDecoder) -> None:
    publication = Publication(documents_url="http://ledger.example")
    documents = [
        document for release in chain_releases(session, decoder, publication) for document in _documents(release)
    ]
    stored = [document for document in documents if "url" in document]
    assert stored and all(
        document["url"] == f"http://ledger.example/documents/0x{document['sha256']}/content" for document in stored
    )
    assert any("url" not in document for document in documents)  # the lifecycle's documents are not in the store
    assert all("title" in document for document in stored)


def test_the_record_compiles_with_ocdsmerge_and_is_a_valid_record_package(
    session: Session, decoder: EventDecoder
) -> None:
    ocid, releases = record_releases(session, decoder, TENDER.ocid)
    package = record_package(
        package_metadata(f"http://127.0.0.1:8000/ocds/records/{ocid}", EXTENSION_URL), [(ocid, releases)]
    )
    assert list(problems(package, RECORD_PACKAGE, patched_release_schema())) == []
    (record,) = package["records"]
    assert record["compiledRelease"] == ocdsmerge.Merger(patched_release_schema()).create_compiled_release(releases)
    compiled = record["compiledRelease"]
    assert compiled["tender"]["status"] == "complete" and compiled["contracts"][0]["status"] == "terminated"
    implementation = compiled["contracts"][0]["implementation"]
    assert [milestone["status"] for milestone in implementation["milestones"]] == ["met", "met"]
    (payment,) = implementation["transactions"]
    assert payment["value"] == {"amount": 937_250, "currency": "CNY"}
    assert payment["payer"]["name"] == "Riverside City Finance Bureau"
    assert payment["payee"]["name"] == "Harbour Roadworks Ltd"
    roles = {party["name"]: party["roles"] for party in compiled["parties"]}
    assert roles["Harbour Roadworks Ltd"] == ["tenderer", "supplier", "payee"]
    statistics = {statistic["measure"]: statistic for statistic in compiled["bids"]["statistics"]}
    assert statistics["bids"]["value"] == statistics["validBids"]["value"] == 2
    lowest = statistics["lowestValidBidValue"]
    assert (lowest["value"], lowest["currency"]) == (1_874_500, "CNY")


def test_the_cancelled_process_record_says_cancelled(session: Session, decoder: EventDecoder) -> None:
    _ocid, releases = record_releases(session, decoder, CANCELLED_OCID)
    compiled = ocdsmerge.Merger(patched_release_schema()).create_compiled_release(releases)
    assert compiled["tender"]["status"] == "cancelled"
    assert [release["tag"] for release in releases] == [["planning"], ["tenderCancellation"]]


def test_extra_releases_are_published_beside_the_chain_releases(session: Session, decoder: EventDecoder) -> None:
    ocid = "ocds-213czf-000-00001"
    imported = {"ocid": ocid, "id": f"{ocid}-01-planning", "date": "2010-03-15T09:30:00Z", "tag": ["planning"]}
    releases = list(exported_releases(session, decoder, extra=[imported]))
    assert releases[-1] is imported
    assert len(releases) == len(list(chain_releases(session, decoder))) + 1


def test_the_publisher_prefix_goes_before_chain_ocids_and_either_form_finds_the_record(
    session: Session, decoder: EventDecoder
) -> None:
    ocids = {release["ocid"] for release in chain_releases(session, decoder, Publication("ocds-213czf"))}
    assert f"ocds-213czf-{TENDER.ocid}" in ocids and all(ocid.startswith("ocds-213czf-ocds-pl0001-") for ocid in ocids)
    assert {release["ocid"] for release in chain_releases(session, decoder, Publication("ocds-pl0001"))} == {
        release["ocid"] for release in chain_releases(session, decoder)
    }  # ocids that already carry the prefix are published as they are
    for asked in (TENDER.ocid, f"ocds-213czf-{TENDER.ocid}"):
        published, _releases = record_releases(session, decoder, asked, Publication("ocds-213czf"))
        assert published == f"ocds-213czf-{TENDER.ocid}"


@pytest.mark.parametrize("output_format", ["csv", "xlsx"])
def test_flattentool_writes_the_package_as_a_spreadsheet(
    package: dict[str, Any], tmp_path: Path, output_format: str
) -> None:
    source = tmp_path / "package.json"
    source.write_text(json.dumps(package))
    out = tmp_path / ("flat" if output_format == "csv" else "flat.xlsx")
    flatten_release_package(source, out, output_format)  # type: ignore[arg-type]
    if output_format == "xlsx":
        from openpyxl import load_workbook

        sheets = load_workbook(out, read_only=True).sheetnames
        assert sheets[0] == "releases" and "parties" in sheets
        return
    with (out / "releases.csv").open(newline="", encoding="utf-8") as sheet:
        rows = list(csv.DictReader(sheet))
    assert len(rows) == len(package["releases"])
    assert {"ocid", "id", "date", "tag", "chainReference/transactionHash"} <= set(rows[0])
    sheets = {path.name for path in out.glob("*.csv")}
    assert {"parties.csv", "bid_details.csv", "bid_statistics.csv", "con_imp_milestones.csv"} <= sheets
    with (out / "con_imp_transactions.csv").open(newline="", encoding="utf-8") as sheet:
        (payment,) = [row for row in csv.DictReader(sheet) if row["ocid"] == TENDER.ocid]
    assert payment["contracts/0/implementation/transactions/0/payee/name"] == "Harbour Roadworks Ltd"


def _documents(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "documents":
                yield from item
            else:
                yield from _documents(item)
    elif isinstance(value, list):
        for item in value:
            yield from _documents(item)
