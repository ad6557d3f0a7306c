"""Accepting a write: the same Idempotency-Key gives the same write back; a new one is simulated against the
pending state as the account that will sign it (eth_call), and only a write the contract would take is queued.

That account is the organisation's keystore key, the gateway's relayer (a supplier's EIP-712 signed bid), or the
supplier's own account, for a transaction it signed itself (ledger.gateway.signed_calls).

A supplier's write also takes a nonce only one write can use: its signed transaction's (an account's nonce) or its
relayed bid's (the bid's nonce on the ledger). A second write under a new Idempotency-Key that takes the same one,
while the first is on its way, is refused: a pre-flight cannot see it (the first is not on chain yet), only one of
the two could land, and the other would revert when mined, a relayed one at the relayer's cost.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from web3.exceptions import ContractLogicError

from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract, process_id_of
from ledger.chain.sender import revert_bytes
from ledger.errors import DuplicateWriteError, InvalidRequestError
from ledger.gateway.actions import CALLER, RELAYER, Action
from ledger.gateway.outbox import QUEUED, WriteView, enqueue, find_replay, nonce_claimant, writes_on_their_way
from ledger.gateway.signed_calls import SIGNED_TRANSACTION, check_addressed, check_payable, signed_call_of
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE, SUPPLIER_ACTIONS
from ledger.store.gateway_models import OutboxWrite

_NONCED = {action.name: action for action in SUPPLIER_ACTIONS}  # the writes that take a nonce (see above)
RELAY_MARGIN = 30  # seconds a relayed bid must leave before a deadline: a few blocks, and the submitter's rounds
_NONCE_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)  # by organisation


class WriteGateway:
    """The ledger contract and the keystores, for pre-flight checks and queueing."""

    def __init__(self, ledger: LedgerContract, keystores: Keystores) -> None:
        self.ledger = ledger
        self.keystores = keystores

    def signer_of(self, org_id: str) -> str:
        """The address the organisation signs with: its keystore's (read without decrypting)."""
        return self.keystores.find(org_id).address

    def signer_for(self, org_id: str, action: Action, body: Mapping[str, Any]) -> str:
        """The address that signs `action`'s transaction for `org_id`: its keystore's, the relayer's, or that of
        the caller's own signed transaction (checked to be addressed to this ledger by an account of `org_id`)."""
        if action.signed_by == RELAYER:
            return self.keystores.find(RELAYER_KEYSTORE).address
        if action.signed_by == CALLER:
            call = signed_call_of(body, action.function)
            check_addressed(self.ledger, call, org_id)
            return call.sender
        return self.signer_of(org_id)

    def preflight(self, action: Action, body: Mapping[str, Any], signer: str) -> None:
        """Simulate the call from `signer` on the pending state; a refusal raises the decoded ContractRevertError."""
        call = self.ledger.contract.functions[action.function](*action.arguments(body))
        try:
            call.call({"from": signer}, block_identifier="pending")
        except ContractLogicError as error:
            raise self.ledger.reverts.decode(revert_bytes(error), action.function) from None

    def _check_time_to_land(self, body: Mapping[str, Any]) -> None:
        """Refuse a relayed bid whose signature or tender closes within RELAY_MARGIN seconds: mined a block later,
        it would revert, and the relayer would pay for it."""
        w3 = self.ledger.contract.w3
        now = int(w3.eth.get_block("pending")["timestamp"])
        bid_deadline = int(self.ledger.call("processOf", process_id_of(str(body["ocid"])))[6])
        for what, closes in (("the signature's deadline", int(body["deadline"])), ("the bid deadline", bid_deadline)):
            if closes < now + RELAY_MARGIN:
                raise InvalidRequestError(
                    f"{what} is {closes}, less than {RELAY_MARGIN} s after the chain's time {now}: the relayer "
                    "could not have it mined in time. Sign with a later deadline, or, past the tender's last "
                    "seconds, commit with your own account (commitBid)"
                )

    def accept(
        self, session: Session, org_id: str, action: Action, body: Mapping[str, Any], key: str
    ) -> tuple[WriteView, bool]:
        """The write under `key` and whether it is new: a replay returns the first, a new one is checked and queued
        (and committed) before this returns."""
        replay = find_replay(session, org_id, key, body)
        if replay is not None:
            return replay, False
        signer = self.signer_for(org_id, action, body)
        self.preflight(action, body, signer)
        signed_tx = str(body[SIGNED_TRANSACTION]) if action.signed_by == CALLER else None
        claim = nonce_claim_of(action, body)
        with _NONCE_LOCKS[org_id]:  # in this process, two requests taking one nonce cannot both pass
            if signed_tx is not None:  # valid as a call; it must also be minable as signed
                queued = _check_nonce_free(session, org_id, action, body)
                check_payable(self.ledger.contract.w3, signed_call_of(body, action.function), queued)
            elif action.signed_by == RELAYER:
                _check_nonce_free(session, org_id, action, body)
                self._check_time_to_land(body)
            try:
                with session.begin_nested():
                    view = enqueue(session, org_id, signer, action.name, body, key, signed_tx, claim)
                session.commit()
            except IntegrityError:  # the same key, or the same nonce, raced in from another worker: that one won
                session.rollback()
                replay = find_replay(session, org_id, key, body)
                if replay is not None:
                    return replay, False
                if claim is None or (holder := nonce_claimant(session, claim)) is None:
                    raise
                raise _nonce_taken(holder, claim) from None
        return view, True


def nonce_claim_of(action: Action, body: Mapping[str, Any]) -> str | None:
    """The one-use nonce a supplier's write takes, as the outbox claims it; None for writes that take none."""
    return _nonce_of(action, body) if action.name in _NONCED else None


def _nonce_of(action: Action, body: Mapping[str, Any]) -> str:
    """The one-use nonce a supplier's write takes, in words."""
    if action.signed_by == CALLER:
        call = signed_call_of(body, action.function)
        return f"nonce {call.nonce} of account {call.sender}"
    return f"nonce {int(body['nonce'])} of {body['bidder_org']}'s bid on {body['ocid']}"


def _check_nonce_free(session: Session, org_id: str, action: Action, body: Mapping[str, Any]) -> int:
    """Refuse a write taking a nonce that a write of `org_id` still on its way takes; returns how many of the
    organisation's writes of the same kind (signed transactions, or relayed bids) are still queued, not sent."""
    same_kind = [name for name, each in _NONCED.items() if each.signed_by == action.signed_by]
    nonce, queued = _nonce_of(action, body), 0
    for row in writes_on_their_way(session, org_id, same_kind):
        if _nonce_of(_NONCED[row.action], json.loads(row.body)) == nonce:
            raise _nonce_taken(row, nonce)
        queued += row.state == QUEUED
    return queued


def _nonce_taken(row: OutboxWrite, nonce: str) -> DuplicateWriteError:
    return DuplicateWriteError(
        f"write {row.id} ({row.action}, {row.state}) already takes {nonce}; only one of them could land. "
        f"Follow write {row.id} with GET /writes/{row.id}; sign a new one at the next nonce if it fails"
    )
