"""The OpenAPI document, corrected to show the error shape the API really returns.

FastAPI documents every 422 as its own `HTTPValidationError` ({"detail": [...]}), but api.errors answers every
error, 422 included, as `ErrorOut`. Rewriting the generated document covers every router, present and future.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from api.schemas import ErrorOut

_SCHEMAS = "#/components/schemas/"
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
_INVALID = "Invalid request: a parameter is missing, malformed or out of range; the message names it"
_UNPARSABLE = "The body could not be parsed (e.g. it is not JSON, or not UTF-8)"


def install_openapi(app: FastAPI) -> None:
    """Make `app` document every error response, 422 included, as ErrorOut."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_error_out(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document


def _with_error_out(document: dict[str, Any]) -> dict[str, Any]:
    error_schema = ErrorOut.model_json_schema(ref_template=_SCHEMAS + "{model}")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(error_schema.pop("$defs", {}))
    schemas[ErrorOut.__name__] = error_schema
    content = {"application/json": {"schema": {"$ref": _SCHEMAS + ErrorOut.__name__}}}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if "requestBody" in operation:  # FastAPI answers a body it cannot parse with a 400 before validation
                operation["responses"].setdefault("400", {"description": _UNPARSABLE})
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    response["content"] = content
                    if status == "422":
                        response["description"] = _INVALID
    for name in _FASTAPI_ONLY:  # in this order: HTTPValidationError is what refers to ValidationError
        if f'"{_SCHEMAS}{name}"' not in json.dumps(document):
            schemas.pop(name, None)
    return document
