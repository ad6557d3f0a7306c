"""The submitter: signs queued writes locally with each organisation's keystore key, sends them with managed
nonces, and follows each to inclusion and confirmation, or to a decoded failure.

Exactly once rests on the chain: every write carries a caller-chosen id, and the contract refuses the same id
again with `…AlreadyRecorded`; a write without one changes a stage or state that only moves forward, so the
contract refuses it again too. A transaction's hash is committed to the outbox before it is sent, so a crash at
any point leaves a write either queued (sent again) or submitted with a hash to look up. A write whose
transaction the node no longer knows (dropped, or lost in a chain restart or reorg) is queued again; if its
resend is refused, the act recorded under its id counts when it is the same act (evidence.py), or else one of its
own earlier transactions on chain. The chain watch (reconciler.py) notices a chain that lost blocks the last round
saw, so writes confirmed there are looked up again too.

Each round has two halves: following what was sent (following.py), then sending what is queued (sending.py),
batched into `multicall` transactions; what either learns of a refused write is settled in refusals.py.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web3.exceptions import Web3Exception

from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import LedgerError
from ledger.gateway.anchor_batches import close_due_batches
from ledger.gateway.following import WriteFollower
from ledger.gateway.gas import GasBook
from ledger.gateway.outbox import INCLUDED, QUEUED, SUBMITTED, state_counts
from ledger.gateway.reconciler import ChainWatch
from ledger.gateway.sending import NODE_REFUSALS_BEFORE_FAILING, WriteSender
from ledger.settings import DEFAULT_BATCH_SIZE
from ledger.store.gateway_models import OutboxWrite

__all__ = ["NODE_REFUSALS_BEFORE_FAILING", "Submitter", "submit_until_settled"]
log = logging.getLogger(__name__)


class Submitter:
    """Moves the outbox forward: one `run_once` sends what is queued and follows what was sent."""

    def __init__(
        self,
        engine: Engine,
        ledger: LedgerContract,
        keystores: Keystores,
        confirmations: int,
        resend_after: float,
        batch_size: int = DEFAULT_BATCH_SIZE,
        watch_depth: int = 64,
    ) -> None:
        self._engine = engine
        self._sending = WriteSender(ledger, keystores, batch_size)
        self._following = WriteFollower(ledger, self._sending, confirmations, resend_after)
        self._watch = ChainWatch(ledger.contract.w3, watch_depth)

    def run_once(self) -> int:
        """Follow sent writes, then send queued ones; returns how many writes changed state."""
        with Session(self._engine) as session:
            seen = self._watch.observe()
            if seen.changed_from is not None:
                self._following.recheck_confirmed(session, seen.changed_from)
            changed = self._following.follow(session, seen.head)
            session.commit()
            changed += self._sending.replace_unmined(session, self._following.unmined)
            changed += close_due_batches(session)  # document batches whose interval passed: their writes queue
            session.commit()
            changed += self._sending.send_signed(session)  # first: it takes every caller-signed write out of the queue
            session.commit()
        # A session of its own, its rows not expired by the commit of each batch: only this round changes them.
        with Session(self._engine, expire_on_commit=False) as session:
            try:
                changed += self._sending.send(session)
            except BaseException:  # nonces were taken for transactions never sent: ask the node again next round
                self._sending.forget_nonces()
                raise
            session.commit()
        return changed

    def run(self, stop: threading.Event, poll_interval: float) -> None:
        """Run until `stop` is set; a failing round is logged (it may be a chain restart) and tried again."""
        while not stop.is_set():
            try:
                self.run_once()
            except (LedgerError, OSError, Web3Exception) as error:  # OSError: the connection dropped (requests
                # raises it); Web3Exception: the node answered with an error or with something not JSON-RPC
                log.warning("submitter: %s; trying again", error)
            stop.wait(poll_interval)

    def busy(self) -> bool:
        """Whether any write is still on its way (queued, submitted or included)."""
        on_the_way = select(OutboxWrite.id).where(OutboxWrite.state.in_((QUEUED, SUBMITTED, INCLUDED))).limit(1)
        with Session(self._engine) as session:
            return session.scalar(on_the_way) is not None

    def counts(self) -> dict[str, int]:
        """How many writes are in each state."""
        with Session(self._engine) as session:
            return state_counts(session)

    def _gas_book(self) -> GasBook:
        """The batches' learned gas limits (the batching tests teach and read them)."""
        return self._sending.gas_book()


def submit_until_settled(submitter: Submitter, timeout: float, poll_interval: float) -> None:
    """Run rounds until no write is on its way, or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        submitter.run_once()
        if not submitter.busy() or time.monotonic() > deadline:
            return
        time.sleep(poll_interval)
