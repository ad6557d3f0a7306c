"""Request shapes of a purchaser's writes: the process and its tender, evaluation and award, the contract and its
milestones. Caller-chosen references become on-chain ids as keccak256 of their text, as the demo's do."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from api.schemas_authority_writes import (
    DEMO_OCID,
    Hash32,
    Ocid,
    OrgId,
    Reference,
    Sha256,
    WriteIn,
    examples,
)

_DOC = "0xdf8766051e707498ee7a15ed6eef8d603bfb395eab4cfca4582f24eb7c4add6b"  # the demo's contract document
_SUPPLIER = "0xd2da0ba6a9958e225e171960f8f7b73dbbb108e0b095cccc40c726827bc25f5d"  # the demo's Harbour Roadworks
_NEW_OCID = "ocds-pl0001-2026-0104"
UnixTime = Field(gt=0, lt=2**64, description="unix seconds")
Amount = Field(gt=0, lt=2**96, description="in minor units of the process's currency")


class ProcessIn(WriteIn):
    """A purchaser opens a process on a budget line it may draw on; its ocid must begin with its ocid prefix."""

    model_config = examples(
        {
            "ocid": _NEW_OCID,
            "budget_id": "0x6dd5999eff3b9906f219abcc79974532a180e66a81831d70d3fa9fd1272c8884",
            "method": "open_tender",
            "doc_sha256": _DOC,
        }
    )

    ocid: Ocid = Field(description="the new process's ocid; its on-chain id is keccak256(ocid)")
    budget_id: Hash32 = Field(description="the budget line's on-chain id (GET /budgets/{budget_id}/trace)")
    method: Literal["open_tender", "single_source"]
    doc_sha256: Sha256 = Field(description="SHA-256 of the notice")
    rationale_sha256: Sha256 | None = Field(default=None, description="single source: SHA-256 of the justification")


class TenderIn(WriteIn):
    """Publish an open tender in planning, with its bid and reveal deadlines."""

    model_config = examples(
        {"ocid": _NEW_OCID, "bid_deadline": 1_798_761_600, "reveal_deadline": 1_798_848_000, "doc_sha256": _DOC}
    )

    ocid: Ocid
    bid_deadline: int = UnixTime
    reveal_deadline: int = UnixTime
    doc_sha256: Sha256 = Field(description="SHA-256 of the tender documents")


class TenderAmendmentIn(WriteIn):
    """Amend a tender before its bid deadline; deadlines may be extended, never shortened."""

    model_config = examples(
        {
            "ocid": _NEW_OCID,
            "amendment_ref": "AMD-1",
            "doc_sha256": _DOC,
            "rationale_sha256": _DOC,
            "bid_deadline": 1_798_761_600,
            "reveal_deadline": 1_798_848_000,
        }
    )

    ocid: Ocid
    amendment_ref: Reference = Field(description="your amendment's number; its id is keccak256(amendment_ref)")
    doc_sha256: Sha256 = Field(description="SHA-256 of the amended tender documents")
    rationale_sha256: Sha256 = Field(description="SHA-256 of why it was amended")
    bid_deadline: int = UnixTime
    reveal_deadline: int = UnixTime


class ProcessDecisionIn(WriteIn):
    """A purchaser's decision on a process, on one document: evaluation report, cancellation, termination or
    completion."""

    model_config = examples({"ocid": DEMO_OCID, "doc_sha256": _DOC})

    ocid: Ocid
    doc_sha256: Sha256 = Field(description="SHA-256 of the report or decision document")


class AwardIn(WriteIn):
    """Award a process: to a revealed bid at its amount (open tender, after evaluation), or directly (single
    source, in planning)."""

    model_config = examples(
        {"ocid": _NEW_OCID, "supplier_org_id": _SUPPLIER, "amount": 187_450_000, "doc_sha256": _DOC}
    )

    ocid: Ocid
    supplier_org_id: OrgId
    amount: int = Amount
    doc_sha256: Sha256 = Field(description="SHA-256 of the award decision")


class MilestoneIn(WriteIn):
    """One scheduled milestone: its reference (its id is keccak256 of it) and the amount payable once accepted."""

    milestone_ref: Reference = Field(description="e.g. CT-2026-0002/Q1, as the demo names them")
    amount: int = Amount


class _Scheduled(WriteIn):
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=64)

    @model_validator(mode="after")
    def _distinct_milestones(self) -> _Scheduled:
        refs = [each.milestone_ref for each in self.milestones]
        if len(set(refs)) != len(refs):
            raise ValueError("each milestone_ref may appear once")
        return self


class ContractIn(_Scheduled):
    """Sign the contract with the awarded supplier, for at most the award, with its payment schedule."""

    model_config = examples(
        {
            "ocid": _NEW_OCID,
            "contract_ref": "CT-2026-0104",
            "value": 187_450_000,
            "doc_sha256": _DOC,
            "milestones": [{"milestone_ref": "CT-2026-0104/M1", "amount": 187_450_000}],
        }
    )

    ocid: Ocid
    contract_ref: Reference = Field(description="the contract number; its on-chain id is keccak256(contract_ref)")
    value: int = Amount
    doc_sha256: Sha256 = Field(description="SHA-256 of the signed contract")
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=64)


class ContractAmendmentIn(_Scheduled):
    """A supplementary amendment: raise the value (at most 10% of the original in total) and/or add milestones."""

    model_config = examples(
        {
            "ocid": DEMO_OCID,
            "amendment_ref": "CT-2026-0002/A1",
            "increase": 4_200_000,
            "doc_sha256": _DOC,
            "milestones": [{"milestone_ref": "CT-2026-0002/X1", "amount": 4_200_000}],
        }
    )

    ocid: Ocid
    amendment_ref: Reference = Field(description="the amendment's number; its id is keccak256(amendment_ref)")
    increase: int = Field(ge=0, lt=2**96, description="added to the contract value, in minor units")
    doc_sha256: Sha256 = Field(description="SHA-256 of the amendment")


class AcceptanceIn(WriteIn):
    """The purchaser accepts a milestone the supplier delivered (履约验收), which makes its amount payable."""

    model_config = examples(
        {
            "ocid": DEMO_OCID,
            "milestone_id": "0x69a7d52e6264791631d718bf5d368251e335bdbfae658fc79cb637e5df06aeb4",
            "report_sha256": "0xce76a005290df4ae615cb10277932126ab9a026ed0396eb259f4c9cc88d71c63",
        }
    )

    ocid: Ocid
    milestone_id: Hash32 = Field(description="the milestone's on-chain id: keccak256 of its reference")
    report_sha256: Sha256 = Field(description="SHA-256 of the acceptance report")
