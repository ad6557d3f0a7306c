"""Accepting many writes of one organisation at once, for callers that hold many (an import, a benchmark): the same
rules as one write at a time (WriteGateway.accept), with the round trips shared.

Replays are looked up in one query; every new write is still pre-flighted on its own (an `eth_call` as the signing
account on the pending state), but the calls travel in one JSON-RPC batch; the writes that pass are queued and
committed together. Each write gets its own answer: its view, or the reason it was refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.chain.simulate import simulate_many
from ledger.errors import ContractRevertError, IdempotencyConflictError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.actions import Action
from ledger.gateway.calldata import CalldataEncoder
from ledger.gateway.outbox import WriteView, body_digest, enqueue_many, find_replay, view_of
from ledger.store.gateway_models import OutboxWrite

Outcome = WriteView | ContractRevertError | IdempotencyConflictError


class BulkAccept:
    """The gateway's accept for many writes of one action and one organisation at a time."""

    def __init__(self, gateway: WriteGateway) -> None:
        self.gateway = gateway
        self._calldata = CalldataEncoder(gateway.ledger.contract)

    def accept(
        self, session: Session, org_id: str, action: Action, writes: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> list[Outcome]:
        """For each (Idempotency-Key, body), in order: the write (a replay, or new and committed before this
        returns), or why it was refused (the decoded contract error; a key reused with another body)."""
        outcomes: list[Outcome | None] = [None] * len(writes)
        known = _known(session, org_id, [key for key, _ in writes])
        fresh: list[int] = []
        for index, (key, body) in enumerate(writes):
            row = known.get(key)
            if row is None:
                fresh.append(index)
            elif row.body_sha256 == body_digest(body):
                outcomes[index] = view_of(row)
            else:
                try:
                    find_replay(session, org_id, key, body)
                except IdempotencyConflictError as conflict:
                    outcomes[index] = conflict
        signer = self.gateway.signer_of(org_id)
        to = self.gateway.ledger.address
        calls = [
            {"from": signer, "to": to, "data": "0x" + self._calldata.encode(action.function, action.arguments(
                writes[index][1])).hex()} for index in fresh
        ]  # fmt: skip
        passing = []
        for index, revert in zip(fresh, simulate_many(self.gateway.ledger.contract.w3, calls), strict=True):
            if revert is None:
                passing.append(index)
            else:
                outcomes[index] = self.gateway.ledger.reverts.decode(revert, action.function)
        try:
            with session.begin_nested():
                views = enqueue_many(session, org_id, signer, action.name, [writes[index] for index in passing])
            session.commit()
        except IntegrityError:  # a key raced in from another request: accept these one by one instead
            session.rollback()
            views = [self.gateway.accept(session, org_id, action, writes[i][1], writes[i][0])[0] for i in passing]
        for index, view in zip(passing, views, strict=True):
            outcomes[index] = view
        return [outcome for outcome in outcomes if outcome is not None]


def _known(session: Session, org_id: str, keys: list[str]) -> dict[str, OutboxWrite]:
    query = select(OutboxWrite).where(OutboxWrite.org_id == org_id, OutboxWrite.idempotency_key.in_(keys))
    return {row.idempotency_key: row for row in session.scalars(query)}
