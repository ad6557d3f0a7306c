"""Stateful property test: random sequences of actions by random accounts, on chain and in a Python model of the rules.

Every rule picks an action, an account among all the named ones (admin, the organisations' accounts, the relayer
and an outsider) and arguments from small domains with their boundary values, asks the model
(tests/contracts/model.py) whether the contract must accept it or which custom error it must revert with, sends it
to the ledger and checks the outcome. The actions cover the whole ledger: budget lines, processes (open tender and
single source), tender amendments, sealed bids committed directly or relayed with EIP-712 signatures (fresh, stale
and cancelled nonces), reveals, evaluation, award, contracts with milestone schedules and their amendments,
deliveries, acceptances, payments, completion and termination, complaints with standing and the per-organisation
cap, audit notes, document anchors, organisation membership (accounts added, removed, moved from supplier A's
organisation to C's) and suspension (by one bureau, reinstated by it, not by the other). Every id is drawn from a
small pool, so resends happen and must revert `…AlreadyRecorded`.

After every step the invariants compare the chain with the model and check the domain rules on the chain itself:
- no payment reaches an account outside the contracted supplier organisation at its block (by the model's
  membership, and on chain by the PaymentRecorded event against organisationOf(payee) at the receipt's block);
- per milestone paid ≤ amount, and Σ paid ≤ accepted total ≤ scheduled total ≤ contract value;
- each budget line commits exactly the sum over its processes (award while Awarded, value while Contracted or in
  Implementation, accepted total once Completed or Terminated, 0 otherwise), never more than the line holds, and
  never less than was paid on it;
- each id is recorded once: the creation events on chain, counted per id, are exactly the model's records;
- stages only move forward, amendments stay within 10% of the original value, and no open-tender award goes to
  anything but a revealed bid at its amount.

Run: PATH=$PWD/node_modules/.bin:$PATH .venv/bin/python -m pytest tests/contracts/test_stateful_rules.py -q
(-s prints how many of each action succeeded and reverted). A failure prints the shortest sequence found, step by
step, with each action's outcome on chain and in the model.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

from ape.logging import LogLevel, logger
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from web3.exceptions import ContractLogicError

from tests.contracts.conftest import (
    ACCEPTANCE,
    ACCEPTED,
    ACCOUNT_INDEX,
    AUDITOR_ORG,
    BUDGET_AMOUNT,
    BUDGET_ID,
    BUDGET_REF,
    COMPLAINT_NONE,
    CONTRACT_ID,
    DELIVERED,
    DELIVERY,
    DISMISSED,
    FINANCE_ORG,
    HOUR,
    M1,
    M2,
    M3,
    NOT_SCHEDULED,
    OCID_PREFIX,
    OPEN,
    OPEN_TENDER,
    ORGS,
    OTHER_BUDGET_ID,
    OTHER_BUDGET_REF,
    OTHER_FINANCE_ORG,
    OTHER_OCID_PREFIX,
    OTHER_PURCHASER_ORG,
    PUBLISHER_ORG,
    PURCHASER_ORG,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    UPHELD,
    WITHDRAWN,
    ZERO_ADDRESS,
    ZERO_HASH,
    Stage,
    commitment,
    doc,
    org,
    scoped_id,
)
from tests.contracts.model import (
    BID_COMMITMENT_TYPES,
    MAX_MILESTONES,
    MAX_OPEN_COMPLAINTS_PER_ORGANISATION,
    LedgerModel,
    Revert,
    bid_commitment_message,
)

ACTORS = tuple(ACCOUNT_INDEX)  # every named account: admin, the organisations' accounts, outsider, relayer
SUPPLIERS = ("supplier_a", "supplier_a2", "supplier_b", "supplier_c")
OCIDS = ("ocds-test-sm-1", "ocds-test-sm-2", "ocds-other-sm-1")  # two of PURCHASER_ORG's, one of OTHER_PURCHASER_ORG's
BAD_OCIDS = ("", "x" * 129, "ocds-testx-sm-1")  # too short, too long, a prefix nobody registered
PROCESS_IDS = tuple(keccak(text=ocid) for ocid in OCIDS)
UNKNOWN_ORG = org("NEVER-REGISTERED")
ORG_IDS = {
    "A": SUPPLIER_A_ORG,
    "B": SUPPLIER_B_ORG,
    "C": SUPPLIER_C_ORG,
    "purchaser": PURCHASER_ORG,
    "other purchaser": OTHER_PURCHASER_ORG,
    "finance": FINANCE_ORG,
    "other finance": OTHER_FINANCE_ORG,
    "auditor": AUDITOR_ORG,
    "publisher": PUBLISHER_ORG,
    "unknown": UNKNOWN_ORG,
    "zero": ZERO_HASH,
}
ORG_NAMES = {org_id: name for name, org_id in ORG_IDS.items()}
SUPPLIER_ORGS = (SUPPLIER_A_ORG, SUPPLIER_B_ORG, SUPPLIER_C_ORG)
BUREAUS = (FINANCE_ORG, OTHER_FINANCE_ORG)
NEW_BUDGET_REF = keccak(text="SM-BUDGET-2027")
NEW_BUDGET_AMOUNT = 300_000_00
BUDGET_IDS = tuple(
    scoped_id(bureau, ref) for bureau in BUREAUS for ref in (BUDGET_REF, OTHER_BUDGET_REF, NEW_BUDGET_REF)
)
BUDGETS = {
    "line": BUDGET_ID,
    "other line": OTHER_BUDGET_ID,
    "new line": scoped_id(FINANCE_ORG, NEW_BUDGET_REF),
    "other new line": scoped_id(OTHER_FINANCE_ORG, NEW_BUDGET_REF),
    "unknown": keccak(text="BUDGET-NOBODY-APPROVED"),
}
MILESTONE_IDS = (M1, M2, M3, keccak(text="milestone-4"), keccak(text="milestone-5"))


def refs(*labels: str) -> dict[str, bytes]:
    return {label: keccak(text=f"sm {label}") for label in labels}


TENDER_AMENDMENTS = refs("ta1", "ta2")
CONTRACT_IDS = {"c1": CONTRACT_ID, "c2": keccak(text="CONTRACT-2026-002"), "zero": ZERO_HASH}
CONTRACT_AMENDMENTS = refs("ca1", "ca2", "ca3")
PAYMENTS = refs("p1", "p2", "p3", "p4", "p5")
COMPLAINTS = refs("c1", "c2", "c3", "c4")  # four, so a fourth open complaint of one organisation hits the cap of 3
NOTES = refs("n1", "n2")
ROOTS = {"r1": doc("root 1"), "r2": doc("root 2"), "r3": doc("root 3"), "zero": ZERO_HASH}
SMALL = 12_345
DAY = 24 * HOUR
OPEN_STAGES = range(Stage.PLANNING, Stage.COMPLETED)
ACTIVE = (Stage.CONTRACTED, Stage.IMPLEMENTATION)

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
    """Any account, with the ones the action is meant for drawn about two times in three.

    A name starting with "@" is a party of the process acted on, resolved at the step ("@purchaser" is an account
    of its purchaser organisation), since processes belong to different organisations and accounts move.
    """
    return st.one_of(st.sampled_from(preferred), st.sampled_from(preferred), st.sampled_from(ACTORS))


ocid_strategy = st.sampled_from(OCIDS)
# Random actions name a process of the pool, or "suitable": the first one at a stage where the action can succeed,
# so that they also hit the checks that only a process at the right stage reaches.
process_ref = st.sampled_from(["suitable", "suitable", *OCIDS])
method_strategy = st.sampled_from([OPEN_TENDER, SINGLE_SOURCE])
choice_strategy = st.integers(0, 7)  # which variant of the next step `progress` takes; 7 is the twist
progress_step = st.tuples(st.sampled_from(SUPPLIERS), choice_strategy)  # `progress`'s supplier account and choice
WARM_UP_DEPTH = 30  # most `progress` steps a process takes in `warm_up`
# A document hash is present seven times in eight: a missing one must revert, but should not mask every other check.
doc_ok = st.integers(0, 7).map(lambda i: i != 7)
bid_amount = st.sampled_from(["small", "one", "remaining", "remaining+1", "zero"])
milestone_ref = st.sampled_from(["next", "next", *range(len(MILESTONE_IDS))])


def hash_or_zero(ok: bool, label: str) -> bytes:
    return doc(label) if ok else ZERO_HASH


def another_key(name: str) -> str:
    """An account other than `name`, whose signature `name`'s does not match."""
    return SUPPLIERS[(SUPPLIERS.index(name) + 1) % len(SUPPLIERS)] if name in SUPPLIERS else "relayer"


def nonzero(value: bytes, default: bytes) -> bytes:
    """`value` unless it is the zero hash (which, as any non-empty bytes, is true for `or`)."""
    return value if value != ZERO_HASH else default


def pick_of(options: list[Any], index: int) -> Any:
    return options[index % len(options)]


def split(total: int, count: int) -> list[int]:
    """`total` in `count` parts (the last takes the remainder), as a payment schedule."""
    base = max(total, 0) // count
    return [base] * (count - 1) + [max(total, 0) - base * (count - 1)]


# ─── The machine ─────────────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Env:
    """What the machine needs from ape's fixtures, and the outcome counts of the whole run."""

    ledger: Any
    chain: Any
    accounts: dict[str, Any]  # actor name -> ape account
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (action, "ok" or error name) -> count


# The events that record an id, with the fields that form it: each must appear once per id.
ID_EVENTS = {
    "BudgetApproved": ("budgetId",),
    "ProcessCreated": ("processId",),
    "TenderAmended": ("processId", "amendmentId"),
    "ContractSigned": ("processId", "contractId"),
    "ContractAmended": ("processId", "amendmentId"),
    "PaymentRecorded": ("processId", "paymentId"),
    "ComplaintFiled": ("processId", "complaintId"),
    "AuditNoteRecorded": ("processId", "noteId"),
    "DocumentsAnchored": ("anchorerOrg", "root"),
}


# The writes that record a caller-chosen id: the same call again must revert `…AlreadyRecorded`.
ID_ACTIONS = frozenset(
    {
        "approveBudget",
        "createProcess",
        "amendTender",
        "fileComplaint",
        "recordAuditNote",
        "signContract",
        "amendContract",
        "recordPayment",
        "anchorDocuments",
    }
)


class LedgerRules(RuleBasedStateMachine):
    env: ClassVar[Env]

    def __init__(self) -> None:
        super().__init__()
        ledger, chain = self.env.ledger, self.env.chain
        # Each example starts from the fixture's chain (ledger deployed, organisations registered, budgets approved).
        self.snapshot_id = chain.snapshot()
        self.address = {name: account.address for name, account in self.env.accounts.items()}
        self.address["nobody"] = ZERO_ADDRESS  # never an actor: only an argument
        self.domain = {"name": "ProcurementLedger", "version": "2", "chainId": chain.chain_id}
        self.domain["verifyingContract"] = ledger.address
        self.model = self.fixture_model(chain.blocks.head.timestamp + 1)
        self.openings: dict[tuple[bytes, bytes], tuple[int, bytes, bytes]] = {}  # (process, bidder org) -> opening
        self.salts = 0
        self.last_stage = dict.fromkeys(PROCESS_IDS, Stage.NONE)
        self.model_payments: list[tuple[str, bytes, bytes]] = []  # (payee, its organisation then, contracted supplier)
        self.chain_payments: list[dict[str, Any]] = []  # PaymentRecorded with the payee's and process's orgs then
        self.events = {keccak(text=abi.selector): abi for abi in ledger.contract_type.events}
        self.reader = ChainReader(ledger, chain, self.address)
        self.sender = Sender(ledger, chain)
        self.id_events = self.reader.count_id_events(self.events)  # the fixture's two budget lines so far
        self._view: SimpleNamespace | None = None
        self.outcome = ""  # of the last action sent
        self.accepted_calls: list[tuple[str, str, tuple[Any, ...], bytes]] = []  # id-recording calls accepted so far
        self.labels: dict[Any, str] = (
            {pid: ocid for pid, ocid in zip(PROCESS_IDS, OCIDS, strict=True)}
            | {address: name for name, address in self.address.items()}
            | {org_id: f"org {name}" for name, org_id in ORG_IDS.items() if org_id != ZERO_HASH}
            | {budget_id: name for name, budget_id in BUDGETS.items()}
            | {mid: f"m{i + 1}" for i, mid in enumerate(MILESTONE_IDS)}
            | {ref_id: ref for pool in (TENDER_AMENDMENTS, CONTRACT_AMENDMENTS, PAYMENTS, COMPLAINTS, NOTES)
               for ref, ref_id in pool.items()}
            | {CONTRACT_IDS["c1"]: "contract c1", CONTRACT_IDS["c2"]: "contract c2"}
            | {root: name for name, root in ROOTS.items() if root != ZERO_HASH}
        )  # fmt: skip

    def fixture_model(self, now: int) -> LedgerModel:
        """The model at the fixture's state, reached by the fixture's own calls (tests/contracts/conftest.py)."""
        admin = self.address["admin"]
        model = LedgerModel(admin, self.domain, now)
        for org_id, role in {org_id: role for org_id, role in ORGS.values()}.items():
            model.registerOrganisation(admin, org_id, role)
        for name, (org_id, _) in ORGS.items():
            model.addOrganisationAccount(admin, org_id, self.address[name])
        model.registerOcidPrefix(admin, PURCHASER_ORG, OCID_PREFIX)
        model.registerOcidPrefix(admin, OTHER_PURCHASER_ORG, OTHER_OCID_PREFIX)
        finance, other_finance = self.address["finance"], self.address["other_finance"]
        model.approveBudget(finance, BUDGET_REF, 2026, BUDGET_AMOUNT, b"CNY", doc("budget"), [PURCHASER_ORG])
        model.approveBudget(
            other_finance, OTHER_BUDGET_REF, 2026, BUDGET_AMOUNT, b"CNY", doc("other budget"), [OTHER_PURCHASER_ORG]
        )
        return model

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot_id)

    # ─── Sending an action to both ───────────────────────────────────────────────────────────────────────

    def send(self, action: str, who: str, *args: Any) -> bool:
        """Run `action` by `who` in the model and on chain at the model's time; True if it was accepted."""
        sender = self.address[who]
        try:
            getattr(self.model, action)(sender, *args)
            expected = "ok"
        except Revert as revert:
            expected = revert.name
        if action == "recordPayment" and expected == "ok":
            process = self.model.process(args[0])
            self.model_payments.append((args[4], self.model.org_of(args[4]), process.supplier_org))
        self.env.chain.provider.set_timestamp(self.model.now)
        outcome, receipt = self.sender.send(action, sender, args)
        self.outcome = outcome
        self.model.now += 1  # the transaction was mined in a block at that time; the next one comes a second later
        self._view = None
        self.env.outcomes[(action, outcome)] += 1
        note(f"{action}({self.describe(args)}) by {who} at t={self.model.now - 1}: chain {outcome}, model {expected}")
        assert outcome == expected, f"{action} by {who}{args!r}: the chain says {outcome}, the model {expected}"
        if receipt is not None:
            self.read_receipt(receipt)
            if action in ID_ACTIONS:
                self.accepted_calls.append((action, who, args, self.model.org_of(sender)))
        return outcome == "ok"

    def read_receipt(self, receipt: Any) -> None:
        """Count the ids the transaction's events record; for each payment, read its parties at its block."""
        for log in receipt["logs"]:
            topics = [HexBytes(topic) for topic in log["topics"]]
            abi = self.events.get(bytes(topics[0]))
            if abi is None or abi.name not in ID_EVENTS:
                continue
            fields = decode_log(abi, topics, HexBytes(log["data"]))
            self.id_events[(abi.name, *(fields[name] for name in ID_EVENTS[abi.name]))] += 1
            if abi.name in ("ContractSigned", "ContractAmended"):
                for milestone_id in fields["milestoneIds"]:
                    self.id_events[("Milestone", fields["processId"], milestone_id)] += 1
            if abi.name == "PaymentRecorded":
                payee_org, process = self.reader.payment_parties(fields["payee"], fields["processId"], receipt)
                self.chain_payments.append(fields | {"orgOfPayee": payee_org, "process": process})

    def describe(self, args: tuple[Any, ...]) -> str:
        """Arguments as a reader wants them in a failing sequence: ocids, actor names, short hashes."""

        def label(arg: Any) -> str:
            if isinstance(arg, list):
                return f"[{', '.join(map(label, arg))}]"
            if isinstance(arg, (bytes, str)) and arg in self.labels:
                return self.labels[arg]
            if isinstance(arg, bytes):
                return "0x0" if arg == ZERO_HASH else f"0x{arg.hex()[:8]}…"
            return repr(arg)

        return ", ".join(map(label, args))

    # ─── Helpers resolving symbolic arguments against the model ──────────────────────────────────────────

    def signers(self, org_id: bytes) -> list[str]:
        """The accounts that sign for `org_id` now, by the model's membership."""
        return [name for name in ACTORS if org_id != ZERO_HASH and self.model.org_of(self.address[name]) == org_id]

    def signer(self, org_id: bytes, default: str, prefer: str | None = None) -> str:
        """`prefer` if it signs for `org_id`, else the first account that does, else `default`."""
        names = self.signers(org_id)
        return prefer if prefer in names else names[0] if names else default

    def who(self, name: str, ocid: str) -> str:
        """Resolve a party of process `ocid` ("@purchaser", "@finance", "@other_finance", "@supplier") to an actor."""
        if not name.startswith("@"):
            return name
        process = self.model.process(keccak(text=ocid))
        if name == "@purchaser":
            owner = nonzero(process.purchaser_org, self.model.ocid_owner(ocid.encode()))
            return self.signer(owner, "purchaser")
        if name == "@finance":
            return self.signer(nonzero(process.finance_org, FINANCE_ORG), "finance")
        if name == "@other_finance":
            other = OTHER_FINANCE_ORG if process.finance_org != OTHER_FINANCE_ORG else FINANCE_ORG
            return self.signer(other, "other_finance")
        assert name == "@supplier", name
        return self.signer(process.supplier_org, "supplier_a")

    def remaining(self, budget_id: bytes) -> int:
        line = self.model.budgets.get(budget_id)
        return line.amount - line.committed if line else 0

    def budget_amount(self, kind: str, budget_id: bytes) -> int:
        remaining = self.remaining(budget_id)
        return {"zero": 0, "one": 1, "small": SMALL, "remaining": remaining, "remaining+1": remaining + 1}[kind]

    def resolve(self, ref: str, *stages: int) -> str:
        """The ocid `ref` names: itself, or for "suitable" the first process of the pool at the first of `stages`
        any process is at."""
        if ref != "suitable":
            return ref
        at = {self.model.process(keccak(text=ocid)).stage: ocid for ocid in reversed(OCIDS)}
        return next((at[stage] for stage in stages if stage in at), OCIDS[0])

    def opening(self, process_id: bytes, org_id: bytes) -> tuple[int, bytes, bytes]:
        return self.openings.get((process_id, org_id), (SMALL, doc("no bid"), keccak(text="no salt")))

    def new_opening(self, ocid: str, org_id: bytes, amount: str) -> tuple[int, bytes, bytes]:
        process = self.model.process(keccak(text=ocid))
        self.salts += 1
        value = self.budget_amount(amount, nonzero(process.budget_id, BUDGET_ID))
        return value, doc(f"bid {ocid} {self.salts}"), keccak(text=f"salt {self.salts}")

    def milestone_id(self, process_id: bytes, ref: str | int) -> bytes:
        """A milestone of the pool, or "next": the first scheduled one not yet accepted."""
        if ref != "next":
            return MILESTONE_IDS[int(ref)]
        states = [self.model.milestone(process_id, mid).state for mid in MILESTONE_IDS]
        return next(
            (mid for mid, state in zip(MILESTONE_IDS, states, strict=True) if state not in (NOT_SCHEDULED, ACCEPTED)),
            M1,
        )

    def free_milestones(self, process_id: bytes) -> list[bytes]:
        return [mid for mid in MILESTONE_IDS if self.model.milestone(process_id, mid).state == NOT_SCHEDULED]

    @staticmethod
    def fresh(pool: dict[str, bytes], used: Callable[[bytes], bool]) -> str:
        """The first reference of `pool` not used yet (the last one when all are: a resend)."""
        return next((ref for ref, ref_id in pool.items() if not used(ref_id)), list(pool)[-1])

    def sign_bid(
        self, who: str, process_id: bytes, bidder_org: bytes, sealed: bytes, nonce: int, deadline: int
    ) -> bytes:
        message = bid_commitment_message(process_id, bidder_org, sealed, nonce, deadline)
        key = self.env.accounts[who].private_key
        return bytes(Account.sign_typed_data(key, self.domain, BID_COMMITMENT_TYPES, message).signature)

    # ─── Organisations ───────────────────────────────────────────────────────────────────────────────────

    @rule(
        who=actor("admin"),
        org_name=st.sampled_from(["A", "C", "B", "purchaser", "unknown"]),
        account=st.sampled_from(["supplier_a", "supplier_a2", "supplier_c", "outsider", "outsider", "admin", "nobody"]),
    )
    def add_organisation_account(self, who: str, org_name: str, account: str) -> None:
        self.send("addOrganisationAccount", who, ORG_IDS[org_name], self.address[account])

    @rule(
        who=actor("admin"),
        org_name=st.sampled_from(["A", "C", "B", "zero"]),
        account=st.sampled_from(["supplier_a", "supplier_a2", "supplier_c", "outsider"]),
    )
    def remove_organisation_account(self, who: str, org_name: str, account: str) -> None:
        self.send("removeOrganisationAccount", who, ORG_IDS[org_name], self.address[account])

    @rule(account=st.sampled_from(["supplier_a", "supplier_a2"]), to=st.sampled_from(["C", "C", "A", "B"]))
    def move_account(self, account: str, to: str) -> None:
        """The admin moves an account to another organisation: it leaves its own (if any), then joins `to`."""
        current = self.model.org_of(self.address[account])
        self.send("removeOrganisationAccount", "admin", nonzero(current, SUPPLIER_A_ORG), self.address[account])
        self.send("addOrganisationAccount", "admin", ORG_IDS[to], self.address[account])

    @rule(
        who=actor("finance", "other_finance"),
        org_name=st.sampled_from(["A", "B", "C", "purchaser", "other purchaser", "finance", "auditor", "unknown"]),
        decision=doc_ok,
    )
    def suspend_organisation(self, who: str, org_name: str, decision: bool) -> None:
        self.send("suspendOrganisation", who, ORG_IDS[org_name], hash_or_zero(decision, "suspension"))

    @rule(
        who=st.sampled_from(["@suspender", "@suspender", "@other_bureau", "finance", "other_finance", "purchaser"]),
        org_name=st.sampled_from(["suspended", "suspended", "A", "B", "C", "purchaser", "other purchaser", "finance"]),
        decision=doc_ok,
    )
    def reinstate_organisation(self, who: str, org_name: str, decision: bool) -> None:
        """Reinstate a suspended organisation ("suspended": the first one), or any, by the bureau that suspended it
        ("@suspender"), by the other one ("@other_bureau"), or by anyone."""
        if org_name == "suspended":
            org_name = next(
                (name for name, org_id in ORG_IDS.items() if self.model.suspended_by(org_id) != ZERO_HASH), "A"
            )
        org_id = ORG_IDS[org_name]
        suspender = nonzero(self.model.suspended_by(org_id), FINANCE_ORG)
        if who == "@suspender":
            who = self.signer(suspender, "finance")
        elif who == "@other_bureau":
            who = self.signer(OTHER_FINANCE_ORG if suspender == FINANCE_ORG else FINANCE_ORG, "other_finance")
        self.send("reinstateOrganisation", who, org_id, hash_or_zero(decision, "reinstatement"))

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

    # ─── Sealed bids ─────────────────────────────────────────────────────────────────────────────────────

    @rule(who=actor(*SUPPLIERS), ocid=process_ref, amount=bid_amount, sealed=doc_ok)
    def commit_bid(self, who: str, ocid: str, amount: str, sealed: bool) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id, org_id = keccak(text=ocid), self.model.org_of(self.address[who])
        opening = self.new_opening(ocid, org_id, amount)
        value = commitment(process_id, org_id, *opening) if sealed else ZERO_HASH
        if self.send("commitBid", who, process_id, value):
            self.openings[(process_id, org_id)] = opening

    @rule(
        relayer=actor("relayer"),
        ocid=process_ref,
        signer=st.sampled_from([*SUPPLIERS, "outsider"]),
        bidder=st.sampled_from(["own", "own", "own", "A", "B", "C", "purchaser"]),
        nonce=st.sampled_from(["current", "current", "stale", "ahead"]),
        deadline=st.sampled_from(["bid", "bid", "now", "now-1"]),
        signed_by=st.sampled_from(["signer", "signer", "signer", "another key"]),
        amount=bid_amount,
    )
    def commit_bid_for(
        self, relayer: str, ocid: str, signer: str, bidder: str, nonce: str, deadline: str, signed_by: str, amount: str
    ) -> None:
        """A relayer submits a commitment an account of the bidder signed (EIP-712) at the bid's nonce."""
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id = keccak(text=ocid)
        bidder_org = self.model.org_of(self.address[signer]) if bidder == "own" else ORG_IDS[bidder]
        opening = self.new_opening(ocid, bidder_org, amount)
        value = commitment(process_id, bidder_org, *opening)
        current = self.model.bid(process_id, bidder_org).nonce
        signed_nonce = {"current": current, "stale": current - 1 if current else 2, "ahead": current + 1}[nonce]
        process = self.model.process(process_id)
        valid_until = {"bid": process.bid_deadline, "now": self.model.now, "now-1": self.model.now - 1}[deadline]
        key = signer if signed_by == "signer" else another_key(signer)
        signature = self.sign_bid(key, process_id, bidder_org, value, signed_nonce, valid_until)
        args = (process_id, bidder_org, self.address[signer], value, signed_nonce, valid_until, signature)
        if self.send("commitBidFor", relayer, *args):
            self.openings[(process_id, bidder_org)] = opening

    @rule(who=actor(*SUPPLIERS), ocid=process_ref)
    def cancel_bid_signatures(self, who: str, ocid: str) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        self.send("cancelBidSignatures", who, keccak(text=ocid))

    @rule(
        who=actor(*SUPPLIERS),
        ocid=process_ref,
        opening=st.sampled_from(["right", "right", "wrong amount", "wrong salt"]),
    )
    def reveal_bid(self, who: str, ocid: str, opening: str) -> None:
        ocid = self.resolve(ocid, Stage.TENDER)
        process_id = keccak(text=ocid)
        amount, bid_doc, salt = self.opening(process_id, self.model.org_of(self.address[who]))
        if opening == "wrong amount":
            amount += 1
        elif opening == "wrong salt":
            salt = keccak(salt)
        self.send("revealBid", who, process_id, amount, bid_doc, salt)

    # ─── Evaluation, award, complaints, audit ────────────────────────────────────────────────────────────

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

    @rule(
        who=actor(*SUPPLIERS),
        ocid=process_ref,
        ref=st.sampled_from(["fresh", "fresh", *sorted(COMPLAINTS)]),
        filing=doc_ok,
    )
    def file_complaint(self, who: str, ocid: str, ref: str, filing: bool) -> None:
        """File a complaint under a reference its organisation has not used on the process yet, or any."""
        ocid = self.resolve(ocid, Stage.EVALUATION, Stage.AWARDED, Stage.TENDER, Stage.PLANNING, *ACTIVE)
        self.complain(who, ocid, ref, filing)

    @rule(who=actor(*SUPPLIERS), ocid=process_ref)
    def complaints_up_to_the_cap(self, who: str, ocid: str) -> None:
        """A supplier files complaint after complaint on one process: with three open, the next one reverts."""
        ocid = self.resolve(ocid, Stage.PLANNING, Stage.AWARDED, Stage.EVALUATION, Stage.TENDER)
        for _ in range(MAX_OPEN_COMPLAINTS_PER_ORGANISATION + 1):
            if not self.complain(who, ocid, "fresh", True):
                break

    def complain(self, who: str, ocid: str, ref: str, filing: bool) -> bool:
        process_id, org_id = keccak(text=ocid), self.model.org_of(self.address[who])
        if ref == "fresh":
            ref = self.fresh(
                COMPLAINTS, lambda ref_id: bool(self.model.complaint(process_id, scoped_id(org_id, ref_id)).status)
            )
        return self.send("fileComplaint", who, process_id, COMPLAINTS[ref], hash_or_zero(filing, "complaint"))

    def open_complaint(self, process_id: bytes) -> tuple[str, str]:
        """The complainant and reference of the first open complaint of the process (A's first if none)."""
        return next(
            (
                (name, ref)
                for name in ("A", "B", "C")
                for ref, ref_id in COMPLAINTS.items()
                if self.model.complaint(process_id, scoped_id(ORG_IDS[name], ref_id)).status == OPEN
            ),
            ("A", "c1"),
        )

    @rule(
        who=actor("@finance"),
        ocid=process_ref,
        complainant=st.sampled_from(["open", "open", "A", "B", "C"]),
        ref=st.sampled_from(sorted(COMPLAINTS)),
        outcome=st.sampled_from([DISMISSED, UPHELD, WITHDRAWN, COMPLAINT_NONE, OPEN]),
        decision=doc_ok,
    )
    def resolve_complaint(self, who: str, ocid: str, complainant: str, ref: str, outcome: int, decision: bool) -> None:
        """Resolve an open complaint of the process ("open"), or any, with an outcome or an invalid one."""
        ocid = self.resolve(ocid, *OPEN_STAGES)
        if complainant == "open":
            complainant, ref = self.open_complaint(keccak(text=ocid))
        complaint_id = scoped_id(ORG_IDS[complainant], COMPLAINTS[ref])
        self.send(
            "resolveComplaint",
            self.who(who, ocid),
            keccak(text=ocid),
            complaint_id,
            outcome,
            hash_or_zero(decision, "decision"),
        )

    @rule(who=actor("auditor"), ocid=process_ref, ref=st.sampled_from(sorted(NOTES)), findings=doc_ok)
    def record_audit_note(self, who: str, ocid: str, ref: str, findings: bool) -> None:
        ocid = self.resolve(ocid, *range(Stage.PLANNING, Stage.TERMINATED + 1))
        self.send("recordAuditNote", who, keccak(text=ocid), NOTES[ref], hash_or_zero(findings, "findings"))

    # ─── Contract, implementation, payment ───────────────────────────────────────────────────────────────

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

    # ─── Document anchors ────────────────────────────────────────────────────────────────────────────────

    @rule(
        who=actor("@purchaser", "@finance", "publisher"),
        ocid=process_ref,
        root=st.sampled_from(["r1", "r1", "r2", "zero"]),
        count=st.sampled_from([3, 3, 1, 0]),
        filed=st.sampled_from(["none", "process", "process"]),
    )
    def anchor_documents(self, who: str, ocid: str, root: str, count: int, filed: str) -> None:
        ocid = self.resolve(ocid, *range(Stage.PLANNING, Stage.TERMINATED + 1))
        process_id = keccak(text=ocid) if filed == "process" else ZERO_HASH
        self.send("anchorDocuments", self.who(who, ocid), ROOTS[root], count, process_id)

    # ─── Resends ─────────────────────────────────────────────────────────────────────────────────────────

    @rule(which=st.integers(0, 7))
    def resend(self, which: int) -> None:
        """Send again, unchanged, one of the last accepted calls that recorded an id: the ledger refuses it with
        `…AlreadyRecorded`, unless its sender has since moved to another organisation (then it names another id)."""
        if not self.accepted_calls:
            return
        action, who, args, org_id = self.accepted_calls[-1 - which % len(self.accepted_calls)]
        self.send(action, who, *args)
        if self.model.org_of(self.address[who]) == org_id:
            assert self.outcome.endswith("AlreadyRecorded"), f"resent {action} by {who}: {self.outcome}"

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

    # ─── Invariants, on the chain after every step ───────────────────────────────────────────────────────

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


def decode_log(abi: Any, topics: list[HexBytes], data: bytes) -> dict[str, Any]:
    """A log's fields by name: indexed ones from the topics (all bytes32 here), the rest from the data."""
    indexed = [item for item in abi.inputs if item.indexed]
    plain = [item for item in abi.inputs if not item.indexed]
    fields = {item.name: bytes(topic) for item, topic in zip(indexed, topics[1:], strict=True)}
    values = abi_decode([item.canonical_type for item in plain], data)
    for item, value in zip(plain, values, strict=True):
        fields[item.name] = to_checksum_address(value) if item.type == "address" else value
    return fields


class ChainReader:
    """Reads the ledger's state for the machine's pools in one eth_call of the ledger's `multicall`.

    It batches the view functions (budget, processOf, agreementOf, bidOf, milestoneOf, ...), encoded once, and
    decodes their return data by their ABI into objects with the Solidity field names (`processes[id].stage`). It
    goes through web3 directly: ape's call path costs several times the call itself, once per step.
    """

    def __init__(self, ledger: Any, chain: Any, address: dict[str, str]) -> None:
        self.ledger = ledger
        self.web3 = chain.provider.web3
        self.keys: list[tuple[str, Any]] = []
        reads: list[tuple[Any, tuple[Any, ...]]] = []

        def add(kind: str, key: Any, view: Any, *args: Any) -> None:
            self.keys.append((kind, key))
            reads.append((view, args))

        for budget_id in BUDGET_IDS:
            add("budgets", budget_id, ledger.budget, budget_id)
            for purchaser_org in (PURCHASER_ORG, OTHER_PURCHASER_ORG):
                add("allows", (budget_id, purchaser_org), ledger.budgetAllows, budget_id, purchaser_org)
        for process_id in PROCESS_IDS:
            add("processes", process_id, ledger.processOf, process_id)
            add("agreements", process_id, ledger.agreementOf, process_id)
            for org_id in SUPPLIER_ORGS:
                add("bids", (process_id, org_id), ledger.bidOf, process_id, org_id)
                add("nonces", (process_id, org_id), ledger.bidNonce, process_id, org_id)
                for ref_id in COMPLAINTS.values():
                    complaint_id = scoped_id(org_id, ref_id)
                    add("complaints", (process_id, complaint_id), ledger.complaintOf, process_id, complaint_id)
            for milestone_id in MILESTONE_IDS:
                add("milestones", (process_id, milestone_id), ledger.milestoneOf, process_id, milestone_id)
            for payment_id in PAYMENTS.values():
                add("payments", (process_id, payment_id), ledger.paymentRecorded, process_id, payment_id)
        for org_id in ORG_IDS.values():
            add("organisations", org_id, ledger.organisation, org_id)
            for root in ROOTS.values():
                add("anchors", (org_id, root), ledger.anchorOf, org_id, root)
        for name in ACTORS:
            add("members", name, ledger.organisationOf, address[name])
        self.calldata = ledger.multicall.encode_input([view.encode_input(*args) for view, args in reads])
        self.outputs = [view.abis[0].outputs[0] for view, _ in reads]

    def read(self) -> SimpleNamespace:
        view = SimpleNamespace(**{kind: {} for kind, _ in self.keys})
        (results,) = abi_decode(["bytes[]"], self.web3.eth.call({"to": self.ledger.address, "data": self.calldata}))
        for (kind, key), output, data in zip(self.keys, self.outputs, results, strict=True):
            getattr(view, kind)[key] = decode_output(output, data)
        return view

    def payment_parties(self, payee: str, process_id: bytes, receipt: Any) -> tuple[bytes, SimpleNamespace]:
        """organisationOf(payee) and the process, at the block of the payment."""
        ledger = self.ledger
        reads = [(ledger.organisationOf, (payee,)), (ledger.processOf, (process_id,))]
        calldata = ledger.multicall.encode_input([view.encode_input(*args) for view, args in reads])
        raw = self.web3.eth.call({"to": ledger.address, "data": calldata}, block_identifier=receipt["blockNumber"])
        (results,) = abi_decode(["bytes[]"], raw)
        org_id, process = (
            decode_output(view.abis[0].outputs[0], data) for (view, _), data in zip(reads, results, strict=True)
        )
        return org_id, process

    def count_id_events(self, events: dict[bytes, Any]) -> Counter[tuple[Any, ...]]:
        """Count the id-recording events the ledger emitted so far (the fixture's)."""
        topics = [HexBytes(topic) for topic, abi in events.items() if abi.name in ID_EVENTS]
        logs = self.web3.eth.get_logs({"address": self.ledger.address, "fromBlock": 0, "topics": [topics]})
        counts: Counter[tuple[Any, ...]] = Counter()
        for log in logs:
            abi = events[bytes(log["topics"][0])]
            fields = decode_log(abi, list(log["topics"]), bytes(log["data"]))
            counts[(abi.name, *(fields[name] for name in ID_EVENTS[abi.name]))] += 1
            for milestone_id in fields.get("milestoneIds", ()):
                counts[("Milestone", fields["processId"], milestone_id)] += 1
        return counts


class Sender:
    """Sends the machine's transactions through web3, and names the custom error of those that revert.

    Each action is simulated first (eth_estimateGas, in the block the transaction would land in); a revert is
    named by its selector among the ledger's errors, and only an accepted action is sent, by the account itself
    (anvil holds the keys of its test accounts). ape's transaction path would fetch and render a trace for each
    of the hundreds of expected reverts, which costs several times the call.
    """

    def __init__(self, ledger: Any, chain: Any) -> None:
        self.web3 = chain.provider.web3
        self.ledger_address = ledger.address
        self.methods = {abi.name: abi for abi in ledger.contract_type.mutable_methods}
        self.errors = {keccak(text=abi.selector)[:4]: abi.name for abi in ledger.contract_type.errors}

    def send(self, action: str, sender: str, args: tuple[Any, ...]) -> tuple[str, Any]:
        """("ok", receipt) if the ledger accepted the call, else (the custom error's name, None)."""
        abi = self.methods[action]
        data = keccak(text=abi.selector)[:4] + abi_encode([item.canonical_type for item in abi.inputs], args)
        transaction = {"from": sender, "to": self.ledger_address, "data": data}
        try:
            gas = self.web3.eth.estimate_gas(transaction, block_identifier="pending")
        except ContractLogicError as err:
            revert = HexBytes(err.data if isinstance(err.data, str) else b"")
            return self.errors.get(bytes(revert[:4]), f"undecoded revert {err!r}"), None
        receipt = self.web3.eth.wait_for_transaction_receipt(self.web3.eth.send_transaction(transaction | {"gas": gas}))
        assert receipt["status"] == 1, f"{action} passed its simulation but reverted: {receipt}"
        return "ok", receipt


def decode_output(output: Any, data: bytes) -> Any:
    """Decode a view's single return value (a struct or a value type) by its ABI; faster than ape's decoder."""
    (value,) = abi_decode([output.canonical_type], data)
    if output.type != "tuple":
        return to_checksum_address(value) if output.type == "address" else value
    fields = {}
    for component, item in zip(output.components, value, strict=True):
        fields[component.name] = to_checksum_address(item) if component.type == "address" else item
    return SimpleNamespace(**fields)


def test_random_sequences_follow_the_rules(ledger: Any, chain: Any, members: dict[str, Any]) -> None:
    env = Env(ledger, chain, dict(members))
    machine = type("LedgerRulesOnChain", (LedgerRules,), {"env": env})
    with logger.at_level(LogLevel.WARNING):  # not a line per confirmed transaction
        run_state_machine_as_test(machine, settings=SETTINGS)
    print_outcomes(env.outcomes)  # shown with -s


def print_outcomes(outcomes: Counter[tuple[str, str]]) -> None:
    """How many times each action succeeded and reverted over the run, with the errors it reverted with."""
    print("\naction                      ok  reverted  errors")
    for action in sorted({action for action, _ in outcomes}):
        errors = {outcome: n for (name, outcome), n in outcomes.items() if name == action and outcome != "ok"}
        reverted = sum(errors.values())
        detail = ", ".join(f"{error} {n}" for error, n in sorted(errors.items(), key=lambda item: -item[1]))
        print(f"{action:<26}{outcomes[(action, 'ok')]:>4}{reverted:>10}  {detail}")
