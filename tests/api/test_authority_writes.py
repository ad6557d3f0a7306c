"""The finance bureau's, purchaser's and auditor's writes over HTTP, end to end on a real anvil: each role's acts
are accepted (202), signed from its keystore by the submitter, confirmed, and visible in the read API; every
write refuses every other role's token (403 naming the role), a wrong or revoked token (401), and what the
contract would refuse (409 with the decoded error, nothing queued).

The chain is the one tests/api/test_writes.py builds (the demo, its keystores and tokens), one per database.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.app import create_app
from api.schemas_authority_writes import AuditNoteIn, BudgetIn, ComplaintResolutionIn, OrganisationDecisionIn
from api.schemas_purchaser_writes import (
    AcceptanceIn,
    AwardIn,
    ContractAmendmentIn,
    ContractIn,
    ProcessDecisionIn,
    ProcessIn,
    TenderAmendmentIn,
    TenderIn,
)
from api.schemas_writes import PaymentIn
from ledger.chain.accounts import derive_account
from ledger.chain.ledger_contract import process_id_of, reference, scoped_id
from ledger.demo import (
    AUDITOR,
    BUDGET_ID,
    DELIVERY,
    DEMO_PROCESSES,
    FINANCE,
    OCID_PREFIX,
    PURCHASER,
    SUPPLIER_A,
    SUPPLIER_B,
)
from ledger.gateway.submitter import submit_until_settled
from ledger.indexer.runner import build_indexer
from ledger.store.gateway_models import OutboxWrite
from ledger.store.tokens import issue_token, revoke_token
from tests.api.test_writes import OCID, Gateway, _headers, gateway  # noqa: F401  (fixture)

DOC = "0x" + hashlib.sha256(b"a decision document").hexdigest()
OPEN_TENDER_OCID = DEMO_PROCESSES[0].ocid  # in tender, its deadlines a month out

# Every write endpoint: the role it needs and its request model (whose OpenAPI example is a valid body).
WRITES: dict[str, tuple[str, type[BaseModel]]] = {
    "/payments": ("finance", PaymentIn),
    "/budgets": ("finance", BudgetIn),
    "/suspensions": ("finance", OrganisationDecisionIn),
    "/reinstatements": ("finance", OrganisationDecisionIn),
    "/complaint-resolutions": ("finance", ComplaintResolutionIn),
    "/processes": ("purchaser", ProcessIn),
    "/tenders": ("purchaser", TenderIn),
    "/tender-amendments": ("purchaser", TenderAmendmentIn),
    "/evaluations": ("purchaser", ProcessDecisionIn),
    "/awards": ("purchaser", AwardIn),
    "/cancellations": ("purchaser", ProcessDecisionIn),
    "/contracts": ("purchaser", ContractIn),
    "/contract-amendments": ("purchaser", ContractAmendmentIn),
    "/acceptances": ("purchaser", AcceptanceIn),
    "/terminations": ("purchaser", ProcessDecisionIn),
    "/completions": ("purchaser", ProcessDecisionIn),
    "/audit-notes": ("auditor", AuditNoteIn),
}
TOKEN_OF_ROLE = {"finance": "finance", "purchaser": "purchaser", "auditor": "auditor", "supplier": "supplier-a"}


@pytest.fixture(scope="module")
def api(gateway: Gateway) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(gateway.settings)) as client:
        yield client


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _example(model: type[BaseModel]) -> dict[str, Any]:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    return dict(extra["examples"][0])  # type: ignore[index, call-overload]


def _outbox_size(gateway: Gateway) -> int:  # noqa: F811
    with Session(gateway.engine) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxWrite)) or 0)


def _record(gateway: Gateway, api: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """POST a write as the role the endpoint needs, run the submitter, and return the write once confirmed."""
    token = gateway.tokens[TOKEN_OF_ROLE[WRITES[path][0]]]
    accepted = api.post(path, json=body, headers=_headers(token))
    assert accepted.status_code == 202, f"{path}: {accepted.text}"
    assert accepted.json()["state"] == "queued"
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)
    done = api.get(f"/writes/{accepted.json()['id']}", headers=_headers(token)).json()
    assert done["state"] == "confirmed" and done["error"] is None, f"{path}: {done}"
    return dict(done)


def _refused(gateway: Gateway, api: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """POST a write the contract refuses; asserts the 409 and that nothing was queued, returns the decoded revert."""
    before = _outbox_size(gateway)
    refused = api.post(path, json=body, headers=_headers(gateway.tokens[TOKEN_OF_ROLE[WRITES[path][0]]]))
    assert refused.status_code == 409, f"{path}: {refused.text}"
    assert refused.json()["error"] == "contract_revert" and "0x08c379a0" not in refused.text
    assert _outbox_size(gateway) == before
    return dict(refused.json()["revert"])


def _index(gateway: Gateway) -> None:  # noqa: F811
    build_indexer(gateway.settings, gateway.ledger.contract.w3, gateway.engine).catch_up()


def _as_supplier(gateway: Gateway, supplier: Any, function: str, *args: Any) -> None:  # noqa: F811
    """A supplier's own act, signed directly: supplier writes are not the authorities' gateway endpoints."""
    sender = gateway.ledger.sender(derive_account(gateway.settings, supplier.account_index))
    gateway.ledger.send(sender, function, *args)


def _chain_time(gateway: Gateway) -> int:  # noqa: F811
    return int(gateway.ledger.contract.w3.eth.get_block("latest")["timestamp"])


# allowed writes, end to end


def test_a_purchaser_runs_a_single_source_process_from_opening_to_completion(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    ocid, supplier = f"{OCID_PREFIX}-2026-0101", _hex(SUPPLIER_A.org_id)
    _record(gateway, api, "/processes", {"ocid": ocid, "budget_id": _hex(BUDGET_ID), "method": "single_source",
                                         "doc_sha256": DOC, "rationale_sha256": DOC})  # fmt: skip
    _record(gateway, api, "/awards", {"ocid": ocid, "supplier_org_id": supplier, "amount": 1000, "doc_sha256": DOC})
    milestones = [{"milestone_ref": "CT-0101/M1", "amount": 1000}]
    _record(gateway, api, "/contracts", {"ocid": ocid, "contract_ref": "CT-0101", "value": 1000, "doc_sha256": DOC,
                                         "milestones": milestones})  # fmt: skip
    added = [{"milestone_ref": "CT-0101/M2", "amount": 100}]
    _record(gateway, api, "/contract-amendments", {"ocid": ocid, "amendment_ref": "CT-0101/A1", "increase": 100,
                                                   "doc_sha256": DOC, "milestones": added})  # fmt: skip
    for ref in ("CT-0101/M1", "CT-0101/M2"):
        _as_supplier(
            gateway,
            SUPPLIER_A,
            "recordMilestone",
            process_id_of(ocid),
            reference(ref),
            DELIVERY,
            bytes.fromhex(DOC[2:]),
        )
        body = {"ocid": ocid, "milestone_id": _hex(reference(ref)), "report_sha256": DOC}
        _record(gateway, api, "/acceptances", body)
    _record(gateway, api, "/completions", {"ocid": ocid, "doc_sha256": DOC})
    _index(gateway)
    process = api.get(f"/processes/{ocid}").json()
    assert process["stage"] == "completed" and process["method"] == "single_source"
    assert process["award_amount"] is not None and process["supplier"]["org_id"] == supplier


def test_a_purchaser_publishes_amends_evaluates_and_cancels_an_open_tender(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    ocid = f"{OCID_PREFIX}-2026-0102"
    _record(gateway, api, "/processes", {"ocid": ocid, "budget_id": _hex(BUDGET_ID), "method": "open_tender",
                                         "doc_sha256": DOC})  # fmt: skip
    now = _chain_time(gateway)
    _record(gateway, api, "/tenders", {"ocid": ocid, "bid_deadline": now + 1000, "reveal_deadline": now + 2000,
                                       "doc_sha256": DOC})  # fmt: skip
    _record(gateway, api, "/tender-amendments", {"ocid": ocid, "amendment_ref": "AMD-1", "doc_sha256": DOC,
                                                 "rationale_sha256": DOC, "bid_deadline": now + 1500,
                                                 "reveal_deadline": now + 2500})  # fmt: skip
    w3 = gateway.ledger.contract.w3
    w3.provider.make_request("evm_increaseTime", [3000])  # test-only RPC: past the reveal deadline
    w3.provider.make_request("evm_mine", [])
    _record(gateway, api, "/evaluations", {"ocid": ocid, "doc_sha256": DOC})
    _record(gateway, api, "/cancellations", {"ocid": ocid, "doc_sha256": DOC})
    _index(gateway)
    assert api.get(f"/processes/{ocid}").json()["stage"] == "cancelled"


def test_a_purchaser_terminates_a_contract_in_implementation(gateway: Gateway, api: TestClient) -> None:  # noqa: F811
    _record(gateway, api, "/terminations", {"ocid": OCID, "doc_sha256": DOC})
    _index(gateway)
    assert api.get(f"/processes/{OCID}").json()["stage"] == "terminated"


def test_a_finance_bureau_approves_a_budget_line_whose_id_is_scoped_by_its_reference(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    body = {"budget_ref": "2026-RIVERSIDE-ROADS-001", "fiscal_year": 2026, "amount": 1_000_000, "currency": "CNY",
            "doc_sha256": DOC, "purchaser_org_ids": [_hex(PURCHASER.org_id)]}  # fmt: skip
    _record(gateway, api, "/budgets", body)
    budget_id = scoped_id(FINANCE.org_id, reference(body["budget_ref"]))
    assert gateway.ledger.call("budget", budget_id)[0] == 1_000_000
    _index(gateway)
    assert api.get(f"/budgets/{_hex(budget_id)}/trace").status_code == 200
    again = _refused(gateway, api, "/budgets", body)  # the same reference: the chain refuses a second line
    assert again["name"] == "BudgetAlreadyRecorded" and again["args"]["budgetId"] == _hex(budget_id)


def test_a_finance_bureau_suspends_a_purchaser_who_is_then_refused_and_reinstates_it(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    purchaser = _hex(PURCHASER.org_id)
    _record(gateway, api, "/suspensions", {"org_id": purchaser, "doc_sha256": DOC})
    _index(gateway)
    assert api.get(f"/organisations/{purchaser}").json()["suspended"] is True
    body = {"ocid": f"{OCID_PREFIX}-2026-0109", "budget_id": _hex(BUDGET_ID), "method": "open_tender",
            "doc_sha256": DOC}  # fmt: skip
    refused = api.post("/processes", json=body, headers=_headers(gateway.tokens["purchaser"]))
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        f"POST /processes needs the purchaser role in good standing; organisation {purchaser} is suspended"
    )
    _record(gateway, api, "/reinstatements", {"org_id": purchaser, "doc_sha256": DOC})
    _index(gateway)
    assert api.get(f"/organisations/{purchaser}").json()["suspended"] is False
    _record(gateway, api, "/processes", body)


def test_a_finance_bureau_resolves_a_suppliers_complaint(gateway: Gateway, api: TestClient) -> None:  # noqa: F811
    complaint_ref = reference(f"complaint {uuid.uuid4()}")
    _as_supplier(
        gateway, SUPPLIER_B, "fileComplaint", process_id_of(OPEN_TENDER_OCID), complaint_ref, bytes.fromhex(DOC[2:])
    )
    complaint_id = scoped_id(SUPPLIER_B.org_id, complaint_ref)
    body = {"ocid": OPEN_TENDER_OCID, "complaint_id": _hex(complaint_id), "outcome": "dismissed", "doc_sha256": DOC}
    _record(gateway, api, "/complaint-resolutions", body)
    status = gateway.ledger.call("complaintOf", process_id_of(OPEN_TENDER_OCID), complaint_id)[1]
    assert status == 2  # Dismissed
    again = _refused(gateway, api, "/complaint-resolutions", body)
    assert again["name"] == "ComplaintNotOpen" and again["args"]["complaintId"] == _hex(complaint_id)


def test_an_auditor_records_a_note_once_whatever_the_same_key_is_sent(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    body, headers = (
        {"ocid": OCID, "note_ref": f"AUD-{uuid.uuid4().hex[:8]}", "findings_sha256": DOC},
        _headers(gateway.tokens["auditor"]),
    )
    first = api.post("/audit-notes", json=body, headers=headers)
    again = api.post("/audit-notes", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200) and again.json()["id"] == first.json()["id"]
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)
    assert api.get(f"/writes/{first.json()['id']}", headers=headers).json()["state"] == "confirmed"
    note_id = scoped_id(AUDITOR.org_id, reference(body["note_ref"]))
    logs = gateway.ledger.contract.events.AuditNoteRecorded.get_logs(
        from_block=0, argument_filters={"processId": process_id_of(OCID)}
    )
    assert [log["args"]["noteId"] for log in logs].count(note_id) == 1
    refused = _refused(gateway, api, "/audit-notes", body)  # a new key, the same reference
    assert refused["name"] == "AuditNoteAlreadyRecorded" and refused["args"]["noteId"] == _hex(note_id)


# refusals


@pytest.mark.parametrize("path", sorted(WRITES))
def test_every_write_refuses_each_other_roles_token_with_403_naming_the_role_needed(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
    path: str,
) -> None:
    needed, model = WRITES[path]
    before = _outbox_size(gateway)
    others = [role for role in TOKEN_OF_ROLE if role != needed]
    for role in others:
        refused = api.post(path, json=_example(model), headers=_headers(gateway.tokens[TOKEN_OF_ROLE[role]]))
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden", f"{role}: {refused.text}"
        message = refused.json()["message"]
        assert message.startswith(f"POST {path} needs the {needed} role; organisation 0x")
        assert message.endswith(f"holds {role}")
    assert len(others) == 3 and _outbox_size(gateway) == before


@pytest.mark.parametrize(
    ("path", "body", "error", "argument"),
    [
        ("/reinstatements", {"org_id": _hex(SUPPLIER_A.org_id), "doc_sha256": DOC}, "OrganisationNotSuspended",
         ("orgId", _hex(SUPPLIER_A.org_id))),
        ("/completions", {"ocid": OPEN_TENDER_OCID, "doc_sha256": DOC}, "ProcessWrongStage",
         ("processId", _hex(process_id_of(OPEN_TENDER_OCID)))),
        ("/audit-notes", {"ocid": "ocds-nowhere-1", "note_ref": "AUD-1", "findings_sha256": DOC}, "ProcessUnknown",
         ("processId", _hex(process_id_of("ocds-nowhere-1")))),
    ],
    ids=["finance", "purchaser", "auditor"],
)  # fmt: skip
def test_a_write_the_contract_refuses_is_409_with_the_decoded_error_and_never_queued(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
    path: str,
    body: dict[str, Any],
    error: str,
    argument: tuple[str, str],
) -> None:
    revert = _refused(gateway, api, path, body)
    assert revert["name"] == error and revert["args"][argument[0]] == argument[1]


def test_wrong_and_revoked_tokens_are_401_and_an_organisation_not_on_chain_is_403(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    with Session(gateway.engine) as session, session.begin():
        revoked_info, revoked = issue_token(session, _hex(AUDITOR.org_id))
        revoke_token(session, revoked_info.id)
        _, stranger = issue_token(session, _hex(reference("an organisation the chain never heard of")))
    for path in ("/budgets", "/processes", "/audit-notes"):
        body = _example(WRITES[path][1])
        for token in ("plt_" + "x" * 43, revoked):
            response = api.post(path, json=body, headers=_headers(token))
            assert response.status_code == 401 and response.json()["error"] == "unauthenticated"
        unknown = api.post(path, json=body, headers=_headers(stranger))
        assert unknown.status_code == 403 and "is not registered on chain" in unknown.json()["message"]


def test_a_resent_stage_change_counts_its_own_earlier_transaction_not_the_refusal(
    gateway: Gateway,  # noqa: F811
    api: TestClient,
) -> None:
    ocid = f"{OCID_PREFIX}-2026-0103"
    _record(gateway, api, "/processes", {"ocid": ocid, "budget_id": _hex(BUDGET_ID), "method": "open_tender",
                                         "doc_sha256": DOC})  # fmt: skip
    write = _record(gateway, api, "/cancellations", {"ocid": ocid, "doc_sha256": DOC})
    with Session(gateway.engine) as session, session.begin():  # as if it crashed before hearing of the inclusion
        session.execute(update(OutboxWrite).where(OutboxWrite.id == write["id"]).values(state="queued"))
    submit_until_settled(gateway.submitter(), timeout=30, poll_interval=0.1)  # the resend: ProcessNotCancellable
    done = api.get(f"/writes/{write['id']}", headers=_headers(gateway.tokens["purchaser"])).json()
    assert done["state"] == "confirmed" and done["error"] is None and done["tx_hash"] == write["tx_hash"]
    logs = gateway.ledger.contract.events.ProcessCancelled.get_logs(
        from_block=0, argument_filters={"processId": process_id_of(ocid)}
    )
    assert len(logs) == 1


def test_every_write_endpoint_documents_an_example_and_its_answers(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    for path, (role, model) in WRITES.items():
        operation = document["paths"][path]["post"]
        assert {"202", "200", "401", "403", "409", "422", "429", "503"} <= set(operation["responses"]), path
        assert f"**{role}**" in operation["description"]
        examples = document["components"]["schemas"][model.__name__]["examples"]
        model.model_validate(examples[0])  # raises if the example is not a valid body
