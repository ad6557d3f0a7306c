"""Response shapes of traceability: budget line, buyer or supplier → processes → contracts → milestones → payments."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas_timeline import DocumentRefOut, EvidenceOut, MinorUnits, PartyOut, Schema


class TotalsOut(Schema):
    """Money from budget to payment in one currency, in minor units (decimal strings)."""

    currency: str = Field(examples=["CNY"])
    approved: MinorUnits | None = Field(description="the budget line's approved amount (budget lines only)")
    committed: MinorUnits | None = Field(description="what awards and contracts hold on the line (budget lines only)")
    awarded: MinorUnits
    contracted: MinorUnits
    accepted: MinorUnits
    paid: MinorUnits
    remaining: MinorUnits | None = Field(description="approved less committed (budget lines only)")
    outstanding: MinorUnits = Field(description="contracted less paid; a terminated contract counts what was accepted")


class PaymentFactOut(Schema):
    """A payment, and the days it took after the acceptance of the milestone it pays."""

    payment_id: str
    amount: MinorUnits
    paid_at: datetime
    days_to_pay: float | None = Field(examples=[12.0])
    late: bool = Field(description="paid more than 30 days after acceptance (保障中小企业款项支付条例)")
    payer: PartyOut
    payee: PartyOut
    payee_account: str
    voucher: DocumentRefOut
    chain: EvidenceOut


class MilestoneFactOut(Schema):
    """A milestone of the contract's payment schedule."""

    milestone_id: str
    amount: MinorUnits
    state: str = Field(examples=["scheduled", "delivered", "accepted"])
    delivered_at: datetime | None
    accepted_at: datetime | None
    paid: MinorUnits
    unpaid: MinorUnits
    overdue: bool = Field(description="accepted, not fully paid, and accepted over 30 days before the newest block")
    days_since_acceptance: float | None
    payments: list[PaymentFactOut]


class ContractFactOut(Schema):
    """The contract, what was accepted and paid on it, and its schedule."""

    contract_id: str
    supplier: PartyOut
    value: MinorUnits
    accepted: MinorUnits
    paid: MinorUnits
    outstanding: MinorUnits
    terminated: bool
    released: MinorUnits | None = Field(description="what completion or termination gave back to the budget line")
    document: DocumentRefOut
    milestones: list[MilestoneFactOut]
    chain: EvidenceOut


class ProcessTraceOut(Schema):
    """One process on the way from budget to payment."""

    ocid: str
    process_id: str
    stage: str
    currency: str
    title: DocumentRefOut
    buyer: PartyOut
    supplier: PartyOut | None
    awarded: MinorUnits | None
    contract: ContractFactOut | None
    chain: EvidenceOut


class TraceOut(Schema):
    """Totals over all the subject's processes, flags, and one page of processes in full."""

    scope: str = Field(examples=["budget", "buyer", "supplier"])
    subject: PartyOut | None = Field(description="the buyer or supplier organisation (null for a budget line)")
    budget_id: str | None
    as_of: datetime | None = Field(description="time of the newest block in the mirror: 'now' for the flags")
    totals: list[TotalsOut] = Field(description="one entry per currency")
    late_payments: int = Field(description="payments made more than 30 days after acceptance")
    overdue_milestones: int = Field(description="accepted milestones unpaid after more than 30 days")
    processes: list[ProcessTraceOut]
    next_cursor: str | None = Field(default=None, description="pass as `after` for the next page of processes")
