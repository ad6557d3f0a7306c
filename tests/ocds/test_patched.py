"""The extensions as shipped: the bids extension is the official v1.1.5 with its licence, patches apply with JSON
Merge Patch semantics, and which extensions a package declares is told from its URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.ocds.ocids import chain_ocid_candidates, published_ocid
from ledger.ocds.patched import (
    BIDS_EXTENSION_URL,
    extension_file,
    merge_patch,
    patched_release_schema,
    shipped_extensions,
)
from ledger.ocds.schemas import RELEASE, schema
from ledger.settings import Settings

EXTENSIONS = Path(__file__).parent.parent.parent / "ledger" / "ocds" / "extensions"


@pytest.mark.parametrize(
    ("target", "patch", "merged"),
    [
        ({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}}, {"a": 1, "b": {"d": 3, "e": 4}}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),  # arrays are replaced, not merged
        ({"a": "x"}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": 1}, "whole", "whole"),
    ],
)
def test_merge_patch_follows_rfc_7396(target: Any, patch: Any, merged: Any) -> None:
    assert merge_patch(target, patch) == merged


def test_the_patched_schema_adds_the_extensions_fields_and_leaves_the_official_one_unchanged() -> None:
    patched = patched_release_schema()
    assert {"bids", "chainReference"} <= set(patched["properties"])
    assert {"sha256", "chainReference"} <= set(patched["definitions"]["Document"]["properties"])
    assert "value" in patched["definitions"]["Milestone"]["properties"]
    assert "bids" not in schema(RELEASE)["properties"]  # the cached official schema was not touched
    patched["properties"].clear()
    assert "bids" in patched_release_schema()["properties"]  # each caller gets its own copy


def test_the_bids_extension_is_the_official_v1_1_5_under_its_apache_licence() -> None:
    assert extension_file("bids", "extension.json")["documentationUrl"]["en"].endswith("/extensions/bids/")
    assert "Apache License" in (EXTENSIONS / "bids" / "LICENSE").read_text()
    definitions = extension_file("bids", "release-schema.json")["definitions"]
    assert set(definitions) == {"Award", "BidsStatistic", "Bids", "Bid"}
    assert BIDS_EXTENSION_URL.endswith("/ocds_bid_extension/v1.1.5/extension.json")


def test_a_package_declares_the_shipped_extensions_by_url() -> None:
    mine = "https://ledger.example/ocds/extensions/chain/extension.json"
    assert shipped_extensions([BIDS_EXTENSION_URL, mine], "http://x/y.json") == ["bids", "chain"]
    assert shipped_extensions(["http://elsewhere/extension.json", 3], "http://x/y.json") == []
    assert shipped_extensions(None, "http://x/y.json") == []


def test_the_publisher_prefix_goes_before_an_ocid_only_when_it_lacks_it() -> None:
    assert published_ocid("ocds-pl0001-2026-0001", "") == "ocds-pl0001-2026-0001"
    assert published_ocid("ocds-pl0001-2026-0001", "ocds-213czf") == "ocds-213czf-ocds-pl0001-2026-0001"
    assert published_ocid("ocds-213czf-7", "ocds-213czf") == "ocds-213czf-7"
    assert chain_ocid_candidates("ocds-213czf-ocds-pl0001-1", "ocds-213czf") == [
        "ocds-pl0001-1",
        "ocds-213czf-ocds-pl0001-1",
    ]
    assert chain_ocid_candidates("ocds-pl0001-1", "ocds-213czf") == ["ocds-pl0001-1"]


def test_the_ocds_settings_refuse_a_malformed_prefix_and_default_the_extension_url_to_this_api(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_port=8123)
    assert settings.ocds_extension_url == "http://127.0.0.1:8123/ocds/extensions/chain/extension.json"
    for bad in ("ocds 213czf", "ocds-213czf-", "-x"):
        with pytest.raises(ValueError, match="ocds_ocid_prefix"):
            Settings(data_dir=tmp_path, ocds_ocid_prefix=bad)
