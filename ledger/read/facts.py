"""The pieces every served fact is made of: the chain evidence, parties with their names, documents with their
titles and availability, and amounts with their currency.

Names and titles live off chain, bound by hash: a party names the profile document that binds its name (whose
registry id hashes to the organisation id), and a document names its own SHA-256. The resolver gathers every id
a response needs and looks them up in two queries, not one per fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ledger.indexer.fetch import RawLog
from ledger.store.documents import DocumentSummary, OrganisationName, document_summaries, organisation_names
from ledger.store.projections import EventRef
from ledger.store.queries import AnyRow

ZERO_HASH = "0x" + "0" * 64


@dataclass(frozen=True)
class Evidence:
    """Where on chain a fact was recorded: enough to look it up in any node or explorer."""

    chain_id: int
    contract: str
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    block_time: datetime


@dataclass(frozen=True)
class Party:
    """An organisation in the part it plays, with its name where the document store binds one."""

    role: str
    org_id: str
    name: str | None = None
    registry_id: str | None = None
    name_sha256: str | None = None


@dataclass(frozen=True)
class DocumentRef:
    """A document by its SHA-256, with its title and whether its content can still be had."""

    role: str
    sha256: str
    title: str | None = None
    media_type: str | None = None
    stored: bool = False
    available: bool = False
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None


@dataclass(frozen=True)
class Money:
    """An amount in minor units of its ISO 4217 currency (e.g. fen for CNY)."""

    label: str
    amount: int
    currency: str


def evidence_of(row: EventRef | AnyRow, chain_id: int, contract: str) -> Evidence:
    """The chain evidence of a mirrored row (an ORM object or a result row with its event columns): the event
    that made it."""
    return Evidence(
        chain_id, contract, row.tx_hash, row.block_number, row.block_hash, row.log_index, block_time(row.block_time)
    )


def evidence_of_log(log: RawLog, chain_id: int, timestamp: int) -> Evidence:
    """The chain evidence of a log the mirror keeps, dated by its block's timestamp."""
    return Evidence(
        chain_id, log.address, log.tx_hash, log.block_number, log.block_hash, log.log_index, block_time(timestamp)
    )


def block_time(unix_seconds: int) -> datetime:
    """A block's timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(unix_seconds, UTC)


class NameResolver:
    """Collects organisation ids and document hashes, then resolves them all at once."""

    def __init__(self) -> None:
        self._org_ids: set[str] = set()
        self._hashes: set[str] = set()

    def want_orgs(self, org_ids: Iterable[str]) -> None:
        """Note organisation ids whose names a response will show."""
        self._org_ids.update(org_ids)

    def want_documents(self, hashes: Iterable[str]) -> None:
        """Note document hashes whose titles a response will show."""
        self._hashes.update(hashes)

    def resolve(self, session: Session) -> Names:
        """The names and titles of everything noted so far."""
        return Names(organisation_names(session, self._org_ids), document_summaries(session, self._hashes))


class Names:
    """Resolved names and titles, turning ids and hashes into parties and documents."""

    def __init__(self, orgs: dict[str, OrganisationName], documents: dict[str, DocumentSummary]) -> None:
        self._orgs = orgs
        self._documents = documents

    def party(self, role: str, org_id: str) -> Party:
        """`org_id` playing `role`, named if the store binds a name to it."""
        known = self._orgs.get(org_id)
        if known is None:
            return Party(role, org_id)
        return Party(role, org_id, known.name, known.registry_id, known.doc_sha256)

    def document(self, role: str, sha256: str) -> DocumentRef:
        """Document `sha256` in `role`, with its title and availability if the store holds it."""
        known = self._documents.get(sha256)
        if known is None:
            return DocumentRef(role, sha256)
        return DocumentRef(
            role,
            sha256,
            known.title,
            known.media_type,
            True,
            known.available,
            known.withdrawn_at,
            known.withdrawal_reason,
        )
