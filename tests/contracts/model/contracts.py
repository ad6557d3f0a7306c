"""The rules after the award: signing with a milestone schedule, supplementary amendments within 10% of the original
value, deliveries and acceptances, termination and completion (settling the budget line at what was accepted),
and payments to the contracted supplier organisation.
"""

from __future__ import annotations

from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    DELIVERED,
    DELIVERY,
    NOT_SCHEDULED,
    SCHEDULED,
    ZERO_HASH,
    Stage,
)
from tests.contracts.model.base import ModelBase
from tests.contracts.model.records import MAX_MILESTONES, Agreement, Milestone, Process, Revert, payment_parties


class ContractRules(ModelBase):
    """Contract, implementation, payment: signContract, amendContract, terminateContract, completeProcess,
    recordMilestone and recordPayment."""

    def _schedule(
        self, process_id: bytes, agreement: Agreement, value: int, ids: list[bytes], amounts: list[int]
    ) -> int:
        """The checks of `_schedule` against the contract's value after the call; returns the scheduled total."""
        if len(ids) != len(amounts) or len(ids) > MAX_MILESTONES:
            raise Revert("ContractScheduleInvalid")
        scheduled, seen = agreement.scheduled_total, set()
        for milestone_id, amount in zip(ids, amounts, strict=True):
            if milestone_id in seen or self.milestone(process_id, milestone_id).state != NOT_SCHEDULED:
                raise Revert("MilestoneAlreadyRecorded")  # the contract writes each milestone as it goes
            if milestone_id == ZERO_HASH or amount == 0:
                raise Revert("MilestoneInvalid")
            seen.add(milestone_id)
            scheduled += amount
        if scheduled > value:
            raise Revert("ContractScheduleExceedsValue")
        return scheduled

    def _apply_schedule(
        self, process_id: bytes, agreement: Agreement, scheduled: int, ids: list[bytes], amounts: list[int]
    ) -> None:
        for milestone_id, amount in zip(ids, amounts, strict=True):
            self.milestones[(process_id, milestone_id)] = Milestone(amount=amount, state=SCHEDULED)
            self._record("Milestone", process_id, milestone_id)
        agreement.scheduled_total = scheduled
        agreement.open_milestones += len(ids)

    def signContract(
        self,
        sender: str,
        process_id: bytes,
        contract_id: bytes,
        value: int,
        doc_hash: bytes,
        milestone_ids: list[bytes],
        milestone_amounts: list[int],
    ) -> None:
        process = self._existing(process_id)
        if contract_id != ZERO_HASH and self.agreement(process_id).contract_id == contract_id:
            raise Revert("ContractAlreadyRecorded")
        self._require_purchaser(sender, process)
        self._require_stage(process, Stage.AWARDED)
        self._require_not_suspended(process.purchaser_org)
        self._require_not_suspended(process.supplier_org)
        self._require_document(doc_hash)
        self._require_no_open_complaints(process)
        if contract_id == ZERO_HASH:
            raise Revert("ContractIdInvalid")
        if value == 0 or value > process.award_amount:
            raise Revert("ContractValueInvalid")
        if not milestone_ids:
            raise Revert("ContractScheduleInvalid")
        agreement = Agreement(
            contract_id=contract_id,
            value=value,
            original_value=value,
            payment_parties=payment_parties(process.finance_org, process.supplier_org),
        )
        scheduled = self._schedule(process_id, agreement, value, milestone_ids, milestone_amounts)
        self.agreements[process_id] = agreement
        self._apply_schedule(process_id, agreement, scheduled, milestone_ids, milestone_amounts)
        process.stage = Stage.CONTRACTED
        self.budgets[process.budget_id].committed -= process.award_amount - value
        self._record("ContractSigned", process_id, contract_id)

    def amendContract(
        self,
        sender: str,
        process_id: bytes,
        amendment_id: bytes,
        increase: int,
        doc_hash: bytes,
        milestone_ids: list[bytes],
        milestone_amounts: list[int],
    ) -> None:
        if (process_id, amendment_id) in self.contract_amendments:
            raise Revert("ContractAmendmentAlreadyRecorded")
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_active(process)
        self._require_not_suspended(process.purchaser_org)
        self._require_not_suspended(process.supplier_org)
        self._require_document(doc_hash)
        if increase == 0 and not milestone_ids:
            raise Revert("ContractAmendmentEmpty")
        agreement = self.agreements[process_id]
        if (agreement.value - agreement.original_value + increase) * 10 > agreement.original_value:
            raise Revert("ContractAmendmentCapExceeded")
        if increase:
            self._check_budget(process.budget_id, increase)
        value = agreement.value + increase
        scheduled = self._schedule(process_id, agreement, value, milestone_ids, milestone_amounts)
        self.contract_amendments.add((process_id, amendment_id))
        self.budgets[process.budget_id].committed += increase
        agreement.value = value
        self._apply_schedule(process_id, agreement, scheduled, milestone_ids, milestone_amounts)
        self._record("ContractAmended", process_id, amendment_id)

    def _settle(self, process: Process, agreement: Agreement) -> None:
        """Settle at what was accepted: the rest of the value goes back to the budget line."""
        self.budgets[process.budget_id].committed -= agreement.value - agreement.accepted_total

    def terminateContract(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self._existing(process_id)
        self._require_purchaser(sender, process)
        self._require_active(process)
        self._require_document(doc_hash)
        process.stage = Stage.TERMINATED
        self._settle(process, self.agreements[process_id])

    def completeProcess(self, sender: str, process_id: bytes, doc_hash: bytes) -> None:
        process = self._purchaser_process(sender, process_id, Stage.IMPLEMENTATION)
        self._require_document(doc_hash)
        agreement = self.agreements[process_id]
        if agreement.open_milestones != 0:
            raise Revert("ProcessMilestonesOpen")
        process.stage = Stage.COMPLETED
        self._settle(process, agreement)

    def recordMilestone(self, sender: str, process_id: bytes, milestone_id: bytes, kind: int, doc_hash: bytes) -> None:
        process = self.process(process_id)
        milestone = self.milestone(process_id, milestone_id)
        if kind == DELIVERY:
            if milestone.state >= DELIVERED:
                raise Revert("MilestoneAlreadyDelivered")
            self._require_active(process)
            if self.org_of(sender) != process.supplier_org:
                raise Revert("ProcessNotSupplier")
            if milestone.state == NOT_SCHEDULED:
                raise Revert("MilestoneUnknown")
            self._require_document(doc_hash)
            milestone.state = DELIVERED
            if process.stage == Stage.CONTRACTED:
                process.stage = Stage.IMPLEMENTATION
        else:
            assert kind == ACCEPTANCE
            if milestone.state == ACCEPTED:
                raise Revert("MilestoneAlreadyAccepted")
            self._require_active(process)
            if self.org_of(sender) != process.purchaser_org:
                raise Revert("ProcessNotPurchaser")
            if milestone.state != DELIVERED:
                raise Revert("MilestoneUnknown" if milestone.state == NOT_SCHEDULED else "MilestoneNotDelivered")
            self._require_document(doc_hash)
            milestone.state = ACCEPTED
            agreement = self.agreements[process_id]
            agreement.accepted_total += milestone.amount
            agreement.open_milestones -= 1

    def recordPayment(
        self,
        sender: str,
        process_id: bytes,
        payment_id: bytes,
        milestone_id: bytes,
        amount: int,
        payee: str,
        voucher_hash: bytes,
    ) -> None:
        if (process_id, payment_id) in self.payments:
            raise Revert("PaymentAlreadyRecorded")
        payer, payee_org = self.org_of(sender), self.org_of(payee)
        if payment_parties(payer, payee_org) != self.agreement(process_id).payment_parties:
            process = self._existing(process_id)
            if payer != process.finance_org:
                raise Revert("ProcessNotFinanceBureau")
            if self.agreement(process_id).contract_id == ZERO_HASH:
                raise Revert("ContractNotActive")
            raise Revert("PaymentPayeeNotSupplier")
        self._require_document(voucher_hash)
        if amount == 0:
            raise Revert("PaymentAmountInvalid")
        milestone = self.milestone(process_id, milestone_id)
        if milestone.state != ACCEPTED:
            raise Revert("PaymentMilestoneNotAccepted")
        if amount > milestone.amount - milestone.paid:
            raise Revert("PaymentExceedsMilestone")
        self.payments.add((process_id, payment_id))
        milestone.paid += amount
        self._record("PaymentRecorded", process_id, payment_id)
