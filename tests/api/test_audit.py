"""GET /audit/processes/{ocid}: the chain's replay of a process against the mirror the API serves."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.demo import DEMO_PROCESSES


def test_a_process_of_a_faithful_mirror_audits_consistent_with_no_differences(api: TestClient) -> None:
    response = api.get(f"/audit/processes/{DEMO_PROCESSES[0].ocid}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["consistent"] is True and body["differences"] == []
    assert body["ocid"] == DEMO_PROCESSES[0].ocid
    assert body["events"] > 20 and body["rows"] > 10


def test_an_ocid_the_chain_never_created_is_a_404_in_the_error_shape(api: TestClient) -> None:
    response = api.get("/audit/processes/ocds-pl0001-2026-9999")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found"
    assert body["message"].startswith("expected a ProcessCreated event with process id 0x")
