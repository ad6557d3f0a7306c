"""Schemathesis sends generated requests, valid and invalid, to every operation of the OpenAPI document, on the
mirror holding the demo and a full lifecycle, and checks each answer: no 5xx, only documented statuses and
content types, bodies that match their schema, and invalid data refused with a 4xx.

Generated ids rarely name a record that exists, so a second test sends the demo's own ids through the same checks:
the 200s of every lookup (and the 410 of a withdrawn document) are checked against the document too.

Both run on SQLite and on PostgreSQL (about 30 s of generated cases each). The seed is fixed (derandomized), so
CI sends the same requests as a run here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from ledger.demo import (
    BUDGET_ID,
    DEMO_PROCESSES,
    ORGANISATIONS,
    PURCHASER,
    SUPPLIER_A,
    WITHDRAWN_BID,
    anchored_documents,
)

MIN_CASES = 1_000
EXAMPLES_PER_OPERATION = 100  # about 2,300 cases per database: operations with few inputs (/health) run fewer
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(api_app: FastAPI) -> BaseSchema:
    """The OpenAPI document as the application serves it, with requests sent to the application in process."""
    config = SchemathesisConfig.from_dict({"seed": 20260101, "generation": {"deterministic": True}})
    return schemathesis.openapi.from_asgi("/openapi.json", api_app, config=config)


@pytest.fixture
def cases_run() -> Iterator[Counter[str]]:
    """Counts the cases sent per operation, and fails the run if fewer than MIN_CASES were sent in all."""
    counter: Counter[str] = Counter()
    yield counter
    assert counter.total() >= MIN_CASES, f"expected at least {MIN_CASES} cases, ran {counter.total()}: {counter}"


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(case: Case, cases_run: Counter[str]) -> None:
    cases_run[case.operation.label] += 1
    case.call_and_validate(checks=[*CONFORMANCE, negative_data_rejection])


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _demo_requests() -> list[tuple[str, dict[str, Any], int]]:
    """(path template, path parameters, expected status) for every record of the demo."""
    requests: list[tuple[str, dict[str, Any], int]] = []
    for process in DEMO_PROCESSES:
        requests += [("/processes/{ocid}", {"ocid": process.ocid}, 200)]
        requests += [("/processes/{ocid}/timeline", {"ocid": process.ocid}, 200)]
    for org in ORGANISATIONS:
        requests += [("/organisations/{org_id}", {"org_id": _hex(org.org_id)}, 200)]
    requests += [
        ("/budgets/{budget_id}/trace", {"budget_id": _hex(BUDGET_ID)}, 200),
        ("/buyers/{org_id}/trace", {"org_id": _hex(PURCHASER.org_id)}, 200),
        ("/suppliers/{org_id}/trace", {"org_id": _hex(SUPPLIER_A.org_id)}, 200),
        ("/suppliers/{org_id}/bids", {"org_id": _hex(SUPPLIER_A.org_id)}, 200),
    ]
    for document in anchored_documents():
        sha = {"sha256": _hex(document.digest)}
        withdrawn = document is WITHDRAWN_BID
        requests += [("/documents/{sha256}", sha, 200), ("/documents/{sha256}/proof", sha, 200)]
        requests += [("/documents/{sha256}/content", sha, 410 if withdrawn else 200)]
    return requests


def test_the_demos_own_records_answer_as_documented(api_schema: BaseSchema) -> None:
    requests = _demo_requests()
    for path, parameters, status in requests:
        case = api_schema[path]["GET"].Case(path_parameters=parameters)
        response = case.call_and_validate(checks=CONFORMANCE)
        assert response.status_code == status, f"{case.formatted_path}: {response.status_code} {response.text}"
    assert len(requests) > 40  # every process, organisation and document of the demo
