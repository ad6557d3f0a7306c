"""A city's procurement, for the API benchmark: its organisations, budget lines and processes, then written to a
fresh chain phase by phase in batched `multicall`s, with chain time moved between phases.

Subjects stay the size a real one has whatever the number of processes: a budget line holds about 100
processes, a supplier wins about 15 (a larger city has more suppliers, not bigger ones), a purchaser opens about
2,500. A fifth of the processes run the whole open-tender lifecycle (18 to 22 events: created, tender, three
sealed bids committed and revealed, evaluation, award, contract with two or three milestones, each delivered,
accepted and paid, some late, audit notes on some, completion); the rest are left open for bids, single-source
contracts, plans and cancellations. Notices have titles in English or Chinese.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from web3 import Web3
from web3.types import RPCEndpoint

from ledger.chain.accounts import deployer_account
from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import (
    AUDITOR_ROLE,
    FINANCE_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    ZERO_HASH,
    LedgerContract,
    organisation_id_of,
    process_id_of,
    reference,
    scoped_id,
)
from ledger.settings import Settings
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from scripts.bench.gas_lifecycle import DAY, advance_time_to, chain_time, document
from scripts.bench.seeding import Encoder, Status, Tx, batches, encoder, send_all, unit_gas

OPEN_TENDER, SINGLE_SOURCE, DELIVERY, ACCEPTANCE = 0, 1, 0, 1
KINDS = ("full",) * 4 + ("tender",) * 5 + ("single",) * 4 + ("planning",) * 5 + ("cancelled",) * 2  # per 20
STAGE_OF_KIND = {"full": "completed", "tender": "tender", "single": "contracted", "planning": "planning"}
STAGE_OF_KIND |= {"cancelled": "cancelled"}
PROCESSES_PER_LINE, AWARDS_PER_SUPPLIER, PROCESSES_PER_PURCHASER = 100, 15, 2_500
LINE_AMOUNT = 500_000_000_00  # CNY fen: far above what a line's ~40 awards commit
TEXT = "text/plain; charset=utf-8"

WORKS = (
    ("Resurfacing of", "道路维修工程"), ("Street lighting upgrade on", "路灯改造工程"),
    ("Facility management services for", "物业管理服务"), ("School canteen supplies for", "学校食堂食材采购"),
    ("Drainage renewal under", "排水管网更新工程"), ("Cleaning services for", "保洁服务"),
    ("IT equipment for", "信息化设备采购"), ("Security guard services at", "安保服务"),
    ("Park landscaping along", "园林绿化工程"), ("Bus shelter replacement on", "公交候车亭更换"),
    ("Medical consumables for", "医用耗材采购"), ("Bridge inspection on", "桥梁检测服务"),
)  # fmt: skip
PLACES = (
    ("Cedar", "滨江"), ("Harbour", "文三"), ("Maple", "庆春"), ("Riverside", "凤起"), ("Willow", "延安"),
    ("Granite", "解放"), ("Orchard", "中山"), ("Lantern", "体育场"), ("Meadow", "天目山"), ("Station", "莫干山"),
)  # fmt: skip
STREETS = (("Road", "路"), ("Lane", "巷"), ("Avenue", "大道"), ("Street", "街"))
TRADES = ("Roadworks", "Facility Services", "Medical Supply", "Engineering", "Landscaping", "IT Systems", "Catering")
DEPARTMENTS = ("Education Bureau", "Health Commission", "Transport Bureau", "Housing Bureau", "Parks Department")
# Queries of the search endpoint: words of the titles (three characters at least, so the trigram index helps).
SEARCH_WORDS = ("物业管理", "Resurfacing", "Cedar Road", "路灯改造", "canteen", "滨江路", "Bridge inspection")


@dataclass(frozen=True)
class Org:
    """An organisation of the city, with its one signing account."""

    registry_id: str
    name: str
    role: bytes
    account: LocalAccount

    @property
    def org_id(self) -> bytes:
        """keccak256 of the registry id."""
        return organisation_id_of(self.registry_id)

    @property
    def hex_id(self) -> str:
        """The id as the API takes it."""
        return "0x" + self.org_id.hex()


@dataclass(frozen=True)
class Line:
    """A budget line, drawn on by one purchaser."""

    code: str
    purchaser: Org
    line_id: bytes


@dataclass
class Proc:
    """A process as planned: its kind decides how far it goes."""

    ocid: str
    kind: str
    line: Line
    title: str
    language: str
    bidders: list[Org] = field(default_factory=list)  # the winner first, with the lowest amount
    amounts: list[int] = field(default_factory=list)
    milestones: list[int] = field(default_factory=list)
    late: bool = False
    audited: bool = False

    @property
    def pid(self) -> bytes:
        """keccak256 of the ocid."""
        return process_id_of(self.ocid)

    @property
    def notice(self) -> bytes:
        """The notice document: its SHA-256 goes on chain, its title into the store."""
        return f"{self.title}\n\nNotice of {self.ocid} on budget line {self.line.code}.\n".encode()

    @property
    def doc_hash(self) -> bytes:
        """SHA-256 of the notice."""
        return hashlib.sha256(self.notice).digest()


@dataclass
class City:
    """Organisations, budget lines and processes for `size` processes."""

    finance: Org
    auditor: Org
    purchasers: list[Org]
    suppliers: list[Org]
    lines: list[Line]
    processes: list[Proc]

    @property
    def organisations(self) -> list[Org]:
        """Every organisation."""
        return [self.finance, self.auditor, *self.purchasers, *self.suppliers]

    def of_kind(self, kind: str) -> list[Proc]:
        """The processes of one kind."""
        return [p for p in self.processes if p.kind == kind]


def _account(label: str) -> LocalAccount:
    """A bench account from a label (anvil_setBalance funds it); the labels are public, so are the keys."""
    account: LocalAccount = Account.from_key(Web3.keccak(text=f"procurement-ledger api bench: {label}"))
    return account


def plan_city(size: int, seed: int = 2026) -> City:
    """The city of `size` processes, the same for the same seed."""
    rng = random.Random(seed)
    finance = Org("11330100BENCHFIN01", "Riverside City Finance Bureau (市财政局)", FINANCE_ROLE, _account("finance"))
    auditor = Org("11330100BENCHAUD01", "Riverside City Audit Office", AUDITOR_ROLE, _account("auditor"))
    purchasers = [
        Org(f"12330100BENCHP{i:04d}", f"Riverside {DEPARTMENTS[i % len(DEPARTMENTS)]} {i // len(DEPARTMENTS) + 1}"
            if i % 3 else f"河滨市第{i + 1}采购中心", PURCHASER_ROLE, _account(f"purchaser {i}"))
        for i in range(max(4, size // PROCESSES_PER_PURCHASER))
    ]  # fmt: skip
    full_or_single = size * sum(kind in ("full", "single") for kind in KINDS) // len(KINDS)
    suppliers = [
        Org(f"91330100BENCHS{i:05d}", f"{PLACES[i % len(PLACES)][0]} {TRADES[i % len(TRADES)]} Co. {i}"
            if i % 4 else f"杭州{PLACES[i % len(PLACES)][1]}建设有限公司{i}", SUPPLIER_ROLE, _account(f"supplier {i}"))
        for i in range(max(20, full_or_single // AWARDS_PER_SUPPLIER))
    ]  # fmt: skip
    lines = []
    for i in range(max(1, size // PROCESSES_PER_LINE)):
        code, purchaser = f"2026-RIVERSIDE-{i:05d}", purchasers[i % len(purchasers)]
        lines.append(Line(code, purchaser, scoped_id(finance.org_id, reference(code))))
    processes = []
    for i in range(size):
        line = lines[i % len(lines)]  # line l belongs to purchaser l % len(purchasers), as does its ocid prefix
        works, place, street = rng.choice(WORKS), rng.choice(PLACES), rng.choice(STREETS)
        chinese = rng.random() < 0.35
        title = f"{place[1]}{street[1]}{works[1]}" if chinese else f"{works[0]} {place[0]} {street[0]}"
        prefix = f"ocds-pb{i % len(lines) % len(purchasers):03d}"
        proc = Proc(f"{prefix}-{i:07d}", KINDS[i % len(KINDS)], line, title, "zh" if chinese else "en")
        if proc.kind in ("full", "single", "tender"):
            count = {"full": 3, "single": 1, "tender": rng.randint(1, 2)}[proc.kind]
            base = rng.randint(50_000, 5_000_000) * 100
            proc.bidders = rng.sample(suppliers, count)
            proc.amounts = [base + k * base // 40 for k in range(count)]
        if proc.kind in ("full", "single"):
            parts = 1 if proc.kind == "single" else rng.choice((2, 2, 3))
            share = proc.amounts[0] // parts
            proc.milestones = [share] * (parts - 1) + [proc.amounts[0] - share * (parts - 1)]
            proc.late, proc.audited = rng.random() < 0.25, rng.random() < 0.25
        processes.append(proc)
    return City(finance, auditor, purchasers, suppliers, lines, processes)


def purchaser_of(city: City, proc: Proc) -> Org:
    """The purchaser that opens `proc`: the one of its budget line, which owns its ocid prefix."""
    return proc.line.purchaser


def store_documents(settings: Settings, engine: Engine, city: City, status: Status) -> int:
    """Every notice (titled, for search) and every organisation's profile (its name) into the document store."""
    store, stored = DocumentStore(DocumentFiles(settings.documents_dir)), 0
    with Session(engine) as session, session.begin():
        for org in city.organisations:
            store.add_organisation_profile(session, org.registry_id, org.name)
        for proc in city.processes:
            description = f"Budget line {proc.line.code}"
            store.add(session, proc.notice, TEXT, proc.title, proc.language, description)
            stored += 1
            if stored % 1_000 == 0:
                status(f"documents: {stored:,}/{len(city.processes):,} notices stored")
    return stored + len(city.organisations)


class Seeder:
    """Writes the city to the chain: each phase's calls grouped by sender into batched multicalls."""

    def __init__(
        self, settings: Settings, ledger: LedgerContract, status: Status, mine_every: int | None = None
    ) -> None:
        self.settings, self.ledger, self.status, self.mine_every = settings, ledger, status, mine_every
        self.w3, contract = ledger.contract.w3, ledger.contract
        self.to = contract.address
        self.transactions = 0
        one, zero, doc, address = b"\x01" * 32, bytes(32), document("d"), "0x" + "11" * 20
        samples: dict[str, list[Any]] = {
            "registerOrganisation": [one, SUPPLIER_ROLE], "addOrganisationAccount": [one, address],
            "registerOcidPrefix": [one, "ocds-x"], "approveBudget": [one, 2026, 1, b"CNY", doc, [one]],
            "createProcess": ["ocds-x-1", one, 0, doc, zero], "openTender": [one, 1, 2, doc],
            "commitBid": [one, doc], "revealBid": [one, 1, doc, doc], "recordEvaluation": [one, doc],
            "awardProcess": [one, one, 1, doc], "signContract": [one, one, 1, doc, [one], [1]],
            "recordMilestone": [one, one, 0, doc], "recordPayment": [one, one, one, 1, address, doc],
            "completeProcess": [one, doc], "cancelProcess": [one, doc], "recordAuditNote": [one, one, doc],
            "multicall": [[b"\x01\x02"]],
        }  # fmt: skip
        self.encode: dict[str, Encoder] = {name: encoder(contract, name, args) for name, args in samples.items()}

    def fund(self, accounts: Iterable[LocalAccount]) -> None:
        """Give every account ether with anvil_setBalance (a test RPC), in JSON-RPC batches."""
        provider: Any = self.w3.provider
        requests = [(RPCEndpoint("anvil_setBalance"), [a.address, hex(10**24)]) for a in accounts]
        for start in range(0, len(requests), 500):
            for response in provider.make_batch_request(requests[start : start + 500]):
                if "error" in response:
                    raise RuntimeError(f"anvil_setBalance failed: {response['error']}")

    def phase(self, step: str, units: Sequence[tuple[LocalAccount, str, list[bytes]]]) -> None:
        """Send `units` (sender, kind, calls): one gas estimate per kind, then every sender's multicalls at once."""
        grouped: dict[tuple[str, str], list[list[bytes]]] = defaultdict(list)
        senders: dict[str, LocalAccount] = {}
        for account, kind, calls in units:
            grouped[(account.address, kind)].append(calls)
            senders[account.address] = account
        per_unit: dict[str, int] = {}
        queues: list[list[Tx]] = []
        multicall = self.encode["multicall"]
        for (address, kind), alike in grouped.items():
            if kind not in per_unit:
                per_unit[kind] = unit_gas(self.w3, senders[address], alike, multicall, self.to)
            queues.append(batches(self.w3, senders[address], alike, multicall, self.to, per_unit[kind]))
        self.transactions += send_all(self.w3, queues, multicall, self.to, self.status, step, self.mine_every)

    def advance_days(self, days: float) -> None:
        """Move chain time on (evm_increaseTime, evm_mine)."""
        advance_time_to(self.w3, chain_time(self.w3) + int(days * DAY))


def seed(
    settings: Settings, ledger: LedgerContract, city: City, status: Status, mine_every: int | None = None
) -> dict[str, int]:
    """Write the whole city to the chain (a block per `mine_every` transactions, or automined); returns the
    transactions sent and the chain's head."""
    s = Seeder(settings, ledger, status, mine_every)
    e = s.encode
    admin = deployer_account(settings)
    s.fund(org.account for org in city.organisations)
    setup = [(admin, "org", [e["registerOrganisation"](o.org_id, o.role), e["addOrganisationAccount"](o.org_id,
              o.account.address)]) for o in city.organisations]  # fmt: skip
    prefixes = [(admin, "prefix", [e["registerOcidPrefix"](p.org_id, f"ocds-pb{i:03d}")])
                for i, p in enumerate(city.purchasers)]  # fmt: skip
    s.phase("organisations", setup)
    s.phase("prefixes", prefixes)
    budgets = [
        (city.finance.account, "budget", [e["approveBudget"](reference(line.code), 2026, LINE_AMOUNT, b"CNY",
         document(f"approval {line.code}"), [line.purchaser.org_id])]) for line in city.lines
    ]  # fmt: skip
    s.phase("budgets", budgets)
    now = chain_time(s.w3)
    bid_deadline, reveal_deadline, far = now + 10 * DAY, now + 11 * DAY, now + 365 * DAY
    opened: list[tuple[LocalAccount, str, list[bytes]]] = []
    for proc in city.processes:
        pid, buyer = proc.pid, purchaser_of(city, proc)
        rationale = document(f"rationale {proc.ocid}") if proc.kind == "single" else ZERO_HASH
        calls = [e["createProcess"](proc.ocid, proc.line.line_id, SINGLE_SOURCE if proc.kind == "single"
                 else OPEN_TENDER, proc.doc_hash, rationale)]  # fmt: skip
        if proc.kind in ("full", "tender"):
            deadlines = (bid_deadline, reveal_deadline) if proc.kind == "full" else (far, far + DAY)
            calls.append(e["openTender"](pid, *deadlines, document(f"tender {proc.ocid}")))
        elif proc.kind == "single":
            winner, amount = proc.bidders[0], proc.amounts[0]
            calls.append(e["awardProcess"](pid, winner.org_id, amount, document(f"award {proc.ocid}")))
            calls.append(e["signContract"](pid, reference(f"CT-{proc.ocid}"), amount, document(f"contract {proc.ocid}"),
                         [reference(f"{proc.ocid}/M1")], proc.milestones))  # fmt: skip
        elif proc.kind == "cancelled":
            calls.append(e["cancelProcess"](pid, document(f"cancellation {proc.ocid}")))
        opened.append((buyer.account, proc.kind, calls))
    s.phase("processes", opened)
    full = city.of_kind("full")
    bids = [(p, bidder, amount) for p in city.processes for bidder, amount in zip(p.bidders, p.amounts, strict=True)
            if p.kind in ("full", "tender")]  # fmt: skip
    s.phase("bids", [(b.account, "commit", [e["commitBid"](p.pid, _commitment(p, b, a))]) for p, b, a in bids])
    advance_time_to(s.w3, bid_deadline + 60)
    reveals = [(b.account, "reveal", [e["revealBid"](p.pid, a, _bid_doc(p, b), _salt(p, b))])
               for p, b, a in bids if p.kind == "full"]  # fmt: skip
    s.phase("reveals", reveals)
    advance_time_to(s.w3, reveal_deadline + 60)
    awards = []
    for p in full:
        milestone_ids = [reference(f"{p.ocid}/M{k + 1}") for k in range(len(p.milestones))]
        awards.append((purchaser_of(city, p).account, f"award{len(p.milestones)}", [
            e["recordEvaluation"](p.pid, document(f"evaluation {p.ocid}")),
            e["awardProcess"](p.pid, p.bidders[0].org_id, p.amounts[0], document(f"award {p.ocid}")),
            e["signContract"](p.pid, reference(f"CT-{p.ocid}"), p.amounts[0], document(f"contract {p.ocid}"),
                              milestone_ids, p.milestones),
        ]))  # fmt: skip
    s.phase("awards", awards)
    s.advance_days(20)
    s.phase("deliveries", _milestone_acts(city, full, DELIVERY, e["recordMilestone"]))
    s.advance_days(3)
    s.phase("acceptances", _milestone_acts(city, full, ACCEPTANCE, e["recordMilestone"]))
    s.advance_days(12)
    s.phase("payments", _payments(city, [p for p in full if not p.late], e["recordPayment"]) + [
        (city.auditor.account, "note", [e["recordAuditNote"](p.pid, reference(f"AUD-{p.ocid}"),
         document(f"audit findings {p.ocid}"))]) for p in full if p.audited])  # fmt: skip
    s.advance_days(30)
    completions = [(purchaser_of(city, p).account, "complete", [e["completeProcess"](p.pid, document(
                    f"final report {p.ocid}"))]) for p in full]  # fmt: skip
    s.phase("late payments", _payments(city, [p for p in full if p.late], e["recordPayment"]) + completions)
    return {"transactions": s.transactions, "head_block": int(s.w3.eth.block_number)}


def _milestone_acts(
    city: City, processes: Sequence[Proc], kind: int, record: Callable[..., bytes]
) -> list[tuple[LocalAccount, str, list[bytes]]]:
    """Every milestone of each process delivered by its supplier, or accepted by its purchaser, as one unit."""
    acts = []
    for p in processes:
        actor = p.bidders[0] if kind == DELIVERY else purchaser_of(city, p)
        calls = [record(p.pid, reference(f"{p.ocid}/M{k + 1}"), kind, document(f"{kind} {p.ocid} {k}"))
                 for k in range(len(p.milestones))]  # fmt: skip
        acts.append((actor.account, f"milestones{len(calls)}", calls))
    return acts


def _payments(
    city: City, processes: Sequence[Proc], pay: Callable[..., bytes]
) -> list[tuple[LocalAccount, str, list[bytes]]]:
    """The finance bureau pays every milestone of each process to its supplier's account, as one unit."""
    return [
        (city.finance.account, f"payments{len(p.milestones)}", [
            pay(p.pid, reference(f"TV-{p.ocid}-{k + 1}"), reference(f"{p.ocid}/M{k + 1}"), amount,
                p.bidders[0].account.address, document(f"voucher {p.ocid} {k}"))
            for k, amount in enumerate(p.milestones)
        ]) for p in processes
    ]  # fmt: skip


def _bid_doc(proc: Proc, bidder: Org) -> bytes:
    return document(f"bid of {bidder.registry_id} on {proc.ocid}")


def _salt(proc: Proc, bidder: Org) -> bytes:
    return document(f"salt of {bidder.registry_id} on {proc.ocid}")


def _commitment(proc: Proc, bidder: Org, amount: int) -> bytes:
    return bid_commitment(proc.pid, bidder.org_id, amount, _bid_doc(proc, bidder), _salt(proc, bidder))
