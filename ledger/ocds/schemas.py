"""The official OCDS 1.1.5 schemas, validated offline.

The package schemas point at the release schema by its canonical URL; a `referencing` registry serves each such
URL from the copies in `ledger/ocds/schema/` (Apache 2.0, Open Contracting Partnership: see its LICENSE), so
validating never touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)
RELEASE_PACKAGE = "release-package-schema.json"
RECORD_PACKAGE = "record-package-schema.json"
RELEASE = "release-schema.json"


@cache
def schema(name: str) -> dict[str, Any]:
    """One of the official schemas, as published (the JSON of `SCHEMA_FILES`' file `name`)."""
    text = resources.files("ledger.ocds").joinpath("schema", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def registry(release_schema: Mapping[str, Any] | None = None) -> Registry:
    """Every schema under its canonical URL; `release_schema` (e.g. patched by extensions) replaces the release's."""
    resources_ = []
    for name in SCHEMA_FILES:
        contents = dict(release_schema) if name == RELEASE and release_schema is not None else schema(name)
        resources_.append((contents["id"], Resource.from_contents(contents, default_specification=DRAFT4)))
    return Registry().with_resources(resources_)


def validator(name: str, release_schema: Mapping[str, Any] | None = None) -> Draft4Validator:
    """A validator for the package schema `name`, checking formats, resolving every reference offline."""
    return Draft4Validator(
        schema(name), registry=registry(release_schema), format_checker=Draft4Validator.FORMAT_CHECKER
    )


def problems(document: Any, name: str, release_schema: Mapping[str, Any] | None = None) -> Iterator[str]:
    """Each way `document` breaks the schema `name`, as `path: message` (path in JSON Pointer form)."""
    for error in sorted(validator(name, release_schema).iter_errors(document), key=lambda error: list(error.path)):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        yield f"{pointer}: {error.message}"
