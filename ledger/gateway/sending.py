"""Sending queued writes: each signed locally with its keystore's key and managed nonces, its transaction's hash
committed to the outbox before it leaves, so a crash leaves it queued (sent again) or submitted with a hash to
look up (following.py).

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
  happened: following.py queues them all again, and each is then sent alone (`send_alone`), so a bad one fails
  alone with its decoded error and the others are recorded. That "alone" mark lives in memory: after a restart
  they are batched again, which is safe, since the simulation of the new batch then sees the moved state.
A batch of one write is sent as a plain call of its function; a caller-signed transaction is never batched.
"""

from __future__ import annotations

import json
import logging

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.exceptions import TransactionNotFound, Web3RPCError

from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.sender import PreparedTransaction, TransactionSender
from ledger.errors import ContractRevertError, LedgerError
from ledger.gateway.actions import RELAYER
from ledger.gateway.batches import first_refusal, plan_batches, ran_out_of_gas, simulate
from ledger.gateway.calldata import CalldataEncoder
from ledger.gateway.gas import GasBook
from ledger.gateway.outbox import FAILED, QUEUED, ids_of, mark, record_sent
from ledger.gateway.refusals import settle_refused
from ledger.gateway.registry import ACTIONS
from ledger.gateway.signed_calls import decode_signed_call, node_refusal_error, nonce_used_elsewhere, nonce_used_error
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE
from ledger.store.gateway_models import OutboxWrite

log = logging.getLogger("ledger.gateway.submitter")  # the submitter's one log, whichever of its parts speaks
NODE_REFUSALS_BEFORE_FAILING = 3  # a caller-signed transaction the node refused this many times in a row fails
Signed = list[tuple[list[OutboxWrite], PreparedTransaction]]  # each transaction to send, with the writes it carries


class WriteSender:
    """Sends the outbox's queued writes, and remembers what sending them taught: nonces, gas, lone writes."""

    def __init__(self, ledger: LedgerContract, keystores: Keystores, batch_size: int) -> None:
        self._ledger = ledger
        self._w3 = ledger.contract.w3
        self._keystores = keystores
        self._senders: dict[str, TransactionSender] = {}  # by keystore (organisation or relayer); decrypted once
        self._batch_size = batch_size
        self._calldata = CalldataEncoder(ledger.contract)
        self._alone: set[int] = set()  # writes whose batch reverted once mined: each is sent on its own next
        self._gas: GasBook | None = None  # batches' gas limits, learned per kind of write (ledger.gateway.gas)
        self._refusals: dict[int, int] = {}  # caller-signed writes the node refused to take, by write id

    def send_signed(self, session: Session) -> int:
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
        session.commit()  # as in send: the hashes are durable before anything leaves
        for row, raw in ready:
            try:
                self._w3.eth.send_raw_transaction(raw)
                self._refusals.pop(row.id, None)
            except Web3RPCError as error:  # the node answered no (e.g. the account can no longer pay its gas)
                log.warning("submitter: the node refused signed write %s: %s", row.id, error)
                failed += self._refused_by_node(row, error)
            except (LedgerError, OSError, ValueError) as error:  # transport: following finds it, or queues it again
                log.warning("submitter: sending signed write %s failed: %s", row.id, error)
        return failed + len(ready)

    def send(self, session: Session) -> int:
        """Sign the queued writes in batches of one signing keystore; each batch's hash is committed, then it is
        sent, before the next batch is simulated (which so sees the state the earlier one left, once mined)."""
        changed = 0
        queued = _queued(session, signed=False)  # send_signed sends the others
        for keystore, batch in plan_batches(queued, self._batch_size, self._alone, _keystore_of):
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
                    # stays submitted, and following queues it again if the node never saw it
                    log.warning("submitter: sending writes %s failed: %s", ids_of(rows), error)
            changed += len(batch)  # each sent, or marked failed (or found recorded) on its own
        return changed

    def replace_unmined(self, session: Session, unmined: list[list[OutboxWrite]]) -> int:
        """Re-sign each transaction the node holds but has not mined for a while (its fees fell behind the
        chain's): the same call at the same nonce, at higher fees, which the node takes in its place. As any send,
        its hash is committed before it leaves; the first transaction's hash stays among the writes' sent ones."""
        ready = []
        for rows in unmined:
            try:
                pending = self._w3.eth.get_transaction(HexBytes(str(rows[0].tx_hash)))
            except TransactionNotFound:  # mined or dropped meanwhile: the next round finds out which
                continue
            sender = self._sender(_keystore_of(rows[0]))
            prepared = sender.replacement(pending, ACTIONS[rows[0].action].function)
            log.info("submitter: writes %s waited unmined in %s; replaced at higher fees by %s", ids_of(rows),
                     rows[0].tx_hash, prepared.hash.to_0x_hex())  # fmt: skip
            for row in rows:
                record_sent(row, prepared.hash.to_0x_hex(), prepared.nonce)
            ready.append((rows, sender, prepared))
        session.commit()
        for rows, sender, prepared in ready:
            try:
                sender.broadcast(prepared)
            except (LedgerError, OSError, ValueError, Web3RPCError) as error:  # following looks again next round
                log.warning("submitter: replacing the transaction of writes %s failed: %s", ids_of(rows), error)
        return sum(len(rows) for rows, _, _ in ready)

    def send_alone(self, rows: list[OutboxWrite]) -> None:
        """The batch of `rows` reverted once mined: each is sent on its own next, and their kinds' gas is learned
        again (the batch may have run out of it)."""
        for row in rows:
            self._alone.add(row.id)
        self.gas_book().forget(ACTIONS[row.action].function for row in rows)

    def call_of(self, row: OutboxWrite) -> bytes:
        """The calldata of `row`'s function call."""
        action = ACTIONS[row.action]
        return self._calldata.encode(action.function, action.arguments(json.loads(row.body)))

    def gas_book(self) -> GasBook:
        """The batches' gas limits learned so far, started from the latest block's gas limit."""
        if self._gas is None:
            self._gas = GasBook(int(self._w3.eth.get_block("latest")["gasLimit"]))
        return self._gas

    def forget_nonce_of(self, row: OutboxWrite) -> None:
        """The next transaction of `row`'s keystore asks the node for its nonce again."""
        self._sender(_keystore_of(row)).forget_nonce()

    def forget_nonces(self) -> None:
        """Every keystore's next transaction asks the node for its nonce again."""
        for sender in self._senders.values():
            sender.forget_nonce()

    def _sender(self, keystore: str) -> TransactionSender:
        if keystore not in self._senders:
            account: LocalAccount = self._keystores.account(keystore)
            self._senders[keystore] = self._ledger.sender(account)
        return self._senders[keystore]

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

    def _prepare(self, sender: TransactionSender, batch: list[OutboxWrite]) -> Signed:
        """Sign `batch` as one transaction once its simulation passes: each write it refuses is marked failed on
        its own and left out; a batch the node cannot estimate at all (e.g. over the block's gas) is halved."""
        rows = list(batch)
        calls = [self.call_of(row) for row in rows]
        while rows:
            single = len(rows) == 1
            label = ACTIONS[rows[0].action].function if single else "multicall"
            data = calls[0] if single else self._calldata.multicall(calls)
            try:
                return [(rows, self._signed(sender, rows, data, label))]
            except ContractRevertError as error:
                if single:
                    settle_refused(self._ledger, rows[0], error)
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
                refusal = self._ledger.reverts.decode(revert, ACTIONS[rows[index].action].function)
                settle_refused(self._ledger, rows[index], refusal)
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
        gas = None if len(rows) == 1 else self.gas_book().limit(functions)
        if gas is None:
            prepared = sender.prepare_data(self._ledger.address, data, label)
            if len(rows) > 1:
                self.gas_book().learn(functions, int(prepared.tx["gas"]))
            return prepared
        revert = simulate(self._w3, self._ledger.address, sender.address, data)
        if revert is not None:
            raise self._ledger.reverts.decode(revert, label)
        return sender.prepare_data(self._ledger.address, data, label, gas)

    def _halves(self, sender: TransactionSender, rows: list[OutboxWrite]) -> Signed:
        middle = len(rows) // 2
        return self._prepare(sender, rows[:middle]) + self._prepare(sender, rows[middle:])


def _keystore_of(row: OutboxWrite) -> str:
    """The keystore that signs `row`: its organisation's, or the relayer's for a relayed bid."""
    return RELAYER_KEYSTORE if ACTIONS[row.action].signed_by == RELAYER else row.org_id


def _queued(session: Session, signed: bool) -> list[OutboxWrite]:
    """The queued writes their callers signed, or the others, oldest first: each round loads only its own."""
    chosen = OutboxWrite.signed_tx.is_not(None) if signed else OutboxWrite.signed_tx.is_(None)
    query = select(OutboxWrite).where(OutboxWrite.state == QUEUED, chosen).order_by(OutboxWrite.id)
    return list(session.scalars(query))
