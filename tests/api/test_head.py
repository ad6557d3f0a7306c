"""HEAD works wherever GET does: same status and headers, no body."""

from __future__ import annotations

from fastapi.testclient import TestClient

DOCUMENTATION = ["/docs", "/redoc", "/openapi.json"]


# /metrics counts the requests themselves, so its body grows between the GET and the HEAD.
CHANGES_ON_EACH_READ = {"/metrics"}


def test_head_on_every_get_route_answers_like_get_without_a_body(client: TestClient) -> None:
    documented = client.get("/openapi.json").json()["paths"]
    paths = [path for path, item in documented.items() if "get" in item and "{" not in path] + DOCUMENTATION
    assert {"/health", "/processes"} <= set(paths)
    for path in paths:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        if path not in CHANGES_ON_EACH_READ:
            assert head.headers["content-length"] == str(len(got.content)), path
        assert head.headers["content-type"] == got.headers["content-type"], path


def test_head_on_a_path_parameter_route_gives_its_status(client: TestClient) -> None:
    response = client.head("/processes/ocds-nobody-0000")
    assert response.status_code == 404
    assert response.content == b""
