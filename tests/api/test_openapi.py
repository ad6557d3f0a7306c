"""The OpenAPI document describes the errors the API really returns, and /docs works without the internet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.demo import BUDGET_APPROVAL

ERROR_OUT = {"$ref": "#/components/schemas/ErrorOut"}


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_error_response_is_documented_as_error_out(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    documented = {
        (name, status): response["content"]["application/json"]["schema"]
        for name, operation in _operations(document)
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5"))
    }
    assert {("GET /processes", "422"), ("GET /processes/{ocid}", "422"), ("GET /processes/{ocid}", "404")} <= set(
        documented
    )
    assert all(schema == ERROR_OUT for schema in documented.values()), documented


def test_fastapis_own_validation_error_shape_is_gone(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ErrorOut"]["required"] == ["error", "message"]
    assert schemas["ErrorOut"]["properties"]["revert"]["anyOf"][0] == {"$ref": "#/components/schemas/RevertOut"}
    assert "RevertOut" in schemas


def test_every_integer_parameter_is_bounded(client: TestClient) -> None:
    parameters = [
        (name, parameter)
        for name, operation in _operations(client.get("/openapi.json").json())
        for parameter in operation.get("parameters", [])
        if parameter["schema"].get("type") == "integer"
    ]
    assert parameters, "expected at least limit"
    unbounded = [f"{name} {p['name']}" for name, p in parameters if not {"minimum", "maximum"} <= set(p["schema"])]
    assert not unbounded, f"integer parameters without bounds (a huge value overflows SQLite): {unbounded}"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_every_asset_from_this_server(client: TestClient, page: str) -> None:
    html = client.get(page).text
    assert not re.findall(r"https?://", html), "the page reaches outside; it would be blank offline"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"""url: ?["']([^"']+)["']""", html)
    assert any(asset.endswith(".js") for asset in assets), html
    assert "/openapi.json" in assets or page == "/redoc"
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.content, asset


def test_document_bytes_go_out_as_stored_and_the_document_allows_any_media_type(api: TestClient) -> None:
    # Schemathesis found GET /documents/{sha256}/content answering text/plain where only octet-stream was documented.
    response = api.get(f"/documents/0x{BUDGET_APPROVAL.digest.hex()}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    responses = api.get("/openapi.json").json()["paths"]["/documents/{sha256}/content"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["*/*"]
