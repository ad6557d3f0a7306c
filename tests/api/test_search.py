"""GET /processes?q=: words of a title or description find the process, on every database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.demo import DEMO_PROCESSES


def test_words_of_a_chinese_title_find_the_process(api: TestClient) -> None:
    response = api.get("/processes", params={"q": "物业管理"})
    assert response.status_code == 200, response.text
    assert [item["ocid"] for item in response.json()["items"]] == [DEMO_PROCESSES[2].ocid]


def test_words_of_a_description_find_the_process_case_insensitively(api: TestClient) -> None:
    response = api.get("/processes", params={"q": "ORIGINAL VENDOR"})
    assert response.status_code == 200, response.text
    assert [item["ocid"] for item in response.json()["items"]] == [DEMO_PROCESSES[1].ocid]


def test_words_found_nowhere_are_an_empty_page_not_a_500(api: TestClient) -> None:
    # Schemathesis found this: on SQLite every search was a 500 (SQLAlchemy 2.1 could not build the subquery).
    response = api.get("/processes", params={"q": "0" * 200})
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}
