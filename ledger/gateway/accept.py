"""Accepting a write: the same Idempotency-Key gives the same write back; a new one is simulated against the
pending state as the account that will sign it (eth_call), and only a write the contract would take is queued.

That account is the organisation's keystore key, the gateway's relayer (a supplier's EIP-712 signed bid), or the
supplier's own account, for a transaction it signed itself (ledger.gateway.signed_calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from web3.exceptions import ContractLogicError

from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.sender import revert_bytes
from ledger.gateway.actions import CALLER, RELAYER, Action
from ledger.gateway.outbox import WriteView, enqueue, find_replay
from ledger.gateway.signed_calls import SIGNED_TRANSACTION, check_addressed, check_payable, signed_call_of
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE


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
        if signed_tx is not None:  # valid as a call; it must also be minable as signed
            check_payable(self.ledger.contract.w3, signed_call_of(body, action.function))
        try:
            with session.begin_nested():
                view = enqueue(session, org_id, signer, action.name, body, key, signed_tx)
            session.commit()
        except IntegrityError:  # the same key raced in from another request: that one won, answer with it
            session.rollback()
            replay = find_replay(session, org_id, key, body)
            if replay is None:
                raise
            return replay, False
        return view, True
