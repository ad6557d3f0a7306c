"""A process's chain events as OCDS 1.1 releases: one release per event, in chain order.

Each release says what its event changed, as OCDS sections (planning, tender, bids, awards, contracts and their
implementation), so that merging a process's releases in order (ocdsmerge) gives its current state. Its id is
`{chain id}-{tx hash}-{log index}`: the same event always gives the same release id, on every export.

Some things are carried from event to event, which is why this is a fold and not a map:
- an organisation's roles accumulate (a tenderer that wins is then also a supplier); OCDS merges `roles` as a
  whole list, so each release repeats every role the party has had so far;
- events after signing (complaints, audit notes, anchored documents) file their documents under the contract,
  earlier ones under the tender;
- a sealed bid is `pending`, with no value, until its reveal: the value comes only from the reveal's event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.fold.rules.tendering import METHODS
from ledger.indexer.fetch import RawLog
from ledger.read.facts import ZERO_HASH, Names, block_time

AWARD_ID = "award"  # a process has at most one award
OCDS_METHODS = {"open_tender": "open", "single_source": "direct"}
# ISO 4217 minor-unit digits where they are not 2 (OCDS amounts are in major units; the chain keeps minor units).
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3,
                "LYD": 3, "OMR": 3, "TND": 3}  # fmt: skip


@dataclass(frozen=True)
class ChainEvent:
    """A decoded event about a process, with its block time; an anchoring also lists the documents it holds."""

    name: str
    args: Mapping[str, Any]
    log: RawLog
    time: int
    leaves: tuple[str, ...] = ()


@dataclass(frozen=True)
class BudgetLine:
    """The budget line a process draws on, as its approval recorded it."""

    budget_id: str
    finance_org: str
    budget_ref: str
    fiscal_year: int
    amount: int
    doc_hash: str


@dataclass(frozen=True)
class ProcessFacts:
    """What every release of a process repeats or needs: its published ocid, ids, buyer, currency, budget."""

    chain_id: int
    ocid: str
    process_id: str
    purchaser_org: str
    currency: str
    budget: BudgetLine | None


@dataclass(frozen=True)
class Publication:
    """How releases are published: the publisher's ocid prefix (ledger.ocds.ocids), and the base URL of the API
    whose `/documents/{sha256}/content` serves stored documents (empty: documents get no `url`)."""

    ocid_prefix: str = ""
    documents_url: str = ""


AS_ON_CHAIN = Publication()
"""Ocids as on chain, documents without a `url`."""


@dataclass(frozen=True)
class ChainRelease:
    """A release and the chain position (block, log index) of the event it was derived from."""

    position: tuple[int, int]
    release: dict[str, Any]


def process_releases(
    facts: ProcessFacts, events: Iterable[ChainEvent], names: Names, documents_url: str = ""
) -> Iterator[ChainRelease]:
    """The releases of one process, from its events in chain order; a stored document's `url` begins with
    `documents_url` (none if empty)."""
    fold = _Fold(facts, names, documents_url)
    for event in events:
        release = fold.release(event)
        if release is not None:
            yield ChainRelease(event.log.order_key, release)


def release_id(chain_id: int, tx_hash: str, log_index: int) -> str:
    """The deterministic id of the release derived from the event at (`tx_hash`, `log_index`) on `chain_id`."""
    return f"{chain_id}-{tx_hash}-{log_index}"


def ocds_date(unix_seconds: int) -> str:
    """A unix time as an OCDS date-time (RFC 3339, UTC)."""
    return block_time(unix_seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def value(minor_units: int, currency: str) -> dict[str, Any]:
    """An OCDS Value: the amount in major units of `currency`, an integer when it is whole."""
    major = Decimal(minor_units).scaleb(-MINOR_DIGITS.get(currency, 2))
    amount: int | float = int(major) if major == major.to_integral_value() else float(major)
    return {"amount": amount, "currency": currency}


class _Fold:
    """One process's releases, event by event, keeping what carries from one event to the next."""

    def __init__(self, facts: ProcessFacts, names: Names, documents_url: str) -> None:
        self.facts = facts
        self.names = names
        self.documents_url = documents_url
        self.roles: dict[str, list[str]] = {}
        self.bidders: set[str] = set()
        self.contract_id: str | None = None
        self.awarded = False
        self._current: list[str] = []  # the parties the release being built names, in order

    def release(self, event: ChainEvent) -> dict[str, Any] | None:
        build = _BUILDERS.get(event.name)
        if build is None:
            return None
        self._current = []
        self._add_role(self.facts.purchaser_org, "buyer")
        tag, sections = build(self, event)
        log = event.log
        release: dict[str, Any] = {
            "ocid": self.facts.ocid,
            "id": release_id(self.facts.chain_id, log.tx_hash, log.log_index),
            "date": ocds_date(event.time),
            "tag": [tag],
            "initiationType": "tender",
            "parties": [self._party(org) for org in self._current],
            "buyer": self._ref(self.facts.purchaser_org),
            **sections,
            "chainReference": self._chain_reference(event),
        }
        return release

    # ─── pieces ───────────────────────────────────────────────────────────────────────────────────────────

    def _add_role(self, org: str, role: str) -> dict[str, Any]:
        roles = self.roles.setdefault(org, [])
        if role not in roles:
            roles.append(role)
        if org not in self._current:
            self._current.append(org)
        return self._ref(org)

    def _ref(self, org: str) -> dict[str, Any]:
        named = self.names.party("", org)
        return {"id": org, "name": named.name} if named.name else {"id": org}

    def _party(self, org: str) -> dict[str, Any]:
        named = self.names.party("", org)
        party: dict[str, Any] = {"id": org, "roles": list(self.roles[org])}
        if named.name:
            party["name"] = named.name
        if named.registry_id:
            party["identifier"] = {"id": named.registry_id, "legalName": named.name}
        return party

    def _chain_reference(self, event: ChainEvent, anchor_root: str | None = None) -> dict[str, Any]:
        log = event.log
        reference: dict[str, Any] = {
            "chainId": self.facts.chain_id,
            "contract": log.address,
            "transactionHash": log.tx_hash,
            "blockNumber": log.block_number,
            "blockHash": log.block_hash,
            "logIndex": log.log_index,
        }
        if anchor_root is not None:
            reference["anchorRoot"] = anchor_root
        return reference

    def _documents(self, event: ChainEvent, *typed: tuple[str, str | None]) -> list[dict[str, Any]]:
        """The documents an event names by hash (zero hashes skipped), each with its title and chain reference."""
        return [self._document(event, sha, kind) for sha, kind in typed if sha and sha != ZERO_HASH]

    def _document(
        self, event: ChainEvent, sha: str, kind: str | None, anchor_root: str | None = None
    ) -> dict[str, Any]:
        known = self.names.document("", sha)
        document: dict[str, Any] = {"id": sha.removeprefix("0x")}
        if kind:
            document["documentType"] = kind
        if known.title:
            document["title"] = known.title
        if self.documents_url and known.available:  # stored, and not withdrawn
            document["url"] = f"{self.documents_url}/documents/{sha}/content"
        if known.media_type:
            document["format"] = known.media_type
        document["datePublished"] = ocds_date(event.time)
        document["sha256"] = sha.removeprefix("0x")
        document["chainReference"] = self._chain_reference(event, anchor_root)
        return document

    def _value(self, minor_units: int) -> dict[str, Any]:
        return value(int(minor_units), self.facts.currency)

    def _tender(self, **fields: Any) -> dict[str, Any]:
        return {"tender": {"id": self.facts.process_id, **fields}}

    def _contract(self, **fields: Any) -> dict[str, Any]:
        return {"contracts": [{"id": self.contract_id, "awardID": AWARD_ID, **fields}]}

    def _filed(self, documents: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
        """Documents of an oversight event: under the contract once signed, else under the tender."""
        if self.contract_id is not None:
            return "contractUpdate", self._contract(documents=documents)
        return "tenderUpdate", self._tender(documents=documents)

    # ─── one builder per event ────────────────────────────────────────────────────────────────────────────

    def process_created(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args, facts = event.args, self.facts
        self._add_role(facts.purchaser_org, "procuringEntity")
        method = METHODS[int(args["method"])]
        tender: dict[str, Any] = {
            "status": "planning",
            "procurementMethod": OCDS_METHODS[method],
            "procurementMethodDetails": method,
        }
        title = self.names.document("", args["docHash"]).title
        if title:
            tender["title"] = title
        rationale = self.names.document("", args["rationaleHash"]).title if args["rationaleHash"] != ZERO_HASH else None
        if rationale:
            tender["procurementMethodRationale"] = rationale
        planning: dict[str, Any] = {
            "documents": self._documents(
                event, (args["docHash"], "plannedProcurementNotice"), (args["rationaleHash"], "procurementPlan")
            )
        }
        budget = facts.budget
        if budget is not None:
            self._add_role(budget.finance_org, "funder")
            planning["budget"] = {
                "id": budget.budget_id,
                "description": f"budget line {budget.budget_ref}, fiscal year {budget.fiscal_year}",
                "amount": self._value(budget.amount),
            }
        return "planning", {"planning": planning, **self._tender(**tender)}

    def tender_opened(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        period = {"startDate": ocds_date(event.time), "endDate": ocds_date(int(args["bidDeadline"]))}
        documents = self._documents(event, (args["docHash"], "tenderNotice"))
        return "tender", self._tender(status="active", tenderPeriod=period, documents=documents)

    def tender_amended(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        rationale = self.names.document("", args["rationaleHash"]).title
        amendment: dict[str, Any] = {"id": args["amendmentId"], "date": ocds_date(event.time)}
        amendment["description"] = f"amendment {args['number']}"
        if rationale:
            amendment["rationale"] = rationale
        documents = self._documents(event, (args["docHash"], "tenderNotice"), (args["rationaleHash"], "clarifications"))
        period = {"endDate": ocds_date(int(args["bidDeadline"]))}
        return "tenderAmendment", self._tender(tenderPeriod=period, amendments=[amendment], documents=documents)

    def bid_committed(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        bidder = event.args["bidderOrg"]
        self.bidders.add(bidder)
        tenderer = self._add_role(bidder, "tenderer")
        # Sealed: who bid and when is public, the amount is not (it is not on chain until the reveal).
        bid = {"id": bidder, "date": ocds_date(event.time), "status": "pending", "tenderers": [tenderer]}
        return "tenderUpdate", {**self._tender(numberOfTenderers=len(self.bidders)), "bids": {"details": [bid]}}

    def bid_signatures_cancelled(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        self._add_role(event.args["bidderOrg"], "tenderer")
        return "tenderUpdate", self._tender()

    def bid_revealed(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        tenderer = self._add_role(args["bidderOrg"], "tenderer")
        bid = {
            "id": args["bidderOrg"],
            "status": "valid",
            "tenderers": [tenderer],
            "value": self._value(args["amount"]),
            "documents": self._documents(event, (args["bidDocHash"], "submissionDocuments")),
        }
        return "tenderUpdate", {**self._tender(), "bids": {"details": [bid]}}

    def evaluation_recorded(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args, date = event.args, ocds_date(event.time)
        amounts = [int(amount) for amount in args["revealedAmounts"]]
        statistics: list[dict[str, Any]] = [
            {"id": "bids", "measure": "bids", "value": int(args["bidCount"]), "date": date},
            {"id": "validBids", "measure": "validBids", "value": len(amounts), "date": date},
        ]
        if amounts:  # revealed amounts are public once the evaluation is recorded
            for measure, amount in (("lowestValidBidValue", min(amounts)), ("highestValidBidValue", max(amounts))):
                money = self._value(amount)
                statistics.append({"id": measure, "measure": measure, "date": date, "value": money["amount"]})
                statistics[-1]["currency"] = money["currency"]
        documents = self._documents(event, (args["reportHash"], "evaluationReports"))
        tender = self._tender(numberOfTenderers=int(args["bidCount"]), documents=documents)
        return "tenderUpdate", {**tender, "bids": {"statistics": statistics}}

    def process_awarded(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        supplier = self._add_role(args["supplierOrg"], "supplier")
        self.awarded = True
        award: dict[str, Any] = {
            "id": AWARD_ID,
            "status": "active",
            "date": ocds_date(event.time),
            "value": self._value(args["amount"]),
            "suppliers": [supplier],
            "documents": self._documents(event, (args["docHash"], "awardNotice")),
        }
        if args["supplierOrg"] in self.bidders:
            award["relatedBid"] = args["supplierOrg"]
        tender = self._tender(status="complete", numberOfTenderers=int(args["bidCount"]))
        return "award", {**tender, "awards": [award]}

    def process_cancelled(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        documents = self._documents(event, (event.args["docHash"], "cancellationDetails"))
        sections = self._tender(status="cancelled", documents=documents)
        if self.awarded:
            sections["awards"] = [{"id": AWARD_ID, "status": "cancelled"}]
        return "tenderCancellation", sections

    def contract_signed(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        self._add_role(args["supplierOrg"], "supplier")
        self.contract_id = str(args["contractId"])
        milestones = self._scheduled(args["milestoneIds"], args["milestoneAmounts"])
        return "contract", self._contract(
            status="active",
            dateSigned=ocds_date(event.time),
            value=self._value(args["value"]),
            documents=self._documents(event, (args["docHash"], "contractSigned")),
            implementation={"milestones": milestones},
        )

    def contract_amended(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        increase = self._value(args["increase"])
        amendment = {
            "id": args["amendmentId"],
            "date": ocds_date(event.time),
            "description": f"value raised by {increase['amount']} {increase['currency']}",
        }
        return "contractAmendment", self._contract(
            value=self._value(args["newValue"]),
            amendments=[amendment],
            documents=self._documents(event, (args["docHash"], "contractAnnexe")),
            implementation={"milestones": self._scheduled(args["milestoneIds"], args["milestoneAmounts"])},
        )

    def contract_terminated(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        documents = self._documents(event, (event.args["docHash"], None))
        return "contractTermination", self._contract(status="terminated", documents=documents)

    def process_completed(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        documents = self._documents(event, (event.args["docHash"], "completionCertificate"))
        # OCDS's `terminated` is a contract that has come to a close, completed or not.
        return "implementationUpdate", self._contract(status="terminated", implementation={"documents": documents})

    def milestone_delivered(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        self._add_role(args["supplierOrg"], "supplier")
        milestone = {
            "id": args["milestoneId"],
            "dateModified": ocds_date(event.time),
            "documents": self._documents(event, (args["docHash"], "physicalProgressReport")),
        }
        return "implementation", self._contract(implementation={"milestones": [milestone]})

    def milestone_accepted(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args, date = event.args, ocds_date(event.time)
        milestone = {
            "id": args["milestoneId"],
            "status": "met",
            "dateMet": date,
            "dateModified": date,
            "documents": self._documents(event, (args["docHash"], "physicalProgressReport")),
        }
        return "implementation", self._contract(implementation={"milestones": [milestone]})

    def payment_recorded(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        transaction = {
            "id": args["paymentId"],
            "date": ocds_date(event.time),
            "value": self._value(args["amount"]),
            "payer": self._add_role(args["payerOrg"], "payer"),
            "payee": self._add_role(args["payeeOrg"], "payee"),
        }
        documents = self._documents(event, (args["voucherHash"], None))
        implementation = {"transactions": [transaction], "documents": documents}
        return "implementation", self._contract(implementation=implementation)

    def complaint_filed(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        self._add_role(event.args["complainantOrg"], "interestedParty")
        return self._filed(self._documents(event, (event.args["docHash"], "complaints")))

    def complaint_resolved(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        if self.facts.budget is not None:  # the budget line's finance bureau decides complaints
            self._add_role(self.facts.budget.finance_org, "reviewBody")
        return self._filed(self._documents(event, (event.args["docHash"], "complaints")))

    def audit_note_recorded(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        self._add_role(event.args["auditorOrg"], "interestedParty")
        return self._filed(self._documents(event, (event.args["findingsHash"], "finalAudit")))

    def documents_anchored(self, event: ChainEvent) -> tuple[str, dict[str, Any]]:
        args = event.args
        anchorer = args["anchorerOrg"]
        if not self.roles.get(anchorer):
            self._add_role(anchorer, "interestedParty")
        elif anchorer not in self._current:
            self._current.append(anchorer)
        # The batch's documents that the store's leaf list names; each is proven against the root.
        return self._filed([self._document(event, sha, None, args["root"]) for sha in event.leaves])

    def _scheduled(self, ids: list[str], amounts: list[int]) -> list[dict[str, Any]]:
        return [
            {"id": milestone, "type": "payment", "status": "scheduled", "value": self._value(amount)}
            for milestone, amount in zip(ids, amounts, strict=True)
        ]


_BUILDERS = {
    "ProcessCreated": _Fold.process_created,
    "TenderOpened": _Fold.tender_opened,
    "TenderAmended": _Fold.tender_amended,
    "BidCommitted": _Fold.bid_committed,
    "BidSignaturesCancelled": _Fold.bid_signatures_cancelled,
    "BidRevealed": _Fold.bid_revealed,
    "EvaluationRecorded": _Fold.evaluation_recorded,
    "ProcessAwarded": _Fold.process_awarded,
    "ProcessCancelled": _Fold.process_cancelled,
    "ProcessCompleted": _Fold.process_completed,
    "ContractSigned": _Fold.contract_signed,
    "ContractAmended": _Fold.contract_amended,
    "ContractTerminated": _Fold.contract_terminated,
    "MilestoneDelivered": _Fold.milestone_delivered,
    "MilestoneAccepted": _Fold.milestone_accepted,
    "PaymentRecorded": _Fold.payment_recorded,
    "ComplaintFiled": _Fold.complaint_filed,
    "ComplaintResolved": _Fold.complaint_resolved,
    "AuditNoteRecorded": _Fold.audit_note_recorded,
    "DocumentsAnchored": _Fold.documents_anchored,
}
PROCESS_EVENTS = frozenset(_BUILDERS)
"""The events that become releases: every event about a process."""
