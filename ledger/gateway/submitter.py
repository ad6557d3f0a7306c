"""The submitter: signs queued writes locally with each organisation's keystore key, sends them with managed
nonces, and follows each to inclusion and confirmation, or to a decoded failure.

Exactly once rests on the chain: every write carries a caller-chosen id, and the contract refuses the same id
again with `…AlreadyRecorded`; a write without one changes a stage or state that only moves forward, so the
contract refuses it again too. A transaction's hash is committed to the outbox before it is sent, so a crash at
any point leaves a write either queued (sent again) or submitted with a hash to look up. A write whose
transaction the node no longer knows (dropped, or lost in a chain restart or reorg) is queued again; if its
resend is refused while one of its own earlier transactions is on chain, that one counts.

A supplier's writes are signed with no key of the supplier's: a relayed bid commitment with the relayer keystore's
key, and a transaction the supplier signed itself is sent as it is (ledger.gateway.signed_calls); its hash is
known from its bytes, and a resend of the same bytes can be included only once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.types import TxReceipt

from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.reverts import revert_json
from ledger.chain.sender import PreparedTransaction, TransactionSender, replay_revert
from ledger.errors import ContractRevertError, LedgerError
from ledger.gateway.anchor_batches import close_due_batches
from ledger.gateway.actions import RELAYER
from ledger.gateway.outbox import (
    CONFIRMED,
    FAILED,
    INCLUDED,
    QUEUED,
    SUBMITTED,
    mark,
    record_sent,
    sent_hashes,
    state_counts,
    writes_in,
)
from ledger.gateway.registry import ACTIONS
from ledger.gateway.signed_calls import decode_signed_call, nonce_used_elsewhere, nonce_used_error
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE
from ledger.store.gateway_models import OutboxWrite

log = logging.getLogger(__name__)


class Submitter:
    """Moves the outbox forward: one `run_once` sends what is queued and follows what was sent."""

    def __init__(
        self, engine: Engine, ledger: LedgerContract, keystores: Keystores, confirmations: int, resend_after: float
    ) -> None:
        self._engine = engine
        self._ledger = ledger
        self._w3 = ledger.contract.w3
        self._keystores = keystores
        self._confirmations = confirmations
        self._resend_after = resend_after
        self._senders: dict[str, TransactionSender] = {}  # by keystore (organisation or relayer); decrypted once

    def run_once(self) -> int:
        """Follow sent writes, then send queued ones; returns how many writes changed state."""
        with Session(self._engine) as session:
            changed = self._follow(session)
            session.commit()
            changed += close_due_batches(session)  # document batches whose interval passed: their writes queue
            session.commit()
            changed += self._send_signed(session)  # first: it takes every caller-signed write out of the queue
            changed += self._send(session)
            session.commit()
        return changed

    def run(self, stop: threading.Event, poll_interval: float) -> None:
        """Run until `stop` is set; a failing round is logged (it may be a chain restart) and tried again."""
        while not stop.is_set():
            try:
                self.run_once()
            except (LedgerError, OSError) as error:  # OSError: the node's connection dropped (requests raises it)
                log.warning("submitter: %s; trying again", error)
            stop.wait(poll_interval)

    def busy(self) -> bool:
        """Whether any write is still on its way (queued, submitted or included)."""
        with Session(self._engine) as session:
            return bool(writes_in(session, QUEUED, SUBMITTED, INCLUDED))

    def counts(self) -> dict[str, int]:
        """How many writes are in each state."""
        with Session(self._engine) as session:
            return state_counts(session)

    def _sender(self, keystore: str) -> TransactionSender:
        if keystore not in self._senders:
            account: LocalAccount = self._keystores.account(keystore)
            self._senders[keystore] = self._ledger.sender(account)
        return self._senders[keystore]

    @staticmethod
    def _keystore_of(row: OutboxWrite) -> str:
        """The keystore that signs `row`: its organisation's, or the relayer's for a relayed bid."""
        return RELAYER_KEYSTORE if ACTIONS[row.action].signed_by == RELAYER else row.org_id

    def _send_signed(self, session: Session) -> int:
        """Send the queued writes their callers signed, byte for byte; a nonce another transaction took fails."""
        ready, failed = [], 0
        for row in writes_in(session, QUEUED):
            if row.signed_tx is None:
                continue
            call = decode_signed_call(row.signed_tx, ACTIONS[row.action].function)
            if nonce_used_elsewhere(self._w3, call):
                mark(row, FAILED, error=json.dumps(nonce_used_error(call)))
                failed += 1
                continue
            record_sent(row, call.tx_hash, call.nonce)
            ready.append((row, call.raw))
        session.commit()  # as in _send: the hashes are durable before anything leaves
        for row, raw in ready:
            try:
                self._w3.eth.send_raw_transaction(raw)
            except (LedgerError, OSError, ValueError, Web3RPCError) as error:  # e.g. "nonce too low" when it is
                # mined already: _follow finds its receipt, or queues it again
                log.warning("submitter: sending signed write %s failed: %s", row.id, error)
        return failed + len(ready)

    def _send(self, session: Session) -> int:
        """Sign every queued write, commit their hashes in one transaction, then send them in nonce order."""
        ready: list[tuple[OutboxWrite, TransactionSender, PreparedTransaction]] = []
        refused = 0
        for row in writes_in(session, QUEUED):
            action = ACTIONS[row.action]
            sender = self._sender(self._keystore_of(row))
            call = self._ledger.contract.functions[action.function](*action.arguments(json.loads(row.body)))
            try:
                prepared = sender.prepare(call)
            except ContractRevertError as error:
                self._refused(row, error)
                refused += 1
                continue
            record_sent(row, prepared.hash.to_0x_hex(), prepared.nonce)
            ready.append((row, sender, prepared))
        session.commit()  # the hashes are durable before any transaction leaves: a crash can look them up
        for row, sender, prepared in ready:
            try:
                sender.broadcast(prepared)
            except (LedgerError, OSError, ValueError) as error:  # transport or node refusal: stays submitted, and
                # _follow queues it again if the node never saw it
                log.warning("submitter: sending write %s failed: %s", row.id, error)
        return refused + len(ready)

    def _follow(self, session: Session) -> int:
        changed = 0
        head = self._w3.eth.block_number
        for row in writes_in(session, SUBMITTED, INCLUDED):
            receipt = self._receipt(str(row.tx_hash))
            if receipt is None:
                changed += self._lost(row)
                continue
            if receipt["status"] != 1:
                action = ACTIONS[row.action]
                tx = {"from": row.signer, "to": self._ledger.address, "data": self._calldata(row, action.function)}
                self._refused(row, replay_revert(self._w3, self._ledger.reverts, tx, receipt, action.function))  # type: ignore[arg-type]
                changed += 1
                continue
            changed += self._advance(row, receipt, head)
        return changed

    def _advance(self, row: OutboxWrite, receipt: TxReceipt, head: int) -> int:
        before = (row.state, row.block_number)
        if row.state == SUBMITTED or row.block_number != receipt["blockNumber"]:
            mark(row, INCLUDED, block_number=receipt["blockNumber"])
        if head - receipt["blockNumber"] >= self._confirmations:
            mark(row, CONFIRMED)
        return int((row.state, row.block_number) != before)

    def _lost(self, row: OutboxWrite) -> int:
        """A sent write without a receipt: included ones were reorganised away; submitted ones may still be pending."""
        if row.state == SUBMITTED:
            if self._node_knows(str(row.tx_hash)):
                return 0
            waited = (datetime.now(UTC) - row.updated_at).total_seconds()
            if waited < self._resend_after:
                return 0
        log.info("submitter: write %s (%s) is not on chain any more; sending it again", row.id, row.tx_hash)
        if row.signed_tx is None:  # a caller-signed transaction keeps its own nonce
            self._sender(self._keystore_of(row)).forget_nonce()
        mark(row, QUEUED, block_number=None)
        return 1

    def _refused(self, row: OutboxWrite, error: ContractRevertError) -> None:
        # One of its own earlier sends may be what recorded it, whatever the resend is refused with: an id reused
        # is `…AlreadyRecorded`, a stage change done already is a wrong stage (e.g. a second cancellation), and a
        # relayed bid's used nonce is BidNonceMismatch.
        for tx_hash in reversed(sent_hashes(row)):
            receipt = self._receipt(tx_hash)
            if receipt is not None and receipt["status"] == 1:
                mark(row, INCLUDED, tx_hash=tx_hash, block_number=receipt["blockNumber"])
                return
        mark(row, FAILED, error=json.dumps(revert_json(error)))

    def _receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self._w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def _node_knows(self, tx_hash: str) -> bool:
        try:
            self._w3.eth.get_transaction(HexBytes(tx_hash))
            return True
        except TransactionNotFound:
            return False

    def _calldata(self, row: OutboxWrite, function: str) -> str:
        arguments = ACTIONS[row.action].arguments(json.loads(row.body))
        return str(self._ledger.contract.encode_abi(function, args=list(arguments)))


def submit_until_settled(submitter: Submitter, timeout: float, poll_interval: float) -> None:
    """Run rounds until no write is on its way, or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        submitter.run_once()
        if not submitter.busy() or time.monotonic() > deadline:
            return
        time.sleep(poll_interval)
