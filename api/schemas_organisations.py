"""Response shapes of organisations: role, accounts with membership history, suspensions."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas_timeline import DocumentRefOut, EvidenceOut, PartyOut, Schema


class AccountOut(Schema):
    """An account and whether it signs for the organisation now."""

    account: str
    active: bool


class MembershipChangeOut(Schema):
    """An account joining or leaving the organisation."""

    account: str
    change: str = Field(examples=["added", "removed"])
    chain: EvidenceOut


class SuspensionChangeOut(Schema):
    """A suspension (e.g. 失信名单 debarment) or reinstatement by a finance bureau, with its reason document."""

    change: str = Field(examples=["suspended", "reinstated"])
    by: PartyOut
    account: str = Field(description="the account that signed for the finance bureau")
    document: DocumentRefOut
    chain: EvidenceOut


class OrganisationSummaryOut(Schema):
    """An organisation in a list."""

    party: PartyOut
    role: str = Field(examples=["supplier"])
    suspended: bool
    registered: EvidenceOut


class OrganisationOut(Schema):
    """An organisation with its name, accounts, membership history and suspensions."""

    party: PartyOut
    role: str
    suspended: bool
    registered: EvidenceOut
    accounts: list[AccountOut]
    membership: list[MembershipChangeOut]
    suspensions: list[SuspensionChangeOut]


class OrganisationListOut(BaseModel):
    """A page of organisations, in the order they were registered."""

    items: list[OrganisationSummaryOut]
    next_cursor: str | None
