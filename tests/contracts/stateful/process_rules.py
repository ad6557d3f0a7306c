"""The machine's rules on budget lines and the process lifecycle: approval, creation, tender and its amendments,
cancellation, completion, evaluation and award, and the passing of time around the tender's deadlines.
"""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.contracts.conftest import (
    BUDGET_ID,
    BUDGET_REF,
    HOUR,
    OTHER_BUDGET_REF,
    OTHER_OCID_PREFIX,
    OTHER_PURCHASER_ORG,
    PURCHASER_ORG,
    SUPPLIER_A_ORG,
    Stage,
)
from tests.contracts.stateful.base import MachineBase
from tests.contracts.stateful.domains import (
    BAD_OCIDS,
    BUDGETS,
    DAY,
    NEW_BUDGET_AMOUNT,
    NEW_BUDGET_REF,
    OCIDS,
    ORG_IDS,
    TENDER_AMENDMENTS,
    UNKNOWN_ORG,
    actor,
    doc_ok,
    hash_or_zero,
    method_strategy,
    nonzero,
    process_ref,
)


class ProcessRules(MachineBase):
    """Budget lines, the process lifecycle, evaluation and award, and time."""

    # ─── Budgets and the process lifecycle ───────────────────────────────────────────────────────────────

    @rule(
        who=actor("finance", "other_finance"),
        ref=st.sampled_from(["new", "new", "line", "other line"]),
        purchasers=st.sampled_from(["ours", "ours", "both", "none", "a supplier", "unknown"]),
        flaw=st.sampled_from(["none", "none", "none", "year", "amount", "currency", "document"]),
    )
    def approve_budget(self, who: str, ref: str, purchasers: str, flaw: str) -> None:
        budget_ref = {"new": NEW_BUDGET_REF, "line": BUDGET_REF, "other line": OTHER_BUDGET_REF}[ref]
        orgs = {
            "ours": [PURCHASER_ORG],
            "both": [PURCHASER_ORG, OTHER_PURCHASER_ORG],
            "none": [],
            "a supplier": [PURCHASER_ORG, SUPPLIER_A_ORG],
            "unknown": [UNKNOWN_ORG],
        }[purchasers]
        self.send(
            "approveBudget",
            who,
            budget_ref,
            0 if flaw == "year" else 2027,
            0 if flaw == "amount" else NEW_BUDGET_AMOUNT,
            bytes(3) if flaw == "currency" else b"EUR",
            hash_or_zero(flaw != "document", "new budget"),
            orgs,
        )

    @rule(
        who=actor("@purchaser"),
        ocid=st.sampled_from([*OCIDS, *OCIDS, *BAD_OCIDS]),
        method=method_strategy,
        budget=st.sampled_from(["own", "own", "own", "line", "other line", "new line", "other new line", "unknown"]),
        notice=doc_ok,
        rationale=doc_ok,
    )
    def create_process(self, who: str, ocid: str, method: int, budget: str, notice: bool, rationale: bool) -> None:
        if budget == "own":  # the fixture's line of the ocid's owner
            budget = "other line" if ocid.startswith(OTHER_OCID_PREFIX) else "line"
        self.send(
            "createProcess",
            self.who(who, ocid),
            ocid,
            BUDGETS[budget],
            method,
            hash_or_zero(notice, f"notice {ocid}"),
            hash_or_zero(rationale, "rationale"),
        )

    @rule(
        who=actor("@purchaser"),
        ocid=process_ref,
        bid_in=st.sampled_from([HOUR, 1, 0, -1]),
        window=st.sampled_from([HOUR, 1, 0]),
        notice=doc_ok,
    )
    def open_tender(self, who: str, ocid: str, bid_in: int, window: int, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.PLANNING)
        bid_deadline = self.model.now + bid_in
        self.send(
            "openTender",
            self.who(who, ocid),
            keccak(text=ocid),
            bid_deadline,
            bid_deadline + window,
            hash_or_zero(notice, "tender"),
        )

    @rule(
        who=actor("@purchaser"),
        ocid=process_ref,
        amendment=st.sampled_from(sorted(TENDER_AMENDMENTS)),
        bid_shift=st.sampled_from([HOUR, 1, 0, -1]),
        reveal_shift=st.sampled_from([HOUR, 1, 0, -1]),
        notice=doc_ok,
        rationale=doc_ok,
    )
    def amend_tender(
        self, who: str, ocid: str, amendment: str, bid_shift: int, reveal_shift: int, notice: bool, rationale: bool
    ) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process = self.model.process(keccak(text=ocid))
        bid_deadline = (process.bid_deadline or self.model.now + HOUR) + bid_shift
        reveal_deadline = (process.reveal_deadline or self.model.now + 2 * HOUR) + reveal_shift
        self.send(
            "amendTender",
            self.who(who, ocid),
            keccak(text=ocid),
            TENDER_AMENDMENTS[amendment],
            hash_or_zero(notice, "amendment"),
            hash_or_zero(rationale, "amendment rationale"),
            bid_deadline,
            reveal_deadline,
        )

    @rule(who=actor("@purchaser"), ocid=process_ref, notice=doc_ok)
    def cancel_process(self, who: str, ocid: str, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.PLANNING, Stage.TENDER, Stage.EVALUATION, Stage.AWARDED)
        self.send("cancelProcess", self.who(who, ocid), keccak(text=ocid), hash_or_zero(notice, "cancellation"))

    @rule(who=actor("@purchaser"), ocid=process_ref, report=doc_ok)
    def complete_process(self, who: str, ocid: str, report: bool) -> None:
        ocid = self.resolve(ocid, Stage.IMPLEMENTATION)
        self.send("completeProcess", self.who(who, ocid), keccak(text=ocid), hash_or_zero(report, "completion"))

    # ─── Evaluation and award ────────────────────────────────────────────────────────────────────────────

    @rule(who=actor("@purchaser"), ocid=process_ref, report=doc_ok)
    def record_evaluation(self, who: str, ocid: str, report: bool) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        self.send("recordEvaluation", self.who(who, ocid), keccak(text=ocid), hash_or_zero(report, "evaluation"))

    @rule(
        who=actor("@purchaser"),
        ocid=process_ref,
        supplier=st.sampled_from(["A", "A", "B", "C", "purchaser", "unknown"]),
        amount=st.sampled_from(["bid", "bid", "bid+1", "zero", "one", "remaining", "remaining+1"]),
        notice=doc_ok,
    )
    def award_process(self, who: str, ocid: str, supplier: str, amount: str, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.EVALUATION, Stage.PLANNING)
        process_id, supplier_org = keccak(text=ocid), ORG_IDS[supplier]
        process = self.model.process(process_id)
        bid = self.model.bid(process_id, supplier_org)
        bid_value = bid.amount if bid.revealed else self.opening(process_id, supplier_org)[0]
        if amount in ("bid", "bid+1"):
            value = bid_value + (amount == "bid+1")
        else:
            value = self.budget_amount(amount, nonzero(process.budget_id, BUDGET_ID))
        self.send("awardProcess", self.who(who, ocid), process_id, supplier_org, value, hash_or_zero(notice, "award"))

    # ─── Time ────────────────────────────────────────────────────────────────────────────────────────────

    @rule(ocid=process_ref, to=st.sampled_from(["bid-1", "bid", "reveal-1", "reveal", "+1", "+hour", "+day"]))
    def advance_time(self, ocid: str, to: str) -> None:
        """Move time to just before or exactly at a deadline, or by a step; time never goes back."""
        ocid = self.resolve(ocid, Stage.TENDER)
        process = self.model.process(keccak(text=ocid))
        now = self.model.now
        target = {
            "bid-1": process.bid_deadline - 1,
            "bid": process.bid_deadline,
            "reveal-1": process.reveal_deadline - 1,
            "reveal": process.reveal_deadline,
            "+1": now + 1,
            "+hour": now + HOUR,
            "+day": now + DAY,
        }[to]
        self.model.now = max(now, target)
        note(f"time is now {self.model.now}")
