"""Following sent writes to the chain: inclusion, then confirmation, or a decoded failure; what the chain lost is
sent again.

Every write of a batch holds its transaction's hash, so each sent transaction is looked up once per round. A batch
that reverted once mined did none of its writes: all are queued again, to be sent alone (sending.py). A lone
write that reverted is refused with its replayed error (refusals.py). A write whose transaction the node no longer
knows (dropped, or lost in a chain restart or reorg) is queued again, unless the act it asked for is recorded under
its id already. One the node holds but has not mined for `resend_after` seconds is listed in `unmined`, for
sending.py to replace at higher fees. The chain watch (reconciler.py) notices a chain that lost blocks the last
round saw, so writes confirmed there are looked up again too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy.orm import Session
from web3.exceptions import TransactionNotFound

from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.sender import replay_revert
from ledger.gateway.evidence import RecordedAct
from ledger.gateway.outbox import (
    CONFIRMED,
    INCLUDED,
    QUEUED,
    SUBMITTED,
    ids_of,
    mark,
    writes_confirmed_since,
    writes_in,
)
from ledger.gateway.receipts import mined_of
from ledger.gateway.refusals import recorded_as_asked, settle_refused
from ledger.gateway.registry import ACTIONS
from ledger.gateway.sending import WriteSender
from ledger.store.gateway_models import OutboxWrite

log = logging.getLogger("ledger.gateway.submitter")  # the submitter's one log, whichever of its parts speaks


class WriteFollower:
    """Moves sent writes on as the chain shows them; tells `sending` what to send alone and which nonces to forget."""

    def __init__(self, ledger: LedgerContract, sending: WriteSender, confirmations: int, resend_after: float) -> None:
        self._ledger = ledger
        self._w3 = ledger.contract.w3
        self._sending = sending
        self._confirmations = confirmations
        self._resend_after = resend_after
        self.unmined: list[list[OutboxWrite]] = []  # the last `follow`'s transactions held but not mined too long

    def recheck_confirmed(self, session: Session, from_block: int) -> None:
        """The chain may have lost blocks from `from_block` on: confirmed writes there whose transaction is not
        where it was go back to included, for `follow` to find again or send again."""
        self._sending.forget_nonces()  # the accounts' nonces on chain may be lower now
        by_hash: dict[str, list[OutboxWrite]] = {}  # a batch's writes share one transaction
        for row in writes_confirmed_since(session, from_block):
            by_hash.setdefault(str(row.tx_hash), []).append(row)
        for rows, mined in zip(by_hash.values(), mined_of(self._w3, list(by_hash)), strict=True):
            for row in rows:
                if mined is None or not mined.succeeded or mined.block_number != row.block_number:
                    log.info("submitter: confirmed write %s is not in block %s any more", row.id, row.block_number)
                    mark(row, INCLUDED)

    def follow(self, session: Session, head: int) -> int:
        """Look up every sent transaction once (a batch's writes share one), and move its writes on; confirmations
        count against `head`, the head this round observed."""
        rows = writes_in(session, SUBMITTED, INCLUDED)
        self.unmined = []
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
                tx = {"from": row.signer, "to": self._ledger.address, "data": self._sending.call_of(row)}
                receipt = {"blockNumber": mined.block_number}  # all replay_revert reads: where to replay it
                refusal = replay_revert(self._w3, self._ledger.reverts, tx, receipt, action.function)  # type: ignore[arg-type]
                settle_refused(self._ledger, row, refusal)
                changed += 1
        return changed

    def _batch_reverted(self, rows: list[OutboxWrite], tx_hash: str) -> int:
        """A mined batch reverted, so none of its writes happened: queue each again, to be sent on its own."""
        log.warning(
            "submitter: batch %s of writes %s reverted once mined; sending each again on its own", tx_hash, ids_of(rows)
        )
        for row in rows:
            mark(row, QUEUED, block_number=None)
        self._sending.send_alone(rows)
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
            if waited < self._resend_after:
                return 0
            if not self._behind_a_nonce_gap(rows[0]):
                if rows[0].signed_tx is None:  # the node holds it unmined: its fees fell behind; ours to raise
                    self.unmined.append(rows)
                return 0
        elif all(row.state == SUBMITTED for row in rows) and waited < self._resend_after:
            return 0
        gone = []
        changed = 0
        for row in rows:
            act = recorded_as_asked(self._ledger, row)
            if act is None:
                gone.append(row)
            else:
                changed += self._include(row, act, head)
        if gone:
            log.info("submitter: writes %s (%s) are not on chain any more; sending them again", ids_of(gone), tx_hash)
            if gone[0].signed_tx is None:  # a caller-signed transaction keeps its own nonce (and is never batched)
                self._sending.forget_nonce_of(gone[0])
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

    def _node_knows(self, tx_hash: str) -> bool:
        try:
            self._w3.eth.get_transaction(HexBytes(tx_hash))
            return True
        except TransactionNotFound:
            return False
