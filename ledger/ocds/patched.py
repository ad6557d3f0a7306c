"""The OCDS 1.1.5 release schema patched by the extensions every package of this ledger declares.

An extension's `release-schema.json` is a JSON Merge Patch (RFC 7396) on the release schema. Both extensions
ship in `ledger/ocds/extensions/`: the official bids extension (v1.1.5, Apache 2.0, see its LICENSE) and this
ledger's chain-evidence extension (see its README). Packages name them by URL, as OCDS requires, but nothing here
fetches a URL: validation and merging read the local copies.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from ledger.ocds.schemas import RELEASE, schema

BIDS_EXTENSION_URL = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
)
EXTENSION_DIRS = ("bids", "chain")
"""The extensions' folders under ledger/ocds/extensions, in the order their patches apply."""


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` with the JSON Merge Patch `patch` applied (RFC 7396): objects merge, null deletes, the rest
    replaces. Neither argument is changed."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def extension_file(extension: str, name: str) -> dict[str, Any]:
    """The JSON file `name` of the shipped extension `extension` (a folder of EXTENSION_DIRS)."""
    text = resources.files("ledger.ocds").joinpath("extensions", extension, name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _patched() -> str:
    patched: Any = schema(RELEASE)
    for extension in EXTENSION_DIRS:
        patched = merge_patch(patched, extension_file(extension, "release-schema.json"))
    return json.dumps(patched)


def patched_release_schema() -> dict[str, Any]:
    """The release schema with every shipped extension's patch applied: a fresh copy the caller may change."""
    loaded: dict[str, Any] = json.loads(_patched())
    return loaded


def extension_urls(chain_extension_url: str) -> list[str]:
    """The `extensions` a package declares: the bids extension's official URL, then the chain extension's."""
    return [BIDS_EXTENSION_URL, chain_extension_url]


CHAIN_EXTENSION_PATH = "/ocds/extensions/chain/extension.json"


def shipped_extensions(declared: object, chain_extension_url: str) -> list[str]:
    """Which of the shipped extensions (by folder name) a package's `extensions` declares: the bids extension by
    its official URL, the chain extension by the configured URL or this API's path for it."""
    urls = [url for url in declared if isinstance(url, str)] if isinstance(declared, list) else []
    found = ["bids"] if BIDS_EXTENSION_URL in urls else []
    if any(url == chain_extension_url or url.endswith(CHAIN_EXTENSION_PATH) for url in urls):
        found.append("chain")
    return found
