"""Response shapes of the OCDS endpoints: OCDS 1.1 packages, whose releases follow the OCDS release schema
(patched by the bids and chain-evidence extensions) rather than a model of this API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_PUBLISHER = {"name": "procurement-ledger"}
_EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "http://127.0.0.1:8000/ocds/extensions/chain/extension.json",
]
_RELEASE_EXAMPLE = {
    "ocid": "ocds-pl0001-2026-0001",
    "id": "31337-0x3e68d3359c45fa6ecc1d6913960f0a6199a18702aeafe9d91db3e6b4c80de059-0",
    "date": "2026-04-17T09:30:00Z",
    "tag": ["implementation"],
    "initiationType": "tender",
    "parties": [{"id": "0xbd86…8747", "name": "Riverside City Finance Bureau", "roles": ["funder", "payer"]}],
    "buyer": {"id": "0xc8a0…7214", "name": "Riverside City Procurement Centre"},
    "contracts": [
        {
            "id": "0x0852…097a",
            "awardID": "award",
            "implementation": {
                "transactions": [
                    {
                        "id": "0x678f…2438",
                        "date": "2026-04-17T09:30:00Z",
                        "value": {"amount": 937250, "currency": "CNY"},
                        "payer": {"id": "0xbd86…8747", "name": "Riverside City Finance Bureau"},
                        "payee": {"id": "0xd2da…5f5d", "name": "Harbour Roadworks Ltd"},
                    }
                ]
            },
        }
    ],
    "chainReference": {
        "chainId": 31337,
        "transactionHash": "0x3e68d3359c45fa6ecc1d6913960f0a6199a18702aeafe9d91db3e6b4c80de059",
        "blockNumber": 57,
        "logIndex": 0,
    },
}


class _Package(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    uri: str = Field(description="where this package is served")
    version: str = Field(examples=["1.1"])
    extensions: list[str] = Field(
        description="the bids extension (official URL) and this ledger's chain-evidence extension",
        examples=[_EXTENSIONS],
    )
    publishedDate: str = Field(examples=["2026-11-28T03:00:00Z"])
    publisher: dict[str, Any] = Field(examples=[_PUBLISHER])


class ReleasePageOut(_Package):
    """A page of releases in chain order, as an OCDS 1.1 release package; follow `links.next` (or pass
    `next_cursor` as `after`) for the next page."""

    releases: list[dict[str, Any]] = Field(
        description="OCDS 1.1 releases, one per process event, each with its chain reference",
        examples=[[_RELEASE_EXAMPLE]],
    )
    links: dict[str, str] = Field(
        description="`next`: the URL of the next page (always given, so a crawler polls it for new releases)",
        examples=[{"next": "http://127.0.0.1:8000/ocds/releases?after=WyJvY2RzIiw1Nyww"}],
    )
    next_cursor: str | None = Field(description="pass as `after` to continue", examples=["WyJvY2RzIiw1Nyww"])


class RecordPackageOut(_Package):
    """One process as an OCDS 1.1 record package: its releases and the compiled release ocdsmerge builds."""

    records: list[dict[str, Any]] = Field(
        description="one record: `ocid`, `releases` (embedded) and `compiledRelease`",
        examples=[[{"ocid": "ocds-pl0001-2026-0001", "releases": [_RELEASE_EXAMPLE], "compiledRelease": {}}]],
    )
