"""The machine's state and plumbing: `Env` (what it takes from ape's fixtures), and `MachineBase`, which sends each
action to the model and to the chain and compares the outcomes, keeps what the invariants read (payments, id
events, accepted calls), labels arguments for a failing sequence, and resolves symbolic arguments ("@purchaser",
"suitable", "fresh", "next") against the model; with the rule that resends an accepted call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

from eth_account import Account
from eth_utils import keccak
from hexbytes import HexBytes
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from tests.contracts.conftest import (
    ACCEPTED,
    BUDGET_AMOUNT,
    BUDGET_ID,
    BUDGET_REF,
    FINANCE_ORG,
    M1,
    NOT_SCHEDULED,
    OCID_PREFIX,
    ORGS,
    OTHER_BUDGET_REF,
    OTHER_FINANCE_ORG,
    OTHER_OCID_PREFIX,
    OTHER_PURCHASER_ORG,
    PURCHASER_ORG,
    ZERO_ADDRESS,
    ZERO_HASH,
    Stage,
    doc,
)
from tests.contracts.model import BID_COMMITMENT_TYPES, LedgerModel, Revert, bid_commitment_message
from tests.contracts.stateful.chain import ID_EVENTS, ChainReader, Sender, decode_log
from tests.contracts.stateful.domains import (
    ACTORS,
    BUDGETS,
    COMPLAINTS,
    CONTRACT_AMENDMENTS,
    CONTRACT_IDS,
    MILESTONE_IDS,
    NOTES,
    OCIDS,
    ORG_IDS,
    PAYMENTS,
    PROCESS_IDS,
    ROOTS,
    SMALL,
    TENDER_AMENDMENTS,
    nonzero,
)


@dataclass
class Env:
    """What the machine needs from ape's fixtures, and the outcome counts of the whole run."""

    ledger: Any
    chain: Any
    accounts: dict[str, Any]  # actor name -> ape account
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (action, "ok" or error name) -> count


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


class MachineBase(RuleBasedStateMachine):
    """The machine's state, the sending of an action to both, and the helpers its rules and driver share."""

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


def print_outcomes(outcomes: Counter[tuple[str, str]]) -> None:
    """How many times each action succeeded and reverted over the run, with the errors it reverted with."""
    print("\naction                      ok  reverted  errors")
    for action in sorted({action for action, _ in outcomes}):
        errors = {outcome: n for (name, outcome), n in outcomes.items() if name == action and outcome != "ok"}
        reverted = sum(errors.values())
        detail = ", ".join(f"{error} {n}" for error, n in sorted(errors.items(), key=lambda item: -item[1]))
        print(f"{action:<26}{outcomes[(action, 'ok')]:>4}{reverted:>10}  {detail}")
