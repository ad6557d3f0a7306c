"""What a write the contract refuses becomes, whether it was refused when simulated before sending or reverted once
mined: a refusal may only mean that its act is on chain already.

Exactly once rests on the chain: a write's caller-chosen id is refused again with `…AlreadyRecorded`, and a stage
or state change done already is refused too. So a refused write counts as included when the act recorded under its
id is the very act it asked for (evidence.py), or when one of its own earlier transactions succeeded; it waits,
queued, while its id is taken only among pending transactions; and it fails, with its decoded error, otherwise.
"""

from __future__ import annotations

import json
import logging

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.types import TxReceipt

from ledger.chain.ledger_contract import LedgerContract
from ledger.chain.reverts import revert_json
from ledger.chain.sender import revert_bytes
from ledger.errors import ContractRevertError
from ledger.gateway.evidence import RecordedAct, can_compare, recorded_act
from ledger.gateway.outbox import FAILED, INCLUDED, QUEUED, mark, sent_hashes
from ledger.gateway.registry import ACTIONS
from ledger.store.gateway_models import OutboxWrite

log = logging.getLogger("ledger.gateway.submitter")  # the submitter's one log, whichever of its parts speaks


def settle_refused(ledger: LedgerContract, row: OutboxWrite, error: ContractRevertError) -> None:
    """Mark a write the contract refused with `error`: included where its act is, queued again, or failed."""
    already_recorded = error.error_name.endswith("AlreadyRecorded")
    act = recorded_as_asked(ledger, row) if already_recorded else None  # the same act, whichever transaction
    if act is not None:
        mark(row, INCLUDED, tx_hash=act.tx_hash, block_number=act.block_number)
        return
    # One of its own earlier sends may be what recorded it, whatever the resend is refused with: an id reused
    # is `…AlreadyRecorded`, a stage change done already is a wrong stage (e.g. a second cancellation), and a
    # relayed bid's used nonce is BidNonceMismatch.
    for tx_hash in reversed(sent_hashes(row)):
        receipt = _receipt(ledger, tx_hash)
        if receipt is not None and receipt["status"] == 1:
            mark(row, INCLUDED, tx_hash=tx_hash, block_number=receipt["blockNumber"])
            return
    if already_recorded and _pending_only(ledger, row):  # another write of the same id is on its way
        log.info("submitter: write %s waits: its id is taken only among pending transactions", row.id)
        if row.state != QUEUED:
            mark(row, QUEUED, block_number=None)
        return
    mark(row, FAILED, error=json.dumps(revert_json(error)))


def recorded_as_asked(ledger: LedgerContract, row: OutboxWrite) -> RecordedAct | None:
    """The act on chain under this write's id, if it is the very act the write asked for."""
    action = ACTIONS[row.action]
    if row.signed_tx is not None or not can_compare(action.function):
        return None
    arguments = action.arguments(json.loads(row.body))
    return recorded_act(ledger, action.function, arguments, row.org_id)


def _pending_only(ledger: LedgerContract, row: OutboxWrite) -> bool:
    """Whether the write's call passes on the latest block: its id is then taken only in the pending state (by
    an earlier write in the pool or in the same batch), whose act the next rounds compare once it is mined."""
    if row.signed_tx is not None:  # its signer's transaction, sent as it is: nothing to wait for
        return False
    action = ACTIONS[row.action]
    call = ledger.contract.functions[action.function](*action.arguments(json.loads(row.body)))
    try:
        call.call({"from": to_checksum_address(row.signer)}, block_identifier="latest")
    except ContractLogicError as refusal:
        decoded = ledger.reverts.decode(revert_bytes(refusal), action.function)
        return not decoded.error_name.endswith("AlreadyRecorded")
    return True


def _receipt(ledger: LedgerContract, tx_hash: str) -> TxReceipt | None:
    try:
        return ledger.contract.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
    except TransactionNotFound:
        return None
