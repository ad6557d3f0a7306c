"""Organisations as the chain knows them: role, accounts with their membership history, suspensions; with the
name the document store binds to each (keccak256 of the registry id is the organisation's id on chain)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from ledger.errors import NotFoundError
from ledger.indexer.decode import EventDecoder, raw_log_from_row
from ledger.read.facts import DocumentRef, Evidence, NameResolver, Names, Party, evidence_of, evidence_of_log
from ledger.store.models import RawLog
from ledger.store.projections import Organisation
from ledger.store.queries import entity_log_rows


@dataclass(frozen=True)
class MembershipChange:
    """An account joining or leaving the organisation."""

    account: str
    change: str  # "added" or "removed"
    chain: Evidence


@dataclass(frozen=True)
class SuspensionChange:
    """A suspension (e.g. a debarment) or a reinstatement, by a finance bureau, with its reason document."""

    change: str  # "suspended" or "reinstated"
    by: Party
    account: str
    document: DocumentRef
    chain: Evidence


@dataclass(frozen=True)
class Account:
    """An account and whether it signs for the organisation now."""

    account: str
    active: bool


@dataclass(frozen=True)
class OrganisationView:
    """An organisation with its name, accounts, membership history and suspensions."""

    party: Party
    role: str
    suspended: bool
    registered: Evidence
    accounts: list[Account]
    membership: list[MembershipChange]
    suspensions: list[SuspensionChange]


@dataclass(frozen=True)
class OrganisationSummary:
    """An organisation in a list."""

    party: Party
    role: str
    suspended: bool
    registered: Evidence


def list_organisations(
    session: Session, role: str | None, after: tuple[int, int] | None, limit: int
) -> tuple[list[OrganisationSummary], tuple[int, int] | None]:
    """A page of organisations in the order they were registered, optionally of one role."""
    query = _with_address(select(Organisation, RawLog.address)).order_by(
        Organisation.block_number, Organisation.log_index
    )
    if role is not None:
        query = query.where(Organisation.role == role)
    if after is not None:
        query = query.where(tuple_(Organisation.block_number, Organisation.log_index) > tuple_(*after))
    rows = list(session.execute(query.limit(limit + 1)).tuples())
    more, rows = len(rows) > limit, rows[:limit]
    resolver = NameResolver()
    resolver.want_orgs(row.org_id for row, _address in rows)
    names = resolver.resolve(session)
    items = [
        OrganisationSummary(
            names.party(row.role, row.org_id),
            row.role,
            row.suspended_by is not None,
            evidence_of(row, row.chain_id, address),
        )
        for row, address in rows
    ]
    last = rows[-1][0] if more and rows else None
    return items, (last.block_number, last.log_index) if last else None


def organisation_view(session: Session, decoder: EventDecoder, org_id: str) -> OrganisationView:
    """Organisation `org_id` with its whole membership and suspension history, from its events."""
    found = session.execute(_with_address(select(Organisation, RawLog.address)).where(Organisation.org_id == org_id))
    first = found.first()
    if first is None:
        raise NotFoundError(
            f"no organisation {org_id} is registered; its id is keccak256 of its registry id (e.g. the unified "
            "social credit code), as 0x-hex"
        )
    row, address = first.tuple()
    membership: list[MembershipChange] = []
    suspensions: list[tuple[str, str, str, str, Evidence]] = []
    for log_row in entity_log_rows(session, row.chain_id, org_id):
        event = decoder.decode(raw_log_from_row(log_row._mapping))
        if event is None:
            continue
        evidence = evidence_of_log(event.log, row.chain_id, int(log_row._mapping["block_time"]))
        if event.name in ("OrganisationAccountAdded", "OrganisationAccountRemoved"):
            change = "added" if event.name.endswith("Added") else "removed"
            membership.append(MembershipChange(event.args["account"], change, evidence))
        elif event.name in ("OrganisationSuspended", "OrganisationReinstated"):
            change = "suspended" if event.name.endswith("Suspended") else "reinstated"
            args = event.args
            suspensions.append((change, args["byOrg"], args["account"], args["docHash"], evidence))
    resolver = NameResolver()
    resolver.want_orgs([org_id, *(by for _c, by, _a, _d, _e in suspensions)])
    resolver.want_documents(doc for _c, _b, _a, doc, _e in suspensions)
    names = resolver.resolve(session)
    active: dict[str, bool] = {}
    for item in membership:
        active[item.account] = item.change == "added"
    return OrganisationView(
        party=names.party(row.role, org_id),
        role=row.role,
        suspended=row.suspended_by is not None,
        registered=evidence_of(row, row.chain_id, address),
        accounts=[Account(account, is_active) for account, is_active in active.items()],
        membership=membership,
        suspensions=[
            SuspensionChange(change, names.party("finance", by), account, _reason(names, doc), evidence)
            for change, by, account, doc, evidence in suspensions
        ],
    )


def _reason(names: Names, doc_hash: str) -> DocumentRef:
    return names.document("reason", doc_hash)


def _with_address(query: Select[Organisation, str]) -> Select[Organisation, str]:
    """The organisation rows joined to the log that registered them, for the contract's address."""
    return query.join(
        RawLog,
        (RawLog.chain_id == Organisation.chain_id)
        & (RawLog.block_hash == Organisation.block_hash)
        & (RawLog.log_index == Organisation.log_index),
    )
