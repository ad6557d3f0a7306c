"""The machine's driver along the happy path, so random runs also reach the late stages: `warm_up` takes each
process through random stages at the start of an example, and `progress` takes the natural next step of a
process (or a side-step, a refusal or a twist), through the rules themselves.
"""

from __future__ import annotations

import functools

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    DELIVERED,
    DELIVERY,
    DISMISSED,
    FINANCE_ORG,
    HOUR,
    OPEN_TENDER,
    OTHER_FINANCE_ORG,
    SUPPLIER_A_ORG,
    UPHELD,
    WITHDRAWN,
    ZERO_HASH,
    Stage,
)
from tests.contracts.stateful.bid_rules import BidRules
from tests.contracts.stateful.contract_rules import ContractRules
from tests.contracts.stateful.domains import (
    ACTIVE,
    BUDGETS,
    MILESTONE_IDS,
    NOTES,
    OCIDS,
    ORG_NAMES,
    SUPPLIER_ORGS,
    SUPPLIERS,
    TENDER_AMENDMENTS,
    WARM_UP_DEPTH,
    choice_strategy,
    method_strategy,
    nonzero,
    ocid_strategy,
    pick_of,
    progress_step,
)
from tests.contracts.stateful.invariants import Invariants
from tests.contracts.stateful.organisation_rules import OrganisationRules
from tests.contracts.stateful.oversight_rules import OversightRules
from tests.contracts.stateful.process_rules import ProcessRules


class HappyPath(OrganisationRules, ProcessRules, BidRules, OversightRules, ContractRules, Invariants):
    """Drives processes along the happy path through the rules, checking the invariants after each warm-up step."""

    @initialize(
        method=st.tuples(*[method_strategy] * len(OCIDS)),
        depth=st.tuples(*[st.integers(0, WARM_UP_DEPTH)] * len(OCIDS)),
        plans=st.tuples(*[st.lists(progress_step, min_size=WARM_UP_DEPTH, max_size=WARM_UP_DEPTH)] * len(OCIDS)),
    )
    def warm_up(
        self, method: tuple[int, ...], depth: tuple[int, ...], plans: tuple[list[tuple[str, int]], ...]
    ) -> None:
        """Start each example with the processes at random stages, reached through interleaved `progress` steps.

        Random rules alone rarely chain the ten to twenty accepted steps a process needs before its contract is
        paid or completed, so each process takes a number of steps drawn evenly up to WARM_UP_DEPTH (a list's size
        would be drawn small). These steps are checked like every other: the outcome against the model, then the
        invariants.
        """
        for round_ in range(max(depth)):
            for ocid, process_method, steps, plan in zip(OCIDS, method, depth, plans, strict=True):
                if round_ < steps:
                    self.progress(ocid, *plan[round_], method=process_method)
                    self.check_rules()

    def unblock(self, ocid: str, supplier_org: bytes, choice: int) -> bool:
        """Lift what stops the next step of the happy path, if anything does; True if it took a step.

        A suspended purchaser (while it has something new to take on), bidder or awarded supplier is reinstated by
        the bureau that suspended it when `choice` is below 5 (when it is 1, the other bureau tries and is refused;
        from 5 the step goes ahead and meets the suspension); an open complaint that pauses award or signing is
        resolved by the process's bureau, unless `choice` is 5, which files another one towards the cap.
        """
        process = self.model.process(keccak(text=ocid))
        parties = []
        if process.stage in (Stage.NONE, Stage.PLANNING, Stage.EVALUATION, Stage.AWARDED, Stage.CONTRACTED):
            parties.append(nonzero(process.purchaser_org, self.model.ocid_owner(ocid.encode())))
        if process.stage in (Stage.NONE, Stage.PLANNING, Stage.TENDER):
            parties.append(supplier_org)
        if process.stage == Stage.AWARDED:
            parties.append(process.supplier_org)
        for org_id in parties:
            bureau = self.model.suspended_by(org_id)
            if bureau != ZERO_HASH and choice < 5:
                other = OTHER_FINANCE_ORG if bureau == FINANCE_ORG else FINANCE_ORG
                who = self.signer(other if choice == 1 else bureau, "finance")
                self.reinstate_organisation(who, ORG_NAMES[org_id], True)
                return True
        waiting = process.stage in (Stage.PLANNING, Stage.EVALUATION, Stage.AWARDED)
        if process.open_complaints and waiting and choice != 5:
            self.resolve_complaint("@finance", ocid, "open", "c1", (DISMISSED, UPHELD, WITHDRAWN)[choice % 3], True)
            return True
        return False

    @rule(ocid=ocid_strategy, supplier=st.sampled_from(SUPPLIERS), choice=choice_strategy, method=method_strategy)
    def progress(self, ocid: str, supplier: str, choice: int, method: int) -> None:
        """The natural next step of process `ocid` by the right party.

        `choice` picks among the plausible variants (amounts, relayed or direct bids, which milestone, who is paid,
        pay or complete), and `supplier`'s index is a second choice (`variant`). 7 is the twist (cancel before the
        award, award a sealed bid, sign above the award, amend, terminate), and 5 and 6 lean to side-steps and
        refusals (complaints, suspensions, flawed schedules, milestones out of order), so most steps move the
        process forward.
        """
        process_id = keccak(text=ocid)
        process, agreement = self.model.process(process_id), self.model.agreement(process_id)
        stage, now, twist = process.stage, self.model.now, choice == 7
        supplier_org = self.model.org_of(self.address[supplier])
        variant = SUPPLIERS.index(supplier)  # a second, independent choice
        bids = {org_id: self.model.bid(process_id, org_id) for org_id in SUPPLIER_ORGS}
        sealed = [org_id for org_id, bid in bids.items() if bid.commitment != ZERO_HASH and not bid.revealed]
        revealed = [org_id for org_id, bid in bids.items() if bid.revealed]
        milestones = {mid: self.model.milestone(process_id, mid) for mid in MILESTONE_IDS}
        unpaid = [i for i, m in enumerate(milestones.values()) if m.state == ACCEPTED and m.paid < m.amount]

        if not twist and self.unblock(ocid, supplier_org, choice):
            return
        if stage in (Stage.PLANNING, Stage.EVALUATION) and choice == 5:  # a complaint, resolved by a later step
            self.file_complaint(supplier, ocid, "fresh", True)
        elif stage == Stage.NONE:
            budget = pick_of(["own", "own", "own", "own", "own", "new line", "other new line"], choice)
            if budget != "own" and BUDGETS[budget] not in self.model.budgets:  # approve that line first
                bureau = "finance" if budget == "new line" else "other_finance"
                self.approve_budget(bureau, "new", "both" if choice % 2 else "ours", "none")
            else:
                self.create_process("@purchaser", ocid, method, budget, True, True)
        elif stage == Stage.PLANNING and twist:  # withdrawn before any award
            self.cancel_process("@purchaser", ocid, True)
        elif stage == Stage.PLANNING and process.method == OPEN_TENDER:
            self.open_tender("@purchaser", ocid, 0 if choice == 6 else HOUR, HOUR, True)  # 0: a deadline of now
        elif stage == Stage.PLANNING and choice == 6:  # the supplier's debarment, before it is awarded
            self.suspend_organisation(["finance", "other_finance"][variant % 2], ORG_NAMES.get(supplier_org, "A"), True)
        elif stage == Stage.PLANNING:  # a direct award, at most what the line has left (all of it, now and then)
            amount = [
                "small",
                "small",
                "one" if variant == 0 else "small",
                "remaining+1",
                "remaining" if variant == 0 else "small",
            ][choice]
            self.award_process("@purchaser", ocid, ORG_NAMES.get(supplier_org, "A"), amount, True)
        elif stage == Stage.TENDER and now < process.bid_deadline and choice == 6:  # extended, or shortened (-1)
            amendment = pick_of(sorted(TENDER_AMENDMENTS), variant)
            self.amend_tender("@purchaser", ocid, amendment, HOUR if variant % 2 else -1, HOUR, True, True)
        elif stage == Stage.TENDER and now < process.bid_deadline and (not process.bid_count or choice < 3):
            self.place_bid(ocid, supplier, choice % 3 + 3 * (variant % 2), supplier_org in sealed)
        elif stage == Stage.TENDER and now < process.reveal_deadline:  # the bids close; each is opened in turn
            self.advance_time(ocid, "bid")  # no-op once the bids are closed
            if sealed and choice == 5 and variant == 0:
                self.record_evaluation("@purchaser", ocid, True)  # too early: the reveals are still open
            elif sealed:
                bidder = supplier_org if supplier_org in sealed else sealed[0]
                opening = "wrong salt" if twist else "wrong amount" if choice == 6 and variant < 2 else "right"
                self.reveal_bid(self.signer(bidder, supplier, prefer=supplier), ocid, opening)
            else:
                self.advance_time(ocid, "reveal")
                self.record_evaluation("@purchaser", ocid, True)
        elif stage == Stage.TENDER:
            self.record_evaluation("@purchaser", ocid, True)
        elif stage == Stage.EVALUATION and revealed:
            # the twist may pick a sealed bid
            winner = supplier_org if twist or supplier_org in revealed else revealed[0]
            self.award_process("@purchaser", ocid, ORG_NAMES.get(winner, "A"), "bid+1" if choice == 6 else "bid", True)
        elif stage == Stage.EVALUATION or (stage == Stage.AWARDED and choice == 4):
            self.cancel_process("@purchaser", ocid, True)
        elif stage == Stage.AWARDED:
            value = "award+1" if twist else ["award", "award", "award-1", "award"][variant]
            flaw = ["zero amount", "zero id", "duplicate", "lengths"][variant]
            schedule = flaw if choice == 6 else "under" if choice == 5 else "over" if choice == 3 else "exact"
            count = 1 + choice % 3 if process.award_amount >= 3 else 1  # no milestone of zero unless meant
            self.sign_contract("@purchaser", ocid, ["c1", "c2"][variant % 2], value, count, schedule, True)
        elif stage == Stage.CONTRACTED and twist:
            self.amend_contract("@purchaser", ocid, "fresh", "cap", ["none", "fit"][variant % 2], True)
        elif stage == Stage.IMPLEMENTATION and twist:
            self.terminate_contract("@purchaser", ocid, True)
        elif stage in (*ACTIVE, Stage.COMPLETED, Stage.TERMINATED) and unpaid and choice in (1, 2, 3):
            self.pay(ocid, unpaid[0], supplier, choice)
        elif stage == Stage.IMPLEMENTATION and agreement.open_milestones == 0:
            if choice == 6:  # settle at what was accepted, as completion would
                self.terminate_contract("@purchaser", ocid, True)
            else:
                self.complete_process("@purchaser", ocid, True)
        elif stage == Stage.IMPLEMENTATION and choice == 5:
            increase, milestones_added = [("cap", "fit"), ("zero", "fit"), ("cap+1", "none"), ("cap", "none")][variant]
            self.amend_contract("@purchaser", ocid, "fresh", increase, milestones_added, True)
        elif stage in ACTIVE:  # deliver, then accept, the next milestone
            self.deliver_or_accept(ocid, supplier, choice)
        else:
            self.aside(ocid, supplier, choice, variant)
        if choice == 5 and variant == 3:  # the step's call again, if it recorded an id
            self.resend(0)

    def place_bid(self, ocid: str, supplier: str, variant: int, has_bid: bool) -> None:
        """A bid (variant 0 to 5) committed directly or relayed; a relayed signature that is not the signer's, or
        at a nonce that is not the bid's (stale after a cancellation, or ahead), is refused first."""
        relay = functools.partial(self.commit_bid_for, "relayer", ocid, supplier, "own")
        if variant == 1:
            relay("current", "bid", "signer", "small")
        elif variant == 2:
            relay("current", "bid", "another key", "small")
            relay("current", "now", "signer", "small")  # valid until this very block
        elif variant == 3 and has_bid:
            self.cancel_bid_signatures(supplier, ocid)
            relay("stale", "bid", "signer", "small")
            relay("current", "bid", "signer", "one")
        elif variant == 4:
            relay("ahead", "bid", "signer", "small")
            self.commit_bid(supplier, ocid, "remaining", True)
        else:
            self.commit_bid(supplier, ocid, "small", True)

    def pay(self, ocid: str, milestone: int, supplier: str, choice: int) -> None:
        """The bureau pays an accepted milestone: all it has unpaid or one unit, to one of the contracted supplier's
        accounts; or (choice 3) one unit above what is unpaid, or to `supplier` if it signs for another org now."""
        process = self.model.process(keccak(text=ocid))
        accounts = self.signers(process.supplier_org) or ["supplier_a"]
        if choice == 1:
            self.record_payment("@finance", ocid, "fresh", milestone, "unpaid", accounts[0], True)
        elif choice == 2:
            self.record_payment("@finance", ocid, "fresh", milestone, "one", accounts[-1], True)
        elif supplier not in accounts:
            self.record_payment("@finance", ocid, "fresh", milestone, "unpaid", supplier, True)
        else:
            self.record_payment("@finance", ocid, "fresh", milestone, "unpaid+1", supplier, True)

    def deliver_or_accept(self, ocid: str, supplier: str, choice: int) -> None:
        """Deliver the next milestone (by `supplier` if it signs for the contracted supplier), then accept it; choice
        6 does it out of order (accept what was not delivered, or deliver again)."""
        process_id = keccak(text=ocid)
        process = self.model.process(process_id)
        milestone_id = self.milestone_id(process_id, "next")
        index, delivered = MILESTONE_IDS.index(milestone_id), self.model.milestone(process_id, milestone_id).state
        deliverer = self.signer(process.supplier_org, "supplier_a", prefer=supplier)
        if (delivered == DELIVERED) != (choice == 6):
            self.record_milestone("@purchaser", ocid, index, ACCEPTANCE, True)
        else:
            self.record_milestone(deliverer, ocid, index, DELIVERY, True)

    def aside(self, ocid: str, supplier: str, choice: int, variant: int) -> None:
        """What else happens around a process with nothing left to do: audit notes, anchors, a complaint too late,
        resends, suspensions and reinstatements, an account moving between supplier A's and C's organisations,
        cancelled signatures, a payment by the other bureau."""
        bureau = ["finance", "other_finance"][variant % 2]
        if choice == 0:
            self.record_audit_note("auditor", ocid, pick_of(sorted(NOTES), variant), True)
        elif choice == 2 and variant == 0:  # the supplier's debarment
            self.suspend_organisation(bureau, ORG_NAMES.get(self.model.org_of(self.address[supplier]), "A"), True)
        elif choice == 2:  # by the bureau that suspended it, or (variant 1) by the other one
            self.reinstate_organisation("@other_bureau" if variant == 1 else "@suspender", "suspended", True)
        elif choice == 3:
            account = supplier if supplier in ("supplier_a", "supplier_a2") else "supplier_a2"
            self.move_account(account, "C" if self.model.org_of(self.address[account]) == SUPPLIER_A_ORG else "A")
        elif choice == 4 and variant == 0:
            self.file_complaint(supplier, ocid, "fresh", True)
        elif choice == 4:
            self.resend(variant)
        elif choice == 5 and variant == 1:  # the purchaser's debarment: it opens nothing new until reinstated
            self.suspend_organisation(bureau, ORG_NAMES[self.model.process(keccak(text=ocid)).purchaser_org], True)
        elif choice == 5 and variant == 2:  # the bureau that did not approve the budget line pays nothing
            self.record_payment("@other_finance", ocid, "fresh", "accepted", "one", "@supplier", True)
        elif choice == 5:
            self.resend(variant)
        elif choice == 6:
            self.cancel_bid_signatures(supplier, ocid)
        else:
            filed = "none" if choice == 7 else "process"
            root = pick_of(["r1", "r2", "r3"], variant)
            self.anchor_documents(["@purchaser", "@finance"][variant % 2], ocid, root, 3, filed)
