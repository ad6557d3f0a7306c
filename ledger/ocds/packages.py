"""OCDS packages: a release package written as its releases stream by, and record packages compiled by ocdsmerge.

The writer takes any iterable of release dicts, so releases derived from the chain and releases kept from
elsewhere (imported publications) go into one package, and only one release is held at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TextIO

import ocdsmerge

from ledger.ocds.patched import extension_urls, patched_release_schema

OCDS_VERSION = "1.1"
PUBLISHER = "procurement-ledger"


@dataclass(frozen=True)
class PackageMetadata:
    """What a package says about itself: where it is served, when and by whom it was published, which extensions."""

    uri: str
    published_date: str
    publisher: str
    extensions: list[str]

    def fields(self) -> dict[str, Any]:
        """The package's fields before its releases or records, in the order the schema lists them."""
        return {
            "uri": self.uri,
            "version": OCDS_VERSION,
            "extensions": self.extensions,
            "publishedDate": self.published_date,
            "publisher": {"name": self.publisher},
        }


def package_metadata(
    uri: str, chain_extension_url: str, publisher: str = PUBLISHER, now: datetime | None = None
) -> PackageMetadata:
    """The metadata of a package served at `uri`, published now, declaring the shipped extensions."""
    published = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return PackageMetadata(uri, published, publisher, extension_urls(chain_extension_url))


Release = Mapping[str, Any] | bytes  # a release as a value, or as JSON text kept as published (ledger.ocds.imported)


def write_release_package(
    out: TextIO, releases: Iterable[Release], metadata: PackageMetadata, after: Mapping[str, Any] | None = None
) -> int:
    """Write a release package of `releases` to `out`, one release at a time, then the fields `after` (e.g. paging
    links); returns how many releases it holds."""
    head = json.dumps(metadata.fields(), ensure_ascii=False)
    out.write(head[:-1] + ', "releases": [')
    count = 0
    for release in releases:
        out.write(",\n" if count else "\n")
        out.write(release.decode() if isinstance(release, bytes) else json.dumps(release, ensure_ascii=False))
        count += 1
    out.write("\n]")
    for name, value in (after or {}).items():
        out.write(f", {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}")
    out.write("}\n")
    return count


@cache
def _merger() -> ocdsmerge.Merger:
    # Given the schema as a dict, ocdsmerge derives its merge rules from it and never fetches a URL.
    return ocdsmerge.Merger(patched_release_schema())


def compiled_release(releases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release of one ocid's releases (in date order), as ocdsmerge builds it."""
    compiled: dict[str, Any] = _merger().create_compiled_release([dict(release) for release in releases])
    return compiled


def record_package(
    metadata: PackageMetadata, records: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]
) -> dict[str, Any]:
    """A record package of one record per (ocid, releases): the releases embedded, and their compiled release."""
    return {
        **metadata.fields(),
        "records": [
            {
                "ocid": ocid,
                "releases": [dict(release) for release in releases],
                "compiledRelease": compiled_release(releases),
            }
            for ocid, releases in records
        ],
    }
