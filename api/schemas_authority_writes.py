"""Request shapes of the finance bureaus' and auditors' writes (payments are in api.schemas_writes), and the field
types every write request shares."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.schemas_writes import HASH32

# One spelling of hex (lower case), so a resent body hashes the same for its Idempotency-Key.
Hash32 = Annotated[str, Field(pattern=HASH32), AfterValidator(str.lower)]
Sha256 = Annotated[Hash32, Field(description="0x + the document's SHA-256 (upload it with the documents API)")]
OrgId = Annotated[Hash32, Field(description="an organisation's on-chain id (0x…), as /organisations lists it")]
Ocid = Annotated[str, Field(min_length=1, max_length=128, description="the process's ocid")]
Reference = Annotated[str, Field(min_length=1, max_length=200)]

DEMO_OCID = "ocds-pl0001-2026-0002"
DEMO_PURCHASER = "0xc8a0d1be736600e80bc016d6732b7ffe133f3c9e1e9826ed4eb8da8857c77214"  # the demo purchaser
_DOC = "0xe57dade8e9f62426cff05d9c31305539b129fcb0df18e1d9148081ddca622286"  # any document's SHA-256


class WriteIn(BaseModel):
    """A write request: unknown fields are refused, so a typo is never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def examples(*values: JsonDict) -> ConfigDict:
    """A model config refusing unknown fields and showing `values` as OpenAPI examples."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(values)})


class BudgetIn(WriteIn):
    """A finance bureau approves a budget line that the purchaser organisations named may draw on."""

    model_config = examples(
        {
            "budget_ref": "2026-RIVERSIDE-GENERAL-015",
            "fiscal_year": 2026,
            "amount": 1_000_000_000,
            "currency": "CNY",
            "doc_sha256": _DOC,
            "purchaser_org_ids": [DEMO_PURCHASER],
        }
    )

    budget_ref: Reference = Field(
        description="your budget code; the line's on-chain id is scopedId(your organisation, keccak256(budget_ref))"
    )
    fiscal_year: int = Field(ge=1, lt=2**16)
    amount: int = Field(gt=0, lt=2**96, description="in minor units of the currency")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY")
    doc_sha256: Sha256 = Field(description="SHA-256 of the budget approval document")
    purchaser_org_ids: list[OrgId] = Field(min_length=1, max_length=64, description="purchasers that may draw on it")


class OrganisationDecisionIn(WriteIn):
    """A finance bureau's decision on a supplier or purchaser organisation: suspension, or reinstatement."""

    model_config = examples({"org_id": DEMO_PURCHASER, "doc_sha256": _DOC})

    org_id: OrgId
    doc_sha256: Sha256 = Field(description="SHA-256 of the decision document")


class ComplaintResolutionIn(WriteIn):
    """The finance bureau of the process's budget line resolves an open complaint."""

    model_config = examples({"ocid": DEMO_OCID, "complaint_id": _DOC, "outcome": "dismissed", "doc_sha256": _DOC})

    ocid: Ocid
    complaint_id: Hash32 = Field(description="the complaint's on-chain id, as the process's timeline shows it")
    outcome: Literal["dismissed", "upheld", "withdrawn"]
    doc_sha256: Sha256 = Field(description="SHA-256 of the decision document")


class AuditNoteIn(WriteIn):
    """An auditor attaches findings to a process."""

    model_config = examples({"ocid": DEMO_OCID, "note_ref": "AUD-2026-031", "findings_sha256": _DOC})

    ocid: Ocid
    note_ref: Reference = Field(
        description="your note's reference; its on-chain id is scopedId(your organisation, keccak256(note_ref)), so "
        "the same reference twice on one process is refused"
    )
    findings_sha256: Sha256 = Field(description="SHA-256 of the findings document")
