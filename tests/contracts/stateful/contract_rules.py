"""The machine's rules after the award: contracts signed with a milestone schedule (exact or flawed), amendments
up to and past the 10% cap, deliveries and acceptances, termination, and payments within what is unpaid.
"""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.contracts.conftest import ACCEPTANCE, ACCEPTED, BUDGET_ID, DELIVERY, M1, ZERO_HASH, Stage
from tests.contracts.model import MAX_MILESTONES
from tests.contracts.stateful.base import MachineBase
from tests.contracts.stateful.domains import (
    ACTIVE,
    CONTRACT_AMENDMENTS,
    CONTRACT_IDS,
    MILESTONE_IDS,
    PAYMENTS,
    SUPPLIERS,
    actor,
    doc_ok,
    hash_or_zero,
    milestone_ref,
    nonzero,
    process_ref,
    split,
)


class ContractRules(MachineBase):
    """Contract, implementation, payment."""

    @rule(
        who=actor("@purchaser"),
        ocid=process_ref,
        contract=st.sampled_from(["c1", "c1", "c2", "zero"]),
        value=st.sampled_from(["award", "award", "award-1", "award+1", "zero"]),
        count=st.integers(1, 3),
        schedule=st.sampled_from(
            [
                "exact",
                "exact",
                "exact",
                "under",
                "over",
                "zero amount",
                "zero id",
                "duplicate",
                "lengths",
                "empty",
                "65",
            ]
        ),
        signed=doc_ok,
    )
    def sign_contract(
        self, who: str, ocid: str, contract: str, value: str, count: int, schedule: str, signed: bool
    ) -> None:
        """Sign with a schedule of `count` milestones whose amounts add up to the value, or a flawed one."""
        ocid = self.resolve(ocid, Stage.AWARDED)
        process_id = keccak(text=ocid)
        award = self.model.process(process_id).award_amount
        amount = {"award": award, "award-1": max(award - 1, 0), "award+1": award + 1, "zero": 0}[value]
        ids = (self.free_milestones(process_id) or list(MILESTONE_IDS))[:count]
        total = amount + {"under": -1, "over": 1}.get(schedule, 0)
        amounts = split(total, len(ids))
        if schedule == "zero amount":
            amounts[0] = 0
        elif schedule == "zero id":
            ids[0] = ZERO_HASH
        elif schedule == "duplicate":
            ids, amounts = [*ids, ids[0]], [*amounts, 1]
        elif schedule == "lengths":
            amounts = amounts[:-1]
        elif schedule == "empty":
            ids, amounts = [], []
        elif schedule == "65":  # one more than MAX_MILESTONES
            ids = [keccak(text=f"milestone {i}") for i in range(MAX_MILESTONES + 1)]
            amounts = split(amount, len(ids))
        self.send(
            "signContract",
            self.who(who, ocid),
            process_id,
            CONTRACT_IDS[contract],
            amount,
            hash_or_zero(signed, "contract"),
            ids,
            amounts,
        )

    @rule(
        who=actor("@purchaser"),
        ocid=process_ref,
        amendment=st.sampled_from(["fresh", "fresh", *sorted(CONTRACT_AMENDMENTS)]),
        increase=st.sampled_from(["cap", "cap", "cap+1", "zero", "zero", "one", "remaining+1"]),
        milestones=st.sampled_from(["none", "fit", "fit", "over", "existing", "zero amount", "lengths"]),
        signed=doc_ok,
    )
    def amend_contract(self, who: str, ocid: str, amendment: str, increase: str, milestones: str, signed: bool) -> None:
        """Raise the value (up to the 10% cap or past it) and/or add a milestone that fits the value or not."""
        ocid = self.resolve(ocid, *ACTIVE)
        process_id = keccak(text=ocid)
        process, agreement = self.model.process(process_id), self.model.agreement(process_id)
        if amendment == "fresh":
            amendment = self.fresh(CONTRACT_AMENDMENTS, lambda aid: (process_id, aid) in self.model.contract_amendments)
        cap = max(agreement.original_value // 10 - (agreement.value - agreement.original_value), 0)
        amount = {
            "cap": cap,
            "cap+1": cap + 1,
            "zero": 0,
            "one": 1,
            "remaining+1": self.remaining(nonzero(process.budget_id, BUDGET_ID)) + 1,
        }[increase]
        room = agreement.value + amount - agreement.scheduled_total
        new_id = (self.free_milestones(process_id) or [MILESTONE_IDS[-1]])[0]
        ids, amounts = {
            "none": ([], []),
            "fit": ([new_id], [room]),
            "over": ([new_id], [room + 1]),
            "existing": ([M1], [1]),
            "zero amount": ([new_id], [0]),
            "lengths": ([new_id], []),
        }[milestones]
        self.send(
            "amendContract",
            self.who(who, ocid),
            process_id,
            CONTRACT_AMENDMENTS[amendment],
            amount,
            hash_or_zero(signed, "supplement"),
            ids,
            amounts,
        )

    @rule(who=actor("@purchaser"), ocid=process_ref, notice=doc_ok)
    def terminate_contract(self, who: str, ocid: str, notice: bool) -> None:
        ocid = self.resolve(ocid, *ACTIVE)
        self.send("terminateContract", self.who(who, ocid), keccak(text=ocid), hash_or_zero(notice, "termination"))

    @rule(
        who=actor("@purchaser", "@supplier", "supplier_a2"),
        ocid=process_ref,
        milestone=milestone_ref,
        kind=st.sampled_from([DELIVERY, ACCEPTANCE]),
        report=doc_ok,
    )
    def record_milestone(self, who: str, ocid: str, milestone: str | int, kind: int, report: bool) -> None:
        ocid = self.resolve(ocid, *ACTIVE)
        process_id = keccak(text=ocid)
        self.send(
            "recordMilestone",
            self.who(who, ocid),
            process_id,
            self.milestone_id(process_id, milestone),
            kind,
            hash_or_zero(report, f"milestone {kind}"),
        )

    @rule(
        who=actor("@finance", "@finance", "@other_finance"),
        ocid=process_ref,
        payment=st.sampled_from(["fresh", "fresh", *sorted(PAYMENTS)]),
        milestone=st.sampled_from(["accepted", "accepted", *range(len(MILESTONE_IDS))]),
        amount=st.sampled_from(["unpaid", "unpaid", "unpaid+1", "one", "zero"]),
        payee=st.sampled_from(["@supplier", "@supplier", "@supplier", *SUPPLIERS, "outsider"]),
        voucher=doc_ok,
    )
    def record_payment(
        self, who: str, ocid: str, payment: str, milestone: str | int, amount: str, payee: str, voucher: bool
    ) -> None:
        """Pay for a milestone, to an account of the contracted supplier now or to another, within its unpaid."""
        ocid = self.resolve(ocid, Stage.IMPLEMENTATION, Stage.COMPLETED, Stage.TERMINATED)
        process_id = keccak(text=ocid)
        if payment == "fresh":
            payment = self.fresh(PAYMENTS, lambda pid: (process_id, pid) in self.model.payments)
        if milestone == "accepted":  # the first accepted milestone with something unpaid, else the first accepted
            accepted = {mid: self.model.milestone(process_id, mid) for mid in MILESTONE_IDS}
            accepted = {mid: m for mid, m in accepted.items() if m.state == ACCEPTED}
            unpaid = [mid for mid, m in accepted.items() if m.paid < m.amount]
            milestone_id = (unpaid or list(accepted) or [M1])[0]
        else:
            milestone_id = MILESTONE_IDS[int(milestone)]
        state = self.model.milestone(process_id, milestone_id)
        rest = state.amount - state.paid
        value = {"unpaid": rest, "unpaid+1": rest + 1, "one": 1, "zero": 0}[amount]
        self.send(
            "recordPayment",
            self.who(who, ocid),
            process_id,
            PAYMENTS[payment],
            milestone_id,
            value,
            self.address[self.who(payee, ocid)],
            hash_or_zero(voucher, "voucher"),
        )
