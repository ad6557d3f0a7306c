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

A supplier's writes are signed with no key of the supplier's: a relayed bid commitment with the relayer keystore's
key, and a transaction the supplier signed itself is sent as it is (ledger.gateway.signed_calls); its hash is
known from its bytes, and a resend of the same bytes can be included only once.

Batching. The queued writes of one signing keystore (an organisation's, or the relayer's) go out together, up to
`batch_size` in one transaction through the ledger's `multicall` (OpenZeppelin's: all or nothing, `msg.sender`
kept), and every write of the batch holds that transaction's hash. A write that fails never takes its neighbours
down:
- before sending, the batch is simulated (an `eth_call` on the pending state, or the gas estimate while its kinds of
  write have no learned cost: ledger.gateway.gas); when it would revert, a binary
  search over its prefixes finds the first write that fails after the ones before it, and that write alone is
  refused with its decoded error (as a lone write's refusal is), then the rest is simulated again; a batch too big
  for the node's gas cap (it fails with no error of its own, or OpenZeppelin's `FailedCall()`, part-way through)
  is halved instead;
- when a batch transaction reverts once mined (the state moved between simulation and mining), none of its writes
  happened: all go back to the queue, and each is then sent alone, so a bad one fails alone with its decoded error
  and the others are recorded. That "alone" mark lives in memory: after a restart they are batched again, which is
  safe, since the simulation of the new batch then sees the moved state.
A batch of one write is sent as a plain call of its function; a caller-signed transaction is never batched.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3Exception, Web3RPCError
from web3.types import TxReceipt

from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.reverts import revert_json
from ledger.chain.sender import PreparedTransaction, TransactionSender, replay_revert, revert_bytes
from ledger.errors import ContractRevertError, LedgerError
from ledger.gateway.actions import RELAYER
from ledger.gateway.anchor_batches import close_due_batches
from ledger.gateway.batches import first_refusal, plan_batches, ran_out_of_gas, simulate
from ledger.gateway.calldata import CalldataEncoder
from ledger.gateway.evidence import RecordedAct, can_compare, recorded_act
from ledger.gateway.gas import GasBook
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
    writes_confirmed_since,
    writes_in,
)
from ledger.gateway.receipts import mined_of
from ledger.gateway.reconciler import ChainWatch
from ledger.gateway.registry import ACTIONS
from ledger.gateway.signed_calls import decode_signed_call, node_refusal_error, nonce_used_elsewhere, nonce_used_error
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE
from ledger.settings import DEFAULT_BATCH_SIZE
from ledger.store.gateway_models import OutboxWrite

log = logging.getLogger(__name__)
NODE_REFUSALS_BEFORE_FAILING = 3  # a caller-signed transaction the node refused this many times in a row fails


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
        self._ledger = ledger
        self._w3 = ledger.contract.w3
        self._keystores = keystores
        self._confirmations = confirmations
        self._resend_after = resend_after
        self._senders: dict[str, TransactionSender] = {}  # by keystore (organisation or relayer); decrypted once
        self._batch_size = batch_size
        self._calldata = CalldataEncoder(ledger.contract)
        self._alone: set[int] = set()  # writes whose batch reverted once mined: each is sent on its own next
        self._gas: GasBook | None = None  # batches' gas limits, learned per kind of write (ledger.gateway.gas)
        self._refusals: dict[int, int] = {}  # caller-signed writes the node refused to take, by write id
        self._watch = ChainWatch(self._w3, watch_depth)

    def run_once(self) -> int:
        """Follow sent writes, then send queued ones; returns how many writes changed state."""
        with Session(self._engine) as session:
            seen = self._watch.observe()
            if seen.changed_from is not None:
                self._recheck_confirmed(session, seen.changed_from)
            changed = self._follow(session, seen.head)
            session.commit()
            changed += close_due_batches(session)  # document batches whose interval passed: their writes queue
            session.commit()
            changed += self._send_signed(session)  # first: it takes every caller-signed write out of the queue
            session.commit()
        # A session of its own, its rows not expired by the commit of each batch: only this round changes them.
        with Session(self._engine, expire_on_commit=False) as session:
            try:
                changed += self._send(session)
            except BaseException:  # nonces were taken for transactions never sent: ask the node again next round
                self._forget_nonces()
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
        for row in _queued(session, signed=True):
            call = decode_signed_call(str(row.signed_tx), ACTIONS[row.action].function)
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
                self._refusals.pop(row.id, None)
            except Web3RPCError as error:  # the node answered no (e.g. the account can no longer pay its gas)
                log.warning("submitter: the node refused signed write %s: %s", row.id, error)
                failed += self._refused_by_node(row, error)
            except (LedgerError, OSError, ValueError) as error:  # transport: _follow finds it, or queues it again
                log.warning("submitter: sending signed write %s failed: %s", row.id, error)
        return failed + len(ready)

    def _refused_by_node(self, row: OutboxWrite, error: Web3RPCError) -> int:
        """Count the node's refusal of a caller-signed write; at the limit it fails, saying why. The gateway cannot
        change what the caller signed, so sending the same bytes again forever would never end."""
        refusals = self._refusals.get(row.id, 0) + 1
        self._refusals[row.id] = refusals
        if refusals < NODE_REFUSALS_BEFORE_FAILING:
            return 0
        del self._refusals[row.id]
        call = decode_signed_call(str(row.signed_tx), ACTIONS[row.action].function)
        mark(row, FAILED, error=json.dumps(node_refusal_error(call, error, refusals)))
        return 1

    def _send(self, session: Session) -> int:
        """Sign the queued writes in batches of one signing keystore; each batch's hash is committed, then it is
        sent, before the next batch is simulated (which so sees the state the earlier one left, once mined)."""
        changed = 0
        queued = _queued(session, signed=False)  # _send_signed sends the others
        for keystore, batch in plan_batches(queued, self._batch_size, self._alone, self._keystore_of):
            sender = self._sender(keystore)
            signed = self._prepare(sender, batch)
            for rows, prepared in signed:
                for row in rows:
                    record_sent(row, prepared.hash.to_0x_hex(), prepared.nonce)
                    self._alone.discard(row.id)
            session.commit()  # the hashes (and refusals) are durable before the transactions leave
            for rows, prepared in signed:
                try:
                    sender.broadcast(prepared)
                except (LedgerError, OSError, ValueError, Web3RPCError) as error:  # transport or node refusal:
                    # stays submitted, and _follow queues it again if the node never saw it
                    log.warning("submitter: sending writes %s failed: %s", _ids(rows), error)
            changed += len(batch)  # each sent, or marked failed (or found recorded) on its own
        return changed

    def _prepare(
        self, sender: TransactionSender, batch: list[OutboxWrite]
    ) -> list[tuple[list[OutboxWrite], PreparedTransaction]]:
        """Sign `batch` as one transaction once its simulation passes: each write it refuses is marked failed on
        its own and left out; a batch the node cannot estimate at all (e.g. over the block's gas) is halved."""
        rows = list(batch)
        calls = [self._call_of(row) for row in rows]
        while rows:
            single = len(rows) == 1
            label = ACTIONS[rows[0].action].function if single else "multicall"
            data = calls[0] if single else self._calldata.multicall(calls)
            try:
                return [(rows, self._signed(sender, rows, data, label))]
            except ContractRevertError as error:
                if single:
                    self._refused(rows[0], error)
                    return []
                try:
                    found = first_refusal(
                        self._w3, self._ledger.address, sender.address, calls, self._calldata.multicall
                    )
                except Web3RPCError:  # the node could not run a prefix at all (e.g. "MemoryOOG"): too big
                    return self._halves(sender, rows)
                if found is None:
                    continue  # the state moved and the whole batch passes now: simulate it again
                index, revert = found
                if index > 0 and ran_out_of_gas(revert):  # the prefix outgrew the node's gas cap: no write is bad
                    return self._halves(sender, rows)
                self._refused(rows[index], self._ledger.reverts.decode(revert, ACTIONS[rows[index].action].function))
                del rows[index], calls[index]
            except Web3RPCError:
                if single:
                    raise
                return self._halves(sender, rows)
        return []

    def _signed(
        self, sender: TransactionSender, rows: list[OutboxWrite], data: bytes, label: str
    ) -> PreparedTransaction:
        """Sign `data` once it passes: a batch whose kinds of write are learned is simulated by `eth_call` and
        given a learned gas limit; any other is estimated (its simulation), which teaches its kinds' cost."""
        functions = [ACTIONS[row.action].function for row in rows]
        gas = None if len(rows) == 1 else self._gas_book().limit(functions)
        if gas is None:
            prepared = sender.prepare_data(self._ledger.address, data, label)
            if len(rows) > 1:
                self._gas_book().learn(functions, int(prepared.tx["gas"]))
            return prepared
        revert = simulate(self._w3, self._ledger.address, sender.address, data)
        if revert is not None:
            raise self._ledger.reverts.decode(revert, label)
        return sender.prepare_data(self._ledger.address, data, label, gas)

    def _gas_book(self) -> GasBook:
        if self._gas is None:
            self._gas = GasBook(int(self._w3.eth.get_block("latest")["gasLimit"]))
        return self._gas

    def _halves(
        self, sender: TransactionSender, rows: list[OutboxWrite]
    ) -> list[tuple[list[OutboxWrite], PreparedTransaction]]:
        middle = len(rows) // 2
        return self._prepare(sender, rows[:middle]) + self._prepare(sender, rows[middle:])

    def _call_of(self, row: OutboxWrite) -> bytes:
        action = ACTIONS[row.action]
        return self._calldata.encode(action.function, action.arguments(json.loads(row.body)))

    def _forget_nonces(self) -> None:
        for sender in self._senders.values():
            sender.forget_nonce()

    def _recheck_confirmed(self, session: Session, from_block: int) -> None:
        """The chain may have lost blocks from `from_block` on: confirmed writes there whose transaction is not
        where it was go back to included, for `_follow` to find again or send again."""
        self._forget_nonces()  # the accounts' nonces on chain may be lower now
        by_hash: dict[str, list[OutboxWrite]] = {}  # a batch's writes share one transaction
        for row in writes_confirmed_since(session, from_block):
            by_hash.setdefault(str(row.tx_hash), []).append(row)
        for rows, mined in zip(by_hash.values(), mined_of(self._w3, list(by_hash)), strict=True):
            for row in rows:
                if mined is None or not mined.succeeded or mined.block_number != row.block_number:
                    log.info("submitter: confirmed write %s is not in block %s any more", row.id, row.block_number)
                    mark(row, INCLUDED)

    def _follow(self, session: Session, head: int) -> int:
        """Look up every sent transaction once (a batch's writes share one), and move its writes on; confirmations
        count against `head`, the head this round observed."""
        rows = writes_in(session, SUBMITTED, INCLUDED)
        if not rows:
            return 0
        by_hash: dict[str, list[OutboxWrite]] = {}
        for row in rows:
            by_hash.setdefault(str(row.tx_hash), []).append(row)
        changed = 0
        for tx_hash, mined in zip(by_hash, mined_of(self._w3, list(by_hash)), strict=True):
            sent = by_hash[tx_hash]
            if mined is None:
                changed += self._lost(sent, head)
            elif mined.succeeded:
                changed += sum(self._advance(row, mined.block_number, head) for row in sent)
            elif len(sent) > 1:
                changed += self._batch_reverted(sent, tx_hash)
            else:
                row, action = sent[0], ACTIONS[sent[0].action]
                tx = {"from": row.signer, "to": self._ledger.address, "data": self._call_of(row)}
                receipt = {"blockNumber": mined.block_number}  # all replay_revert reads: where to replay it
                self._refused(row, replay_revert(self._w3, self._ledger.reverts, tx, receipt, action.function))  # type: ignore[arg-type]
                changed += 1
        return changed

    def _batch_reverted(self, rows: list[OutboxWrite], tx_hash: str) -> int:
        """A mined batch reverted, so none of its writes happened: queue each again, to be sent on its own."""
        log.warning(
            "submitter: batch %s of writes %s reverted once mined; sending each again on its own", tx_hash, _ids(rows)
        )
        for row in rows:
            mark(row, QUEUED, block_number=None)
            self._alone.add(row.id)
        self._gas_book().forget(ACTIONS[row.action].function for row in rows)  # it may have run out of gas
        return len(rows)

    def _advance(self, row: OutboxWrite, block_number: int, head: int) -> int:
        before = (row.state, row.block_number)
        if row.state == SUBMITTED or row.block_number != block_number:
            mark(row, INCLUDED, block_number=block_number)
        if head - block_number >= self._confirmations:
            mark(row, CONFIRMED)
        return int((row.state, row.block_number) != before)

    def _lost(self, rows: list[OutboxWrite], head: int) -> int:
        """Sent writes (one transaction) without a receipt: still pending, recorded by a transaction whose receipt
        the node does not serve, or gone (dropped, or lost in a reorg or chain restart) and queued again."""
        tx_hash = str(rows[0].tx_hash)
        waited = (datetime.now(UTC) - max(row.updated_at for row in rows)).total_seconds()
        if self._node_knows(tx_hash):
            if any(row.state == INCLUDED for row in rows):  # a reorganisation put it back among the pending ones
                for row in rows:
                    mark(row, SUBMITTED, block_number=None)
                return len(rows)
            if waited < self._resend_after or not self._behind_a_nonce_gap(rows[0]):
                return 0
        elif all(row.state == SUBMITTED for row in rows) and waited < self._resend_after:
            return 0
        gone = []
        changed = 0
        for row in rows:
            act = self._recorded(row)
            if act is None:
                gone.append(row)
            else:
                changed += self._include(row, act, head)
        if gone:
            log.info("submitter: writes %s (%s) are not on chain any more; sending them again", _ids(gone), tx_hash)
            if gone[0].signed_tx is None:  # a caller-signed transaction keeps its own nonce (and is never batched)
                self._sender(self._keystore_of(gone[0])).forget_nonce()
            for row in gone:
                mark(row, QUEUED, block_number=None)
        return changed + len(gone)

    def _behind_a_nonce_gap(self, row: OutboxWrite) -> bool:
        """Whether the node holds the write's transaction but cannot mine it: its nonce is past the account's next
        one (the chain went back to an older state after the nonce was taken), so it waits for nonces never sent."""
        if row.signed_tx is not None:  # its signer's own nonce: sending the same bytes again cannot help
            return False
        return row.nonce is not None and row.nonce > self._w3.eth.get_transaction_count(
            to_checksum_address(row.signer), "pending"
        )

    def _include(self, row: OutboxWrite, act: RecordedAct, head: int) -> int:
        """`row`'s act is on chain in `act`'s transaction: included there, and confirmed once deep enough."""
        before = (row.state, row.tx_hash, row.block_number)
        if before != (INCLUDED, act.tx_hash, act.block_number):
            mark(row, INCLUDED, tx_hash=act.tx_hash, block_number=act.block_number)
        if head - act.block_number >= self._confirmations:
            mark(row, CONFIRMED)
        return int((row.state, row.tx_hash, row.block_number) != before)

    def _recorded(self, row: OutboxWrite) -> RecordedAct | None:
        """The act on chain under this write's id, if it is the very act the write asked for."""
        action = ACTIONS[row.action]
        if row.signed_tx is not None or not can_compare(action.function):
            return None
        arguments = action.arguments(json.loads(row.body))
        return recorded_act(self._ledger, action.function, arguments, row.org_id)

    def _refused(self, row: OutboxWrite, error: ContractRevertError) -> None:
        already_recorded = error.error_name.endswith("AlreadyRecorded")
        act = self._recorded(row) if already_recorded else None  # the same act, whichever transaction recorded it
        if act is not None:
            mark(row, INCLUDED, tx_hash=act.tx_hash, block_number=act.block_number)
            return
        # One of its own earlier sends may be what recorded it, whatever the resend is refused with: an id reused
        # is `…AlreadyRecorded`, a stage change done already is a wrong stage (e.g. a second cancellation), and a
        # relayed bid's used nonce is BidNonceMismatch.
        for tx_hash in reversed(sent_hashes(row)):
            receipt = self._receipt(tx_hash)
            if receipt is not None and receipt["status"] == 1:
                mark(row, INCLUDED, tx_hash=tx_hash, block_number=receipt["blockNumber"])
                return
        if already_recorded and self._pending_only(row):  # another write of the same id is on its way
            log.info("submitter: write %s waits: its id is taken only among pending transactions", row.id)
            if row.state != QUEUED:
                mark(row, QUEUED, block_number=None)
            return
        mark(row, FAILED, error=json.dumps(revert_json(error)))

    def _pending_only(self, row: OutboxWrite) -> bool:
        """Whether the write's call passes on the latest block: its id is then taken only in the pending state (by
        an earlier write in the pool or in the same batch), whose act the next rounds compare once it is mined."""
        if row.signed_tx is not None:  # its signer's transaction, sent as it is: nothing to wait for
            return False
        action = ACTIONS[row.action]
        call = self._ledger.contract.functions[action.function](*action.arguments(json.loads(row.body)))
        try:
            call.call({"from": to_checksum_address(row.signer)}, block_identifier="latest")
        except ContractLogicError as refusal:
            decoded = self._ledger.reverts.decode(revert_bytes(refusal), action.function)
            return not decoded.error_name.endswith("AlreadyRecorded")
        return True

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


def _queued(session: Session, signed: bool) -> list[OutboxWrite]:
    """The queued writes their callers signed, or the others, oldest first: each round loads only its own."""
    chosen = OutboxWrite.signed_tx.is_not(None) if signed else OutboxWrite.signed_tx.is_(None)
    query = select(OutboxWrite).where(OutboxWrite.state == QUEUED, chosen).order_by(OutboxWrite.id)
    return list(session.scalars(query))


def _ids(rows: list[OutboxWrite]) -> str:
    return ", ".join(str(row.id) for row in rows)


def submit_until_settled(submitter: Submitter, timeout: float, poll_interval: float) -> None:
    """Run rounds until no write is on its way, or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        submitter.run_once()
        if not submitter.busy() or time.monotonic() > deadline:
            return
        time.sleep(poll_interval)
