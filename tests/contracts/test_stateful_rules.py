"""Stateful property test: random sequences of actions by random roles, on chain and in a Python model of the rules.

Every rule picks an action, an actor among the registered accounts (and an outsider) and arguments from small
domains with their boundary values, asks the model (tests/contracts/model.py) whether the contract must accept it or
which custom error it must revert with, sends it to the ledger and checks the outcome. After every step the
invariants compare the chain with the model and check the domain rules on the chain itself: stages only move
forward, payments stay within the contract value, amendments within 10% of the original value, open-tender awards
go to revealed bids, the budget line never commits more than it holds, and no payment spends budget that is no
longer committed (e.g. released by a termination).

Run: PATH=$PWD/node_modules/.bin:$PATH .venv/bin/python -m pytest tests/contracts/test_stateful_rules.py -q
A failure prints the shortest sequence found, step by step, with each action's outcome on chain and in the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from ape.exceptions import ContractLogicError, CustomError
from ape_ethereum.trace import Trace
from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.contracts.conftest import (
    ACCEPTANCE,
    BUDGET_AMOUNT,
    BUDGET_ID,
    DELIVERY,
    HOUR,
    OPEN_TENDER,
    ORGS,
    SINGLE_SOURCE,
    Stage,
    commitment,
    doc,
)
from tests.contracts.model import ACCEPTED, DELIVERED, NOT_RECORDED, ZERO_ADDRESS, ZERO_HASH, LedgerModel, Revert

ACTORS = ("purchaser", "other_purchaser", "finance", "supplier_a", "supplier_b", "auditor", "outsider")
SUPPLIERS = ("supplier_a", "supplier_b")
OCIDS = ("ocds-sm-1", "ocds-sm-2", "ocds-sm-3")
PROCESS_IDS = tuple(keccak(text=ocid) for ocid in OCIDS)
MILESTONES = {name: keccak(text=name) for name in ("m1", "m2")}
COMPLAINTS = {name: keccak(text=name) for name in ("c1", "c2")}
UNKNOWN_BUDGET = keccak(text="BUDGET-NOBODY-APPROVED")
SMALL = 12_345
DAY = 24 * HOUR
OPEN_STAGES = range(Stage.PLANNING, Stage.COMPLETED)

# CI runs must be reproducible: derandomize=True makes Hypothesis derive its examples from the test itself (no
# example database, no random seed), so every run on every machine replays the same sequences and a red build is
# never a fluke. To explore other sequences locally, set LEDGER_STATEFUL_RANDOM=1 (and LEDGER_STATEFUL_EXAMPLES=200).
SETTINGS = settings(
    max_examples=int(os.environ.get("LEDGER_STATEFUL_EXAMPLES", "25")),
    stateful_step_count=30,
    deadline=None,
    derandomize=not os.environ.get("LEDGER_STATEFUL_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# ─── Argument domains ────────────────────────────────────────────────────────────────────────────────────────


def actor(*preferred: str) -> st.SearchStrategy[str]:
    """Any account, with the one the action is meant for drawn about two times in three."""
    return st.one_of(st.sampled_from(preferred), st.sampled_from(preferred), st.sampled_from(ACTORS))


ocid_strategy = st.sampled_from(OCIDS)
# Random actions name a process of the pool, or "suitable": the first one at a stage where the action can succeed,
# so that they also hit the checks that only a process at the right stage reaches.
process_ref = st.sampled_from(["suitable", "suitable", *OCIDS])
method_strategy = st.sampled_from([OPEN_TENDER, SINGLE_SOURCE])
choice_strategy = st.integers(0, 7)  # which variant of the next step `progress` takes; 7 is the twist
# A document hash is present seven times in eight: a missing one must revert, but should not mask every other check.
doc_ok = st.integers(0, 7).map(lambda i: i != 7)
contract_ref = st.sampled_from(["right", "right", "wrong", "zero"])
milestone_strategy = st.sampled_from(sorted(MILESTONES))
complaint_strategy = st.sampled_from(sorted(COMPLAINTS))


def hash_or_zero(ok: bool, label: str) -> bytes:
    return doc(label) if ok else ZERO_HASH


# ─── The machine ─────────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Env:
    """What the machine needs from ape's fixtures."""

    ledger: Any
    chain: Any
    accounts: dict[str, Any]  # actor name -> ape account


def error_name(err: ContractLogicError) -> str:
    """The custom error a transaction reverted with; ape decodes it against the contract's ABI."""
    if isinstance(err, CustomError):
        return err.abi.name
    return f"{type(err).__name__}({err})"  # a panic or an undecoded revert: never a name the model predicts


class LedgerRules(RuleBasedStateMachine):
    env: ClassVar[Env]

    def __init__(self) -> None:
        super().__init__()
        chain = self.env.chain
        # Each example starts from the fixture's chain (ledger deployed, organisations registered, budget approved).
        self.snapshot_id = chain.snapshot()
        self.address = {name: account.address for name, account in self.env.accounts.items()}
        self.name_of = {address: name for name, address in self.address.items()}
        members = {self.address[name]: ORGS[name] for name in ACTORS if name in ORGS}
        self.model = LedgerModel(members, {BUDGET_ID: BUDGET_AMOUNT}, now=chain.blocks.head.timestamp + 1)
        self.openings: dict[tuple[bytes, str], tuple[int, bytes, bytes]] = {}  # (process, bidder) -> sealed bid
        self.salts = 0
        self.last_stage = dict.fromkeys(PROCESS_IDS, Stage.NONE)
        self._view: ChainView | None = None
        self.reader = ChainReader(self.env.ledger, chain, self.address)

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot_id)

    # ─── Sending an action to both ───────────────────────────────────────────────────────────────────────

    def send(self, action: str, who: str, *args: Any) -> bool:
        """Run `action` by `who` in the model and on chain at the model's time; True if it was accepted."""
        try:
            getattr(self.model, action)(self.address[who], *args)
            expected = "ok"
        except Revert as revert:
            expected = revert.name
        self.env.chain.provider.set_timestamp(self.model.now)
        try:
            getattr(self.env.ledger, action)(*args, sender=self.env.accounts[who])
            outcome = "ok"
        except ContractLogicError as err:
            outcome = error_name(err)
        self.model.now += 1  # the transaction was mined in a block at that time; the next one comes a second later
        self._view = None
        note(f"{action}({self.describe(args)}) by {who} at t={self.model.now - 1}: chain {outcome}, model {expected}")
        assert outcome == expected, f"{action} by {who}{args!r}: the chain says {outcome}, the model {expected}"
        return outcome == "ok"

    def describe(self, args: tuple[Any, ...]) -> str:
        """Arguments as a reader wants them in a failing sequence: ocids, actor names, short hashes."""
        labels = {keccak(text=ocid): ocid for ocid in OCIDS} | {address: name for name, address in self.address.items()}

        def label(arg: Any) -> str:
            if isinstance(arg, (bytes, str)) and arg in labels:
                return labels[arg]
            if isinstance(arg, bytes):
                return "0x0" if arg == ZERO_HASH else f"0x{arg.hex()[:8]}…"
            return repr(arg)

        return ", ".join(map(label, args))

    # ─── Helpers resolving symbolic arguments against the model ──────────────────────────────────────────

    def remaining_budget(self) -> int:
        line = self.model.budgets[BUDGET_ID]
        return line.amount - line.committed

    def budget_amount(self, kind: str) -> int:
        remaining = self.remaining_budget()
        return {"zero": 0, "one": 1, "small": SMALL, "remaining": remaining, "remaining+1": remaining + 1}[kind]

    def contract_id(self, ocid: str, ref: str) -> bytes:
        agreement = self.model.process(keccak(text=ocid)).agreement
        right = agreement.contract_id if agreement.contract_id != ZERO_HASH else doc(f"contract {ocid}")
        return {"right": right, "wrong": doc("another contract"), "zero": ZERO_HASH}[ref]

    def resolve(self, ref: str, *stages: int) -> str:
        """The ocid `ref` names: itself, or for "suitable" the first process of the pool at one of `stages`."""
        if ref != "suitable":
            return ref
        return next((ocid for ocid in OCIDS if self.model.process(keccak(text=ocid)).stage in stages), OCIDS[0])

    def sealed_bid(self, process_id: bytes, who: str) -> tuple[int, bytes, bytes]:
        return self.openings.get((process_id, who), (SMALL, doc("no bid"), keccak(text="no salt")))

    # ─── Process lifecycle ───────────────────────────────────────────────────────────────────────────────

    @rule(
        who=actor("purchaser"),
        ocid=st.sampled_from([*OCIDS, "", "x" * 129]),
        method=st.sampled_from([OPEN_TENDER, SINGLE_SOURCE]),
        notice=doc_ok,
        rationale=doc_ok,
        budget_known=doc_ok,
    )
    def create_process(
        self, who: str, ocid: str, method: int, notice: bool, rationale: bool, budget_known: bool
    ) -> None:
        budget_id = BUDGET_ID if budget_known else UNKNOWN_BUDGET
        self.send(
            "createProcess",
            who,
            ocid,
            budget_id,
            method,
            hash_or_zero(notice, f"notice {ocid}"),
            hash_or_zero(rationale, "rationale"),
        )

    @rule(
        who=actor("purchaser"),
        ocid=process_ref,
        bid_in=st.sampled_from([HOUR, 1, 0, -1]),
        window=st.sampled_from([HOUR, 1, 0]),
        notice=doc_ok,
    )
    def open_tender(self, who: str, ocid: str, bid_in: int, window: int, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.PLANNING)
        bid_deadline = self.model.now + bid_in
        self.send(
            "openTender", who, keccak(text=ocid), bid_deadline, bid_deadline + window, hash_or_zero(notice, "tender")
        )

    @rule(
        who=actor("purchaser"),
        ocid=process_ref,
        bid_shift=st.sampled_from([HOUR, 1, 0, -1]),
        reveal_shift=st.sampled_from([HOUR, 1, 0, -1]),
        notice=doc_ok,
        rationale=doc_ok,
    )
    def amend_tender(
        self, who: str, ocid: str, bid_shift: int, reveal_shift: int, notice: bool, rationale: bool
    ) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process = self.model.process(keccak(text=ocid))
        bid_deadline = (process.bid_deadline or self.model.now + HOUR) + bid_shift
        reveal_deadline = (process.reveal_deadline or self.model.now + 2 * HOUR) + reveal_shift
        self.send(
            "amendTender",
            who,
            keccak(text=ocid),
            hash_or_zero(notice, "amendment"),
            hash_or_zero(rationale, "amendment rationale"),
            bid_deadline,
            reveal_deadline,
        )

    @rule(who=actor("purchaser"), ocid=process_ref, notice=doc_ok)
    def cancel_process(self, who: str, ocid: str, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.PLANNING, Stage.TENDER, Stage.EVALUATION, Stage.AWARDED)
        self.send("cancelProcess", who, keccak(text=ocid), hash_or_zero(notice, "cancellation"))

    @rule(who=actor("purchaser"), ocid=process_ref, report=doc_ok)
    def complete_process(self, who: str, ocid: str, report: bool) -> None:
        ocid = self.resolve(ocid, Stage.IMPLEMENTATION)
        self.send("completeProcess", who, keccak(text=ocid), hash_or_zero(report, "completion"))

    # ─── Sealed bids ─────────────────────────────────────────────────────────────────────────────────────

    @rule(
        who=actor(*SUPPLIERS),
        ocid=process_ref,
        amount=st.sampled_from(["small", "one", "remaining", "remaining+1", "zero"]),
        sealed=doc_ok,
    )
    def commit_bid(self, who: str, ocid: str, amount: str, sealed: bool) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id = keccak(text=ocid)
        self.salts += 1
        opening = (self.budget_amount(amount), doc(f"bid {ocid} {who} {self.salts}"), keccak(text=f"salt {self.salts}"))
        sealed_bid = commitment(process_id, self.address[who], *opening) if sealed else ZERO_HASH
        if self.send("commitBid", who, process_id, sealed_bid):
            self.openings[(process_id, who)] = opening

    @rule(who=actor(*SUPPLIERS), ocid=process_ref, opening=st.sampled_from(["right", "wrong amount", "wrong salt"]))
    def reveal_bid(self, who: str, ocid: str, opening: str) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id = keccak(text=ocid)
        amount, bid_doc, salt = self.sealed_bid(process_id, who)
        if opening == "wrong amount":
            amount += 1
        elif opening == "wrong salt":
            salt = keccak(salt)
        self.send("revealBid", who, process_id, amount, bid_doc, salt)

    # ─── Evaluation, award, complaints ───────────────────────────────────────────────────────────────────

    @rule(who=actor("purchaser"), ocid=process_ref, report=doc_ok)
    def record_evaluation(self, who: str, ocid: str, report: bool) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        self.send("recordEvaluation", who, keccak(text=ocid), hash_or_zero(report, "evaluation report"))

    @rule(
        who=actor("purchaser"),
        ocid=process_ref,
        supplier=actor(*SUPPLIERS),
        amount=st.sampled_from(["bid", "bid+1", "zero", "one", "remaining", "remaining+1"]),
        notice=doc_ok,
    )
    def award_process(self, who: str, ocid: str, supplier: str, amount: str, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.EVALUATION, Stage.PLANNING)
        process_id = keccak(text=ocid)
        bid = self.model.bid(process_id, self.address[supplier])
        bid_amount = bid.amount if bid.revealed else self.sealed_bid(process_id, supplier)[0]
        value = bid_amount + 1 if amount == "bid+1" else bid_amount if amount == "bid" else self.budget_amount(amount)
        self.send("awardProcess", who, process_id, self.address[supplier], value, hash_or_zero(notice, "award"))

    @rule(who=actor(*ACTORS), ocid=process_ref, complaint=complaint_strategy, filing=doc_ok)
    def file_complaint(self, who: str, ocid: str, complaint: str, filing: bool) -> None:
        ocid = self.resolve(ocid, *OPEN_STAGES)
        self.send("fileComplaint", who, keccak(text=ocid), COMPLAINTS[complaint], hash_or_zero(filing, "complaint"))

    @rule(
        who=actor("finance"),
        ocid=process_ref,
        complaint=complaint_strategy,
        outcome=st.sampled_from([1, 2, 3, 0]),
        decision=doc_ok,
    )
    def resolve_complaint(self, who: str, ocid: str, complaint: str, outcome: int, decision: bool) -> None:
        ocid = self.resolve(ocid, *OPEN_STAGES)
        self.send(
            "resolveComplaint",
            who,
            keccak(text=ocid),
            COMPLAINTS[complaint],
            outcome,
            hash_or_zero(decision, "decision"),
        )

    # ─── Contract, implementation, payment ───────────────────────────────────────────────────────────────

    @rule(
        who=actor("purchaser"),
        ocid=process_ref,
        contract=st.sampled_from(["right", "zero"]),
        value=st.sampled_from(["award", "award-1", "award+1", "zero"]),
        signed=doc_ok,
    )
    def sign_contract(self, who: str, ocid: str, contract: str, value: str, signed: bool) -> None:
        ocid = self.resolve(ocid, Stage.AWARDED)
        award = self.model.process(keccak(text=ocid)).award_amount
        amount = {"award": award, "award-1": max(award - 1, 0), "award+1": award + 1, "zero": 0}[value]
        contract_id = self.contract_id(ocid, contract)
        self.send("signContract", who, keccak(text=ocid), contract_id, amount, hash_or_zero(signed, "contract"))

    @rule(
        who=actor("purchaser"),
        ocid=process_ref,
        contract=contract_ref,
        increase=st.sampled_from(["cap", "cap+1", "one", "remaining", "remaining+1", "zero"]),
        signed=doc_ok,
    )
    def amend_contract(self, who: str, ocid: str, contract: str, increase: str, signed: bool) -> None:
        ocid = self.resolve(ocid, Stage.CONTRACTED, Stage.IMPLEMENTATION)
        agreement = self.model.process(keccak(text=ocid)).agreement
        cap = max(agreement.original_value // 10 - agreement.amended_total, 0)  # exactly up to 10% in total
        amount = cap + 1 if increase == "cap+1" else cap if increase == "cap" else self.budget_amount(increase)
        contract_id = self.contract_id(ocid, contract)
        self.send("amendContract", who, keccak(text=ocid), contract_id, amount, hash_or_zero(signed, "supplement"))

    @rule(who=actor("purchaser"), ocid=process_ref, contract=contract_ref, notice=doc_ok)
    def terminate_contract(self, who: str, ocid: str, contract: str, notice: bool) -> None:
        ocid = self.resolve(ocid, Stage.CONTRACTED, Stage.IMPLEMENTATION)
        contract_id = self.contract_id(ocid, contract)
        self.send("terminateContract", who, keccak(text=ocid), contract_id, hash_or_zero(notice, "termination"))

    @rule(
        who=actor("purchaser", *SUPPLIERS),
        ocid=process_ref,
        contract=contract_ref,
        milestone=milestone_strategy,
        kind=st.sampled_from([DELIVERY, ACCEPTANCE]),
        report=doc_ok,
    )
    def record_milestone(self, who: str, ocid: str, contract: str, milestone: str, kind: int, report: bool) -> None:
        ocid = self.resolve(ocid, Stage.CONTRACTED, Stage.IMPLEMENTATION)
        self.send(
            "recordMilestone",
            who,
            keccak(text=ocid),
            self.contract_id(ocid, contract),
            MILESTONES[milestone],
            kind,
            hash_or_zero(report, f"milestone {milestone} {kind}"),
        )

    @rule(
        who=actor("finance"),
        ocid=process_ref,
        contract=contract_ref,
        milestone=milestone_strategy,
        amount=st.sampled_from(["rest", "rest+1", "one", "zero"]),
        payee=st.sampled_from(["supplier", "supplier", "supplier_a", "supplier_b", "outsider"]),
        voucher=doc_ok,
    )
    def record_payment(
        self, who: str, ocid: str, contract: str, milestone: str, amount: str, payee: str, voucher: bool
    ) -> None:
        ocid = self.resolve(ocid, Stage.IMPLEMENTATION, Stage.COMPLETED)
        agreement = self.model.process(keccak(text=ocid)).agreement
        rest = agreement.value - agreement.paid
        value = {"rest": rest, "rest+1": rest + 1, "one": 1, "zero": 0}[amount]
        payee_address = agreement.supplier if payee == "supplier" else self.address[payee]
        self.send(
            "recordPayment",
            who,
            keccak(text=ocid),
            self.contract_id(ocid, contract),
            MILESTONES[milestone],
            value,
            payee_address,
            hash_or_zero(voucher, "voucher"),
        )

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

    # ─── A driver along the happy path, so random runs also reach the late stages ────────────────────────

    @initialize(
        method=st.tuples(*[st.sampled_from([OPEN_TENDER, SINGLE_SOURCE])] * len(OCIDS)),
        plans=st.tuples(*[st.lists(st.tuples(st.sampled_from(SUPPLIERS), choice_strategy), max_size=12)] * len(OCIDS)),
    )
    def warm_up(self, method: tuple[int, ...], plans: tuple[list[tuple[str, int]], ...]) -> None:
        """Start each example with the processes at random stages, reached through interleaved `progress` steps.

        Random rules alone rarely chain the seven to fifteen accepted steps a process needs before its contract is
        paid. These steps are checked like every other: the outcome against the model, then the invariants.
        """
        for round_ in range(max(map(len, plans))):
            for ocid, process_method, plan in zip(OCIDS, method, plans, strict=True):
                if round_ < len(plan):
                    self.progress(ocid, *plan[round_], method=process_method)
                    self.check_rules()

    @rule(ocid=ocid_strategy, supplier=st.sampled_from(SUPPLIERS), choice=choice_strategy, method=method_strategy)
    def progress(self, ocid: str, supplier: str, choice: int, method: int) -> None:
        """The natural next step of process `ocid` by the right actor.

        `choice` picks among the plausible variants (amounts, which milestone, pay or complete); 7 is the twist
        (terminate, over-award, amend), so most steps move the process forward.
        """
        process_id = keccak(text=ocid)
        process = self.model.process(process_id)
        stage, now, twist = process.stage, self.model.now, choice == 7
        milestones = {name: process.milestones.get(mid, NOT_RECORDED) for name, mid in MILESTONES.items()}
        accepted = [name for name, state in milestones.items() if state == ACCEPTED]
        sealed = [self.name_of[bidder] for bidder, bid in process.bids.items() if not bid.revealed]
        revealed = [self.name_of[bidder] for bidder, bid in process.bids.items() if bid.revealed]

        def pick(options: list[str]) -> str:
            return options[choice % len(options)]

        if stage == Stage.NONE:
            self.create_process("purchaser", ocid, method, True, True, True)
        elif stage == Stage.PLANNING and process.method == OPEN_TENDER:
            self.open_tender("purchaser", ocid, 0 if choice == 6 else HOUR, HOUR, True)  # 0: a deadline of now
        elif stage == Stage.PLANNING:
            self.award_process("purchaser", ocid, supplier, pick(["small", "one", "remaining", "remaining+1"]), True)
        elif stage == Stage.TENDER and now < process.bid_deadline and choice in (6, 7):
            self.amend_tender("purchaser", ocid, HOUR if twist else -1, HOUR, True, True)  # -1: shortened
        elif stage == Stage.TENDER and now < process.bid_deadline and (not process.bids or choice < 4):
            self.commit_bid(supplier, ocid, pick(["small", "one", "remaining"]), True)  # a first bid, or a new one
        elif stage == Stage.TENDER and now < process.reveal_deadline:
            self.advance_time(ocid, "bid")  # no-op once the bids are closed
            if sealed:
                opening = "wrong salt" if twist else "wrong amount" if choice == 6 else "right"
                self.reveal_bid(supplier if supplier in sealed else sealed[0], ocid, opening)
            else:
                self.advance_time(ocid, "reveal")
                self.record_evaluation("purchaser", ocid, True)
        elif stage == Stage.TENDER:
            self.record_evaluation("purchaser", ocid, True)
        elif stage == Stage.EVALUATION and revealed:
            winner = supplier if twist or supplier in revealed else revealed[0]  # the twist may pick a sealed bid
            self.award_process("purchaser", ocid, winner, "bid+1" if choice == 6 else "bid", True)
        elif stage == Stage.EVALUATION:
            self.cancel_process("purchaser", ocid, True)
        elif stage == Stage.AWARDED:
            self.sign_contract("purchaser", ocid, "right", "award+1" if twist else pick(["award", "award-1"]), True)
        elif stage == Stage.CONTRACTED and twist:
            self.amend_contract("purchaser", ocid, "right", "cap", True)
        elif stage == Stage.IMPLEMENTATION and twist:
            self.terminate_contract("purchaser", ocid, "right", True)
        elif stage == Stage.IMPLEMENTATION and accepted and choice in (1, 2, 3):
            self.record_payment("finance", ocid, "right", accepted[0], pick(["rest", "one"]), "supplier", True)
        elif stage == Stage.IMPLEMENTATION and accepted and choice == 4:
            self.complete_process("purchaser", ocid, True)
        elif stage == Stage.IMPLEMENTATION and choice == 5:
            self.amend_contract("purchaser", ocid, "right", "cap+1", True)
        elif stage in (Stage.CONTRACTED, Stage.IMPLEMENTATION):  # deliver, then accept, the next milestone
            name = next((name for name, state in milestones.items() if state != ACCEPTED), "m1")
            if choice == 6:  # out of order: accept what was not delivered, or deliver again
                if milestones[name] == NOT_RECORDED:
                    self.record_milestone("purchaser", ocid, "right", name, ACCEPTANCE, True)
                else:
                    self.record_milestone(self.name_of[process.agreement.supplier], ocid, "right", name, DELIVERY, True)
            elif milestones[name] == DELIVERED:
                self.record_milestone("purchaser", ocid, "right", name, ACCEPTANCE, True)
            else:
                self.record_milestone(self.name_of[process.agreement.supplier], ocid, "right", name, DELIVERY, True)
        elif stage in (Stage.COMPLETED, Stage.TERMINATED) and accepted and not twist:
            self.record_payment(
                "finance", ocid, "right", accepted[0], pick(["rest", "one", "rest+1"]), "supplier", True
            )
        else:
            self.file_complaint(supplier, ocid, "c1", True)

    # ─── Invariants, on the chain after every step ───────────────────────────────────────────────────────

    def view(self) -> ChainView:
        if self._view is None:  # read once per step, shared by the invariants
            self._view = self.reader.read()
        return self._view

    def check_rules(self) -> None:
        for check in (
            self.chain_matches_model,
            self.stages_only_move_forward,
            self.payments_within_contract_value,
            self.amendments_within_ten_percent,
            self.no_award_without_a_reveal,
            self.budget_never_overcommitted,
            self.payments_covered_by_budget_commitment,
        ):
            check()

    @invariant()
    def chain_matches_model(self) -> None:
        view = self.view()
        for process_id in PROCESS_IDS:
            expected = self.model.process(process_id)
            on_chain = view.processes[process_id]
            assert (
                on_chain.budgetId,
                on_chain.purchaserOrg,
                on_chain.bidDeadline,
                on_chain.revealDeadline,
                on_chain.stage,
                on_chain.method,
                on_chain.openComplaints,
                on_chain.amendments,
                on_chain.bidCount,
                on_chain.revealCount,
                on_chain.awardee,
                on_chain.awardAmount,
            ) == (
                expected.budget_id,
                expected.purchaser_org,
                expected.bid_deadline,
                expected.reveal_deadline,
                expected.stage,
                expected.method if expected.stage != Stage.NONE else OPEN_TENDER,
                expected.open_complaints,
                expected.amendments,
                expected.bid_count,
                expected.reveal_count,
                expected.awardee,
                expected.award_amount,
            ), f"process {process_id.hex()}: chain {on_chain} != model {expected}"
            agreement, model_agreement = view.agreements[process_id], expected.agreement
            assert (
                agreement.contractId,
                agreement.value,
                agreement.paid,
                agreement.paymentCount,
                agreement.originalValue,
                agreement.amendedTotal,
                agreement.acceptedMilestones,
                agreement.supplier,
                agreement.contractTag,
            ) == (
                model_agreement.contract_id,
                model_agreement.value,
                model_agreement.paid,
                model_agreement.payment_count,
                model_agreement.original_value,
                model_agreement.amended_total,
                model_agreement.accepted_milestones,
                model_agreement.supplier,
                model_agreement.contract_tag,
            ), f"agreement {process_id.hex()}: chain {agreement} != model {model_agreement}"
            for name in ACTORS:
                bid, model_bid = view.bids[(process_id, name)], self.model.bid(process_id, self.address[name])
                assert (bid.commitment, bid.amount, bid.revealed) == (
                    model_bid.commitment,
                    model_bid.amount,
                    model_bid.revealed,
                ), f"bid of {name} in {process_id.hex()}: chain {bid} != model {model_bid}"
            for milestone_id in MILESTONES.values():
                assert view.milestones[(process_id, milestone_id)] == expected.milestones.get(
                    milestone_id, NOT_RECORDED
                )

    @invariant()
    def stages_only_move_forward(self) -> None:
        for process_id, process in self.view().processes.items():
            assert process.stage >= self.last_stage[process_id], f"{process_id.hex()} went back to {process.stage}"
            self.last_stage[process_id] = process.stage

    @invariant()
    def payments_within_contract_value(self) -> None:
        for agreement in self.view().agreements.values():
            assert agreement.paid <= agreement.value

    @invariant()
    def amendments_within_ten_percent(self) -> None:
        for agreement in self.view().agreements.values():
            assert agreement.amendedTotal * 10 <= agreement.originalValue

    @invariant()
    def no_award_without_a_reveal(self) -> None:
        view = self.view()
        for process_id, process in view.processes.items():
            if process.method == OPEN_TENDER and process.awardee != ZERO_ADDRESS:
                awardee = self.name_of.get(process.awardee)
                assert awardee is not None, f"{process_id.hex()} awarded to {process.awardee}, who cannot bid"
                bid = view.bids[(process_id, awardee)]
                assert bid.revealed and bid.amount == process.awardAmount, f"{process_id.hex()} awarded unrevealed"

    @invariant()
    def budget_never_overcommitted(self) -> None:
        budget = self.view().budget
        assert budget.committed <= budget.amount == BUDGET_AMOUNT
        assert budget.committed == self.model.budgets[BUDGET_ID].committed

    @invariant()
    def payments_covered_by_budget_commitment(self) -> None:
        """Every unit paid is still committed on the budget line: payments never spend released money."""
        view = self.view()
        paid = sum(agreement.paid for agreement in view.agreements.values())
        assert paid <= view.budget.committed, f"paid {paid} but only {view.budget.committed} committed on the budget"


@dataclass
class ChainView:
    """The ledger's state for every process of the pool, as its view functions return it."""

    processes: dict[bytes, Any]
    agreements: dict[bytes, Any]
    bids: dict[tuple[bytes, str], Any]
    milestones: dict[tuple[bytes, bytes], int]
    budget: Any


class ChainReader:
    """Reads a ChainView in one eth_call of the ledger's `multicall`, at the latest block.

    It batches the same view functions (budget, processOf, agreementOf, bidOf, milestoneOf), encoded once, and
    decodes their return data by their ABI into objects with the Solidity field names (`processes[id].stage`). It
    goes through web3 directly: ape's call path costs several times the call itself, once per step.
    """

    def __init__(self, ledger: Any, chain: Any, address: dict[str, str]) -> None:
        self.web3 = chain.provider.web3
        self.ledger_address = ledger.address
        self.keys: list[tuple[str, Any]] = [("budget", None)]
        reads: list[tuple[Any, tuple[Any, ...]]] = [(ledger.budget, (BUDGET_ID,))]
        for process_id in PROCESS_IDS:
            self.keys += [("processes", process_id), ("agreements", process_id)]
            reads += [(ledger.processOf, (process_id,)), (ledger.agreementOf, (process_id,))]
            for name in ACTORS:
                self.keys.append(("bids", (process_id, name)))
                reads.append((ledger.bidOf, (process_id, address[name])))
            for milestone_id in MILESTONES.values():
                self.keys.append(("milestones", (process_id, milestone_id)))
                reads.append((ledger.milestoneOf, (process_id, milestone_id)))
        self.calldata = ledger.multicall.encode_input([view.encode_input(*args) for view, args in reads])
        self.outputs = [view.abis[0].outputs[0] for view, _ in reads]

    def read(self) -> ChainView:
        view = ChainView({}, {}, {}, {}, None)
        (results,) = abi_decode(["bytes[]"], self.web3.eth.call({"to": self.ledger_address, "data": self.calldata}))
        for (kind, key), output, data in zip(self.keys, self.outputs, results, strict=True):
            if kind == "budget":
                view.budget = decode_output(output, data)
            else:
                getattr(view, kind)[key] = decode_output(output, data)
        return view


def decode_output(output: Any, data: bytes) -> Any:
    """Decode a view's single return value (a struct or a value type) by its ABI; faster than ape's decoder."""
    (value,) = abi_decode([output.canonical_type], data)
    if output.type != "tuple":
        return value
    fields = {}
    for component, item in zip(output.components, value, strict=True):
        fields[component.name] = to_checksum_address(item) if component.type == "address" else item
    return SimpleNamespace(**fields)


def test_random_sequences_follow_the_rules(
    monkeypatch: pytest.MonkeyPatch,
    ledger: Any,
    chain: Any,
    purchaser: Any,
    other_purchaser: Any,
    finance: Any,
    supplier_a: Any,
    supplier_b: Any,
    auditor: Any,
    outsider: Any,
) -> None:
    accounts = {
        "purchaser": purchaser,
        "other_purchaser": other_purchaser,
        "finance": finance,
        "supplier_a": supplier_a,
        "supplier_b": supplier_b,
        "auditor": auditor,
        "outsider": outsider,
    }
    # ape prints the call trace of every reverted transaction (it fetches and renders it); with hundreds of expected
    # reverts that is most of the run time and all of the output. The error itself is still decoded from the ABI.
    monkeypatch.setattr(Trace, "show", lambda self, *args, **kwargs: None)
    machine = type("LedgerRulesOnChain", (LedgerRules,), {"env": Env(ledger, chain, accounts)})
    run_state_machine_as_test(machine, settings=SETTINGS)
