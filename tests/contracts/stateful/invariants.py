"""The machine's invariants, checked on the chain after every step: the chain equals the model, and the domain
rules hold on the chain itself (stages, payees, paid within accepted within value, budget commitments, each id
recorded once, the amendment cap, awards to revealed bids).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple
from types import SimpleNamespace
from typing import Any

from hypothesis.stateful import invariant

from tests.contracts.conftest import (
    ACCEPTED,
    NOT_SCHEDULED,
    OPEN_TENDER,
    OTHER_PURCHASER_ORG,
    PURCHASER_ORG,
    ZERO_HASH,
    Stage,
    scoped_id,
)
from tests.contracts.stateful.base import MachineBase
from tests.contracts.stateful.domains import (
    ACTORS,
    BUDGET_IDS,
    COMPLAINTS,
    MILESTONE_IDS,
    ORG_IDS,
    ORG_NAMES,
    PAYMENTS,
    PROCESS_IDS,
    ROOTS,
    SUPPLIER_ORGS,
)


class Invariants(MachineBase):
    """The invariants, on the chain after every step, over one read of its state per step."""

    def view(self) -> SimpleNamespace:
        if self._view is None:  # read once per step, shared by the invariants
            self._view = self.reader.read()
        return self._view

    def check_rules(self) -> None:
        for check in (
            self.chain_matches_model,
            self.stages_only_move_forward,
            self.payments_only_to_the_contracted_supplier,
            self.paid_within_accepted_within_value,
            self.budget_commits_what_its_processes_hold,
            self.budget_never_overcommitted,
            self.each_id_recorded_once,
            self.amendments_within_ten_percent,
            self.no_award_without_a_reveal,
        ):
            check()

    @invariant()
    def chain_matches_model(self) -> None:
        view, model = self.view(), self.model
        for process_id in PROCESS_IDS:
            same(view.processes[process_id], model.process(process_id), f"process {self.labels[process_id]}")
            same(view.agreements[process_id], model.agreement(process_id), f"agreement {self.labels[process_id]}")
            for org_id in SUPPLIER_ORGS:
                bid = model.bid(process_id, org_id)
                same(view.bids[(process_id, org_id)], bid, f"bid of {ORG_NAMES[org_id]} in {self.labels[process_id]}")
                assert view.nonces[(process_id, org_id)] == bid.nonce, f"bidNonce of {ORG_NAMES[org_id]}"
                for ref_id in COMPLAINTS.values():
                    complaint_id = scoped_id(org_id, ref_id)
                    same(
                        view.complaints[(process_id, complaint_id)],
                        model.complaint(process_id, complaint_id),
                        "complaint",
                    )
            for milestone_id in MILESTONE_IDS:
                same(
                    view.milestones[(process_id, milestone_id)], model.milestone(process_id, milestone_id), "milestone"
                )
            for payment_id in PAYMENTS.values():
                assert view.payments[(process_id, payment_id)] == ((process_id, payment_id) in model.payments)
        for budget_id in BUDGET_IDS:
            line, expected = view.budgets[budget_id], model.budgets.get(budget_id)
            if expected is None:
                assert line.fiscalYear == 0, f"budget {budget_id.hex()} on chain only: {line}"
            else:
                fields = (
                    expected.amount,
                    expected.committed,
                    expected.fiscal_year,
                    expected.currency,
                    expected.finance_org,
                )
                assert astuple_of(line) == fields, (
                    f"budget {self.labels.get(budget_id)}: chain {line}, model {expected}"
                )
            for purchaser_org in (PURCHASER_ORG, OTHER_PURCHASER_ORG):
                allowed = expected is not None and purchaser_org in expected.purchasers
                assert view.allows[(budget_id, purchaser_org)] == allowed
        for org_id in ORG_IDS.values():
            organisation = model.organisations.get(org_id)
            role, suspended_by = (
                (organisation.role, organisation.suspended_by) if organisation else (ZERO_HASH, ZERO_HASH)
            )
            assert astuple_of(view.organisations[org_id]) == (role, suspended_by), f"organisation {ORG_NAMES[org_id]}"
            for root_name, root in ROOTS.items():
                anchor, count = view.anchors[(org_id, root)], model.anchors.get((org_id, root), 0)
                assert (anchor.count, anchor.blockNumber > 0) == (count, count > 0), (
                    f"anchor {root_name} of {ORG_NAMES[org_id]}"
                )
        for name in ACTORS:
            assert view.members[name] == model.org_of(self.address[name]), f"organisationOf({name})"

    @invariant()
    def stages_only_move_forward(self) -> None:
        for process_id, process in self.view().processes.items():
            assert process.stage >= self.last_stage[process_id], (
                f"{self.labels[process_id]} went back to {process.stage}"
            )
            self.last_stage[process_id] = process.stage

    @invariant()
    def payments_only_to_the_contracted_supplier(self) -> None:
        """Each payment went to an account of the contracted supplier organisation at its block, paid by its bureau."""
        for payee, payee_org, supplier_org in self.model_payments:
            assert payee_org == supplier_org != ZERO_HASH, (
                f"the model paid {self.labels.get(payee, payee)} of {payee_org.hex()}"
            )
        for payment in self.chain_payments:
            process = payment["process"]
            assert payment["payeeOrg"] == payment["orgOfPayee"] == process.supplierOrg != ZERO_HASH, (
                f"payment to {payment['payee']} of {payment['orgOfPayee'].hex()} named {payment['payeeOrg'].hex()}, "
                f"supplier {process.supplierOrg.hex()}"
            )
            assert payment["payerOrg"] == process.financeOrg, f"payment by {payment['payerOrg'].hex()}"

    @invariant()
    def paid_within_accepted_within_value(self) -> None:
        """Per milestone paid ≤ amount; Σ paid ≤ accepted total ≤ scheduled total ≤ value; totals add up."""
        view = self.view()
        for process_id in PROCESS_IDS:
            agreement = view.agreements[process_id]
            milestones = [view.milestones[(process_id, mid)] for mid in MILESTONE_IDS]
            for milestone in milestones:
                assert milestone.paid <= milestone.amount, f"milestone paid over its amount: {milestone}"
                assert milestone.paid == 0 or milestone.state == ACCEPTED, f"paid before acceptance: {milestone}"
            paid = sum(m.paid for m in milestones)
            accepted = sum(m.amount for m in milestones if m.state == ACCEPTED)
            scheduled = sum(m.amount for m in milestones if m.state != NOT_SCHEDULED)
            open_ = sum(m.state not in (NOT_SCHEDULED, ACCEPTED) for m in milestones)
            assert (agreement.acceptedTotal, agreement.scheduledTotal, agreement.openMilestones) == (
                accepted,
                scheduled,
                open_,
            )
            assert paid <= agreement.acceptedTotal <= agreement.scheduledTotal <= agreement.value, (
                f"{self.labels[process_id]}: paid {paid}, {agreement}"
            )

    @invariant()
    def budget_commits_what_its_processes_hold(self) -> None:
        """A line commits the award while Awarded, the value while under contract, what was accepted once settled."""
        view = self.view()
        held = Counter[bytes]()
        for process_id, process in view.processes.items():
            agreement = view.agreements[process_id]
            held[process.budgetId] += {
                Stage.AWARDED: process.awardAmount,
                Stage.CONTRACTED: agreement.value,
                Stage.IMPLEMENTATION: agreement.value,
                Stage.COMPLETED: agreement.acceptedTotal,
                Stage.TERMINATED: agreement.acceptedTotal,
            }.get(process.stage, 0)
        for budget_id in BUDGET_IDS:
            committed = view.budgets[budget_id].committed
            assert committed == held[budget_id], (
                f"{self.labels.get(budget_id)} commits {committed}, processes hold {held[budget_id]}"
            )

    @invariant()
    def budget_never_overcommitted(self) -> None:
        """A line never commits more than it holds, nor less than was paid on it."""
        view = self.view()
        paid = Counter[bytes]()
        for (process_id, _), milestone in view.milestones.items():
            paid[view.processes[process_id].budgetId] += milestone.paid
        for budget_id in BUDGET_IDS:
            line = view.budgets[budget_id]
            assert paid[budget_id] <= line.committed <= line.amount, (
                f"{self.labels.get(budget_id)}: paid {paid[budget_id]}, {line}"
            )

    @invariant()
    def each_id_recorded_once(self) -> None:
        """The creation events on chain name each id once, and exactly the ids the model recorded."""
        twice = {key: count for key, count in self.id_events.items() if count != 1}
        assert not twice, f"ids recorded more than once: {twice}"
        assert set(self.id_events) == self.model.recorded, (
            f"on chain only: {set(self.id_events) - self.model.recorded}, "
            f"in the model only: {self.model.recorded - set(self.id_events)}"
        )

    @invariant()
    def amendments_within_ten_percent(self) -> None:
        for agreement in self.view().agreements.values():
            assert (agreement.value - agreement.originalValue) * 10 <= agreement.originalValue, f"{agreement}"

    @invariant()
    def no_award_without_a_reveal(self) -> None:
        view = self.view()
        for process_id, process in view.processes.items():
            if process.method == OPEN_TENDER and process.supplierOrg != ZERO_HASH:
                bid = view.bids.get((process_id, process.supplierOrg))
                assert bid is not None, f"{self.labels[process_id]} awarded to {process.supplierOrg.hex()}, no bidder"
                assert bid.revealed and bid.amount == process.awardAmount, (
                    f"{self.labels[process_id]} awarded unrevealed"
                )


def astuple_of(struct: SimpleNamespace) -> tuple[Any, ...]:
    return tuple(vars(struct).values())


def same(on_chain: SimpleNamespace, expected: Any, what: str) -> None:
    """A struct read on chain equals the model's record of it, field by field (both in the struct's order)."""
    assert astuple_of(on_chain) == astuple(expected), f"{what}: chain {on_chain} != model {expected}"
