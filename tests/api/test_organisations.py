"""GET /organisations and /organisations/{id}: role, accounts with membership history, suspensions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.chain.accounts import derive_account
from ledger.demo import FINANCE, ORGANISATIONS, SUPPLIER_A, SUPPLIER_B
from tests.api.lifecycle import EXTRA_ACCOUNT_INDEX, SUSPENSION_REASON, sha


def get(api: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_list_holds_every_registered_organisation_in_registration_order(api: TestClient) -> None:
    items = get(api, "/organisations")["items"]
    assert [item["party"]["org_id"] for item in items] == ["0x" + org.org_id.hex() for org in ORGANISATIONS]
    assert [item["suspended"] for item in items] == [org is SUPPLIER_B for org in ORGANISATIONS]
    suppliers = get(api, "/organisations", role="supplier")["items"]
    assert [item["role"] for item in suppliers] == ["supplier", "supplier"]
    first = get(api, "/organisations", limit=2)
    rest = get(api, "/organisations", after=first["next_cursor"])
    assert len(first["items"]) + len(rest["items"]) == len(ORGANISATIONS)


def test_membership_history_shows_an_account_added_then_removed(api: TestClient, demo_chain: Any) -> None:
    body = get(api, f"/organisations/0x{SUPPLIER_A.org_id.hex()}")
    extra = derive_account(demo_chain.settings, EXTRA_ACCOUNT_INDEX).address.lower()
    own = derive_account(demo_chain.settings, SUPPLIER_A.account_index).address.lower()
    assert [(change["account"], change["change"]) for change in body["membership"]] == [
        (own, "added"), (extra, "added"), (extra, "removed"),
    ]  # fmt: skip
    assert {(account["account"], account["active"]) for account in body["accounts"]} == {(own, True), (extra, False)}
    assert body["registered"]["contract"].startswith("0x") and len(body["registered"]["contract"]) == 42


def test_a_suspension_names_the_bureau_and_its_reason_document(api: TestClient) -> None:
    body = get(api, f"/organisations/0x{SUPPLIER_B.org_id.hex()}")
    assert body["suspended"] is True
    [suspension] = body["suspensions"]
    assert suspension["change"] == "suspended" and suspension["by"]["org_id"] == "0x" + FINANCE.org_id.hex()
    assert suspension["document"]["sha256"] == "0x" + sha(SUSPENSION_REASON).hex()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/organisations/0x" + "00" * 32, 404), ("/organisations/abc", 422), ("/organisations?role=king", 422)],
)
def test_unknown_or_malformed_organisations_get_a_clear_4xx(api: TestClient, path: str, status: int) -> None:
    response = api.get(path)
    assert response.status_code == status and response.json()["message"]
