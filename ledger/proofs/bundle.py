"""The proof bundle format: one JSON file that proves a procurement process's events without a node.

Version 1 is documented by `bundle.schema.json` beside this module and checked against it on every load. A
bundle names its chain, contract and process, and holds the process's events (raw logs), the header of each block
holding one, a Merkle-Patricia proof of each transaction's receipt against its header's receiptsRoot (headers.py,
receipts.py), and an RFC 6962 inclusion proof (merkle.py) of each document anchored under the process. Export is
bundle_export.py, verification bundle_verify.py. A bundle proves what it holds, never what it leaves out: that no
event is missing needs a node (`procledger proof verify --rpc`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ledger.errors import BundleFormatError
from ledger.indexer.decode import EventDecoder, event_topic

FORMAT = "application/vnd.procledger.proof-bundle+json"
VERSION = 1


def load_bundle(text: str) -> dict[str, Any]:
    """A bundle read from JSON text and checked against the schema of its version; BundleFormatError if not."""
    try:
        bundle = json.loads(text)
    except ValueError as exc:
        raise BundleFormatError(f"expected a JSON proof bundle, got text that is not JSON ({exc})") from None
    if not isinstance(bundle, dict):
        raise BundleFormatError(f"expected a JSON object (a proof bundle), got a JSON {type(bundle).__name__}")
    found = (bundle.get("format"), bundle.get("version"))
    if found != (FORMAT, VERSION):
        raise BundleFormatError(
            f"expected a proof bundle of format {FORMAT} version {VERSION}, got format {found[0]!r} version "
            f"{found[1]!r}; export it again with `procledger proof export`"
        )
    error = best_match(_validator().iter_errors(bundle))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise BundleFormatError(
            f"expected a bundle matching the version {VERSION} schema, got at {where}: {error.message}"
        )
    return bundle


def dump_bundle(bundle: dict[str, Any]) -> str:
    """The bundle as compact JSON text, checked against the schema first (an exporter bug never ships)."""
    text = json.dumps(bundle, separators=(",", ":")) + "\n"
    load_bundle(text)
    return text


def schema() -> dict[str, Any]:
    """The JSON Schema of the current bundle version."""
    loaded: dict[str, Any] = json.loads(resources.files(__package__).joinpath("bundle.schema.json").read_text())
    return loaded


def process_topics(decoder: EventDecoder) -> dict[str, int]:
    """For each event of ours that names a process, its topic0 and which topic holds the process id."""
    found = {}
    for abi in decoder.abis:
        for entry in abi:
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            indexed = [param["name"] for param in entry["inputs"] if param["indexed"]]
            if "processId" in indexed:
                found[event_topic(entry)] = 1 + indexed.index("processId")
    return found


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())
