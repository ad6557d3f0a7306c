"""Follow the money: a budget line, a buyer or a supplier organisation → processes → contracts → milestones →
payments, with totals and the days each payment took.

A payment made more than 30 days after its milestone's acceptance is flagged, and so is an accepted milestone left
unpaid for more than 30 days (保障中小企业款项支付条例, art. 9). "Now" is the time of the newest block the mirror
holds, so the answer depends on the chain only, not on the server's clock.

Amounts are summed in Python: they are uint96 on chain, beyond what SQLite's integer SUM can hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.read.facts import DocumentRef, Evidence, NameResolver, Names, Party, block_time, evidence_of
from ledger.store.models import Block
from ledger.store.projections import Budget, ContractRow, Milestone, Organisation, Payment, Process

PAYMENT_DAYS = 30
DAY_SECONDS = 86_400
Scope = Literal["budget", "buyer", "supplier"]


@dataclass(frozen=True)
class Totals:
    """Money along the chain from budget to payment, in one currency (minor units)."""

    currency: str
    approved: int | None
    committed: int | None
    awarded: int
    contracted: int
    accepted: int
    paid: int
    remaining: int | None
    """Approved less committed: what the budget line can still commit (budget lines only)."""
    outstanding: int
    """Contracted less paid (a terminated contract counts at what was accepted)."""


@dataclass(frozen=True)
class PaymentFact:
    """A payment and how long it took after its milestone's acceptance."""

    payment_id: str
    amount: int
    paid_at: datetime
    days_to_pay: float | None
    late: bool
    payer: Party
    payee: Party
    payee_account: str
    voucher: DocumentRef
    chain: Evidence


@dataclass(frozen=True)
class MilestoneFact:
    """A milestone of the payment schedule: its amount, state, acceptance, what was paid and whether it is overdue."""

    milestone_id: str
    amount: int
    state: str
    delivered_at: datetime | None
    accepted_at: datetime | None
    paid: int
    unpaid: int
    overdue: bool
    """Accepted, not fully paid, and accepted more than 30 days before the newest block."""
    days_since_acceptance: float | None
    payments: list[PaymentFact]


@dataclass(frozen=True)
class ContractFact:
    """The contract with its value, what was accepted and paid, and its schedule."""

    contract_id: str
    supplier: Party
    value: int
    accepted: int
    paid: int
    outstanding: int
    terminated: bool
    released: int | None
    document: DocumentRef
    milestones: list[MilestoneFact]
    chain: Evidence


@dataclass(frozen=True)
class ProcessTrace:
    """One process on the way from budget to payment."""

    ocid: str
    process_id: str
    stage: str
    currency: str
    title: DocumentRef
    buyer: Party
    supplier: Party | None
    awarded: int | None
    contract: ContractFact | None
    chain: Evidence


@dataclass(frozen=True)
class Trace:
    """A budget line's, buyer's or supplier's processes, one page of them in full, with totals over all."""

    scope: Scope
    subject: Party | None
    budget_id: str | None
    as_of: datetime | None
    totals: list[Totals]
    late_payments: int
    overdue_milestones: int
    processes: list[ProcessTrace] = field(default_factory=list)
    next_after: tuple[int, int] | None = None


def trace(
    session: Session, scope: Scope, subject_id: str, after: tuple[int, int] | None = None, limit: int = 50
) -> Trace:
    """The trace of budget line, buyer or supplier `subject_id`: totals over all its processes, and the processes
    after position `after` (block, log index), up to `limit`, in chain order."""
    budget = _budget(session, subject_id) if scope == "budget" else None
    where = _scope_filter(scope, subject_id)
    now = _newest_block_time(session)
    rows = _scope_rows(session, where)
    if scope == "budget" and budget is None:
        raise NotFoundError(f"no budget line {subject_id} is recorded; check the id (keccak256 of the finance "
                            "bureau's id and the line's reference), or wait for the indexer (see /health)")  # fmt: skip
    if scope != "budget" and not rows.processes and not _organisation_known(session, subject_id):
        raise NotFoundError(f"no organisation {subject_id} is recorded as a {scope}; check the id (keccak256 of "
                            "its registry id), or wait for the indexer (see /health)")  # fmt: skip
    late, overdue = _flags(rows, now)
    query = select(Process).where(where).order_by(Process.block_number, Process.log_index)
    if after is not None:
        query = query.where(tuple_(Process.block_number, Process.log_index) > tuple_(*after))
    page = list(session.scalars(query.limit(limit + 1)))
    more, page = len(page) > limit, page[:limit]
    details = _details(session, page)
    resolver = NameResolver()
    resolver.want_orgs([subject_id] if scope != "budget" else [])
    for process in page:
        resolver.want_orgs(org for org in (process.purchaser_org, process.supplier_org) if org)
        resolver.want_documents([process.doc_hash])
    resolver.want_orgs(payment.payer_org for payment in details.payments)
    resolver.want_documents(payment.voucher_hash for payment in details.payments)
    resolver.want_documents(contract.doc_hash for contract in details.contracts.values())
    names = resolver.resolve(session)
    return Trace(
        scope=scope,
        subject=None if scope == "budget" else names.party(scope, subject_id),
        budget_id=subject_id if scope == "budget" else None,
        as_of=block_time(now) if now is not None else None,
        totals=_totals(rows, budget),
        late_payments=late,
        overdue_milestones=overdue,
        processes=[_process_trace(process, details, names, now) for process in page],
        next_after=(page[-1].block_number, page[-1].log_index) if more and page else None,
    )


def _scope_filter(scope: Scope, subject_id: str) -> ColumnElement[bool]:
    column = {"budget": Process.budget_id, "buyer": Process.purchaser_org, "supplier": Process.supplier_org}[scope]
    return column == subject_id


def _budget(session: Session, budget_id: str) -> Budget | None:
    return session.scalars(select(Budget).where(Budget.budget_id == budget_id)).first()


def _organisation_known(session: Session, org_id: str) -> bool:
    return session.scalar(select(func.count()).where(Organisation.org_id == org_id)) != 0


def _newest_block_time(session: Session) -> int | None:
    # In the order of blocks' unique (chain id, number) index, so the newest is read, not found by sorting them all
    newest = session.execute(
        select(Block.timestamp).order_by(Block.chain_id.desc(), Block.number.desc()).limit(1)
    ).scalar()
    return int(newest) if newest is not None else None


@dataclass(frozen=True)
class _ScopeRows:
    """The narrow columns of every process, contract, milestone and payment in scope, for totals and flags."""

    processes: list[tuple[str, str, int | None]]  # process id, currency, award amount
    contracts: list[tuple[str, int, int, int, bool]]  # process id, value, accepted, paid, terminated
    milestones: list[tuple[str, int, int, int | None]]  # process id, amount, paid, accepted time
    payments: list[tuple[int, int | None]]  # payment time, its milestone's accepted time


def _scope_rows(session: Session, where: ColumnElement[bool]) -> _ScopeRows:
    processes = [
        (str(pid), str(currency or ""), award)
        for pid, currency, award in session.execute(
            select(Process.process_id, Budget.currency, Process.award_amount)
            .outerjoin(Budget, (Budget.chain_id == Process.chain_id) & (Budget.budget_id == Process.budget_id))
            .where(where)
        )
    ]
    in_scope = select(Process.process_id).where(where).scalar_subquery()
    contracts = [
        (str(pid), int(value), int(accepted), int(paid), bool(terminated))
        for pid, value, accepted, paid, terminated in session.execute(
            select(
                ContractRow.process_id,
                ContractRow.value,
                ContractRow.accepted_total,
                ContractRow.paid,
                ContractRow.terminated,
            ).where(ContractRow.process_id.in_(in_scope))
        )
    ]
    milestones = [
        (str(pid), int(amount), int(paid), accepted)
        for pid, amount, paid, accepted in session.execute(
            select(Milestone.process_id, Milestone.amount, Milestone.paid, Milestone.accepted_time).where(
                Milestone.process_id.in_(in_scope)
            )
        )
    ]
    payments = [
        (int(paid_at), accepted)
        for paid_at, accepted in session.execute(
            select(Payment.block_time, Milestone.accepted_time)
            .join(
                Milestone,
                (Milestone.chain_id == Payment.chain_id)
                & (Milestone.process_id == Payment.process_id)
                & (Milestone.milestone_id == Payment.milestone_id),
            )
            .where(Payment.process_id.in_(in_scope))
        )
    ]
    return _ScopeRows(processes, contracts, milestones, payments)


def _late(paid_at: int, accepted_at: int | None) -> bool:
    return accepted_at is not None and paid_at - accepted_at > PAYMENT_DAYS * DAY_SECONDS


def _overdue(amount: int, paid: int, accepted_at: int | None, now: int | None) -> bool:
    return (
        accepted_at is not None and now is not None and paid < amount and now - accepted_at > PAYMENT_DAYS * DAY_SECONDS
    )


def _flags(rows: _ScopeRows, now: int | None) -> tuple[int, int]:
    late = sum(1 for paid_at, accepted_at in rows.payments if _late(paid_at, accepted_at))
    overdue = sum(1 for _pid, amount, paid, accepted_at in rows.milestones if _overdue(amount, paid, accepted_at, now))
    return late, overdue


def _totals(rows: _ScopeRows, budget: Budget | None) -> list[Totals]:
    currency_of = {pid: currency for pid, currency, _award in rows.processes}
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for _pid, currency, award in rows.processes:
        sums[currency][0] += award or 0
    for pid, value, accepted, paid, terminated in rows.contracts:
        entry = sums[currency_of.get(pid, "")]
        entry[1] += value
        entry[2] += accepted
        entry[3] += paid
        entry[4] += (accepted if terminated else value) - paid  # a terminated contract settles at what was accepted
    if budget is not None:
        sums.setdefault(budget.currency, [0, 0, 0, 0, 0])
    totals = []
    for currency, (awarded, contracted, accepted, paid, outstanding) in sorted(sums.items()):
        own = budget is not None and currency == budget.currency
        totals.append(
            Totals(
                currency=currency,
                approved=budget.amount if own and budget else None,
                committed=budget.committed if own and budget else None,
                awarded=awarded,
                contracted=contracted,
                accepted=accepted,
                paid=paid,
                remaining=budget.amount - budget.committed if own and budget else None,
                outstanding=outstanding,
            )
        )
    return totals


@dataclass(frozen=True)
class _Details:
    currencies: dict[str, str]
    contracts: dict[str, ContractRow]
    milestones: dict[str, list[Milestone]]
    payments: list[Payment]


def _details(session: Session, page: Sequence[Process]) -> _Details:
    if not page:
        return _Details({}, {}, {}, [])
    process_ids = [process.process_id for process in page]
    chain_ids = {process.chain_id for process in page}  # processes are unique by (chain, id): its index leads so
    currencies = {
        str(pid): str(currency)
        for pid, currency in session.execute(
            select(Process.process_id, Budget.currency)
            .join(Budget, (Budget.chain_id == Process.chain_id) & (Budget.budget_id == Process.budget_id))
            .where(Process.chain_id.in_(chain_ids), Process.process_id.in_(process_ids))
        )
    }
    contracts = {
        row.process_id: row
        for row in session.scalars(select(ContractRow).where(ContractRow.process_id.in_(process_ids)))
    }
    milestones: dict[str, list[Milestone]] = defaultdict(list)
    for row in session.scalars(
        select(Milestone)
        .where(Milestone.process_id.in_(process_ids))
        .order_by(Milestone.block_number, Milestone.log_index, Milestone.id)
    ):
        milestones[row.process_id].append(row)
    payments = list(
        session.scalars(
            select(Payment).where(Payment.process_id.in_(process_ids)).order_by(Payment.block_number, Payment.log_index)
        )
    )
    return _Details(currencies, contracts, milestones, payments)


def _process_trace(process: Process, details: _Details, names: Names, now: int | None) -> ProcessTrace:
    contract_row = details.contracts.get(process.process_id)
    contract = None
    if contract_row is not None:
        payments = [payment for payment in details.payments if payment.process_id == process.process_id]
        milestones = [
            _milestone_fact(milestone, payments, process, names, now)
            for milestone in details.milestones.get(process.process_id, [])
        ]
        contract = ContractFact(
            contract_id=contract_row.contract_id,
            supplier=names.party("supplier", contract_row.supplier_org),
            value=contract_row.value,
            accepted=contract_row.accepted_total,
            paid=contract_row.paid,
            outstanding=contract_row.value - contract_row.paid
            if not contract_row.terminated
            else contract_row.accepted_total - contract_row.paid,
            terminated=contract_row.terminated,
            released=contract_row.released,
            document=names.document("contract", contract_row.doc_hash),
            milestones=milestones,
            chain=evidence_of(contract_row, contract_row.chain_id, process.contract_address),
        )
    return ProcessTrace(
        ocid=process.ocid,
        process_id=process.process_id,
        stage=process.stage,
        currency=details.currencies.get(process.process_id, ""),
        title=names.document("notice", process.doc_hash),
        buyer=names.party("buyer", process.purchaser_org),
        supplier=names.party("supplier", process.supplier_org) if process.supplier_org else None,
        awarded=process.award_amount,
        contract=contract,
        chain=evidence_of(process, process.chain_id, process.contract_address),
    )


def _milestone_fact(
    milestone: Milestone, payments: Iterable[Payment], process: Process, names: Names, now: int | None
) -> MilestoneFact:
    accepted_at = milestone.accepted_time
    facts = [
        PaymentFact(
            payment_id=payment.payment_id,
            amount=payment.amount,
            paid_at=block_time(payment.block_time),
            days_to_pay=_days(payment.block_time - accepted_at) if accepted_at is not None else None,
            late=_late(payment.block_time, accepted_at),
            payer=names.party("payer", payment.payer_org),
            payee=names.party("payee", payment.payee_org),
            payee_account=payment.payee,
            voucher=names.document("payment_voucher", payment.voucher_hash),
            chain=evidence_of(payment, payment.chain_id, process.contract_address),
        )
        for payment in payments
        if payment.milestone_id == milestone.milestone_id
    ]
    return MilestoneFact(
        milestone_id=milestone.milestone_id,
        amount=milestone.amount,
        state=milestone.state,
        delivered_at=block_time(milestone.delivered_time) if milestone.delivered_time is not None else None,
        accepted_at=block_time(accepted_at) if accepted_at is not None else None,
        paid=milestone.paid,
        unpaid=milestone.amount - milestone.paid,
        overdue=_overdue(milestone.amount, milestone.paid, accepted_at, now),
        days_since_acceptance=_days(now - accepted_at) if accepted_at is not None and now is not None else None,
        payments=facts,
    )


def _days(seconds: int) -> float:
    return round(seconds / DAY_SECONDS, 2)
