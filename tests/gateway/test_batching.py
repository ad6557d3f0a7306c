"""The submitter batches one organisation's queued writes into one `multicall` transaction, and a write that fails
inside a batch fails alone: refused before sending (found by simulation), or, when the batch reverts once mined
because the state moved, after each of its writes is sent again on its own.

Real anvil with the demo, real SQLite and PostgreSQL, one chain per database. Payments are queued through the
gateway's own accept (pre-flighted), as the API queues them. The demo's second and third quarterly milestones of
the single-source contract are delivered and accepted first, so they can be paid.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.accounts import deployer_account, derive_account
from ledger.chain.client import connect
from ledger.chain.keystore import Keystores, as_org_id
from ledger.chain.ledger_contract import LedgerContract, process_id_of
from ledger.chain.setup import open_ledger
from ledger.demo import FINANCE, MILESTONES, QUARTER_AMOUNT, SUPPLIER_A, load_demo_data
from ledger.demo_access import set_up_demo_access
from ledger.errors import ContractRevertError, IdempotencyConflictError
from ledger.gateway.accept import WriteGateway
from ledger.gateway.actions import PAYMENT, payment_id_of
from ledger.gateway.bulk_accept import BulkAccept
from ledger.gateway.outbox import WriteView
from ledger.gateway.submitter import Submitter, submit_until_settled
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.gateway_models import OutboxWrite
from tests.api.test_writes import OCID, Q2, Q3, VOUCHER, _accept_milestone
from tests.conftest import fresh_database
from tests.helpers import PROJECT_DIR, deployed_chain, free_port
from tests.indexer.rpc_proxy import FaultyRpcProxy

MULTICALL = "0x" + Web3.keccak(text="multicall(bytes[])")[:4].hex()
FINANCE_ORG = as_org_id(FINANCE.org_id)


@dataclass(frozen=True)
class Chain:
    """A chain with the demo, the demo's keystores, and an outbox database."""

    settings: Settings
    ledger: LedgerContract
    engine: Engine
    payee: str

    @property
    def w3(self) -> Web3:
        return self.ledger.contract.w3

    def submitter(self, ledger: LedgerContract | None = None, batch_size: int = 100) -> Submitter:
        keystores = Keystores.from_settings(self.settings)
        return Submitter(self.engine, ledger or self.ledger, keystores, 0, resend_after=0, batch_size=batch_size)

    def queue(self, **changes: Any) -> tuple[int, str]:
        """Accept a finance payment through the gateway (pre-flighted); its write id and payment reference."""
        body = {"ocid": OCID, "payment_ref": f"TV-{uuid.uuid4().hex[:12]}", "milestone_id": Q2, "amount": 100,
                "payee": self.payee, "voucher_sha256": VOUCHER, **changes}  # fmt: skip
        gateway = WriteGateway(self.ledger, Keystores.from_settings(self.settings))
        with Session(self.engine) as session:
            view, created = gateway.accept(session, FINANCE_ORG, PAYMENT, body, uuid.uuid4().hex)
        assert created
        return view.id, str(body["payment_ref"])

    def rows(self, ids: list[int]) -> list[OutboxWrite]:
        with Session(self.engine) as session:
            found = {row.id: row for row in session.scalars(select(OutboxWrite).where(OutboxWrite.id.in_(ids)))}
            session.expunge_all()
        return [found[write_id] for write_id in ids]

    def payments_recorded(self, payment_ref: str) -> int:
        """How many PaymentRecorded events the chain holds for this payment reference."""
        logs = self.ledger.contract.events.PaymentRecorded.get_logs(
            from_block=0, argument_filters={"processId": process_id_of(OCID)}
        )
        return sum(1 for log in logs if log["args"]["paymentId"] == payment_id_of(payment_ref))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built: None) -> Iterator[Chain]:
    data_dir = tmp_path_factory.mktemp("batching") / "data"
    with fresh_database(request.param, data_dir.parent) as url:
        settings = Settings(
            project_dir=PROJECT_DIR, data_dir=data_dir, chain_port=free_port(), api_port=free_port(),
            database_url=url, keystore_passphrase=SecretStr("test passphrase"), keystore_scrypt_n=1024,
        )  # fmt: skip
        with deployed_chain(settings) as (_, ledger):
            engine = make_engine(url)
            upgrade_schema(engine)
            load_demo_data(settings, ledger, engine)
            _accept_milestone(settings, ledger, MILESTONES[1])
            _accept_milestone(settings, ledger, MILESTONES[2])
            set_up_demo_access(settings, engine)
            payee = str(derive_account(settings, SUPPLIER_A.account_index).address)
            yield Chain(settings, ledger, engine, payee)
            engine.dispose()


def _finance_nonce(chain: Chain) -> int:
    return int(chain.w3.eth.get_transaction_count(Keystores.from_settings(chain.settings).find(FINANCE_ORG).address))


def test_many_queued_payments_of_one_organisation_go_out_in_one_multicall_transaction(chain: Chain) -> None:
    queued = [chain.queue() for _ in range(30)]
    nonce = _finance_nonce(chain)
    submit_until_settled(chain.submitter(), timeout=60, poll_interval=0.1)
    rows = chain.rows([write_id for write_id, _ in queued])
    assert {row.state for row in rows} == {"confirmed"}
    assert len({row.tx_hash for row in rows}) == 1 and _finance_nonce(chain) == nonce + 1  # one transaction
    tx = chain.w3.eth.get_transaction(str(rows[0].tx_hash))
    assert tx["input"].to_0x_hex().startswith(MULTICALL)
    receipt = chain.w3.eth.get_transaction_receipt(str(rows[0].tx_hash))
    assert len(chain.ledger.contract.events.PaymentRecorded().process_receipt(receipt)) == 30
    assert all(chain.payments_recorded(ref) == 1 for _, ref in queued)


def test_batches_hold_at_most_batch_size_writes(chain: Chain) -> None:
    queued = [chain.queue() for _ in range(7)]
    nonce = _finance_nonce(chain)
    submit_until_settled(chain.submitter(batch_size=3), timeout=60, poll_interval=0.1)
    rows = chain.rows([write_id for write_id, _ in queued])
    assert {row.state for row in rows} == {"confirmed"} and _finance_nonce(chain) == nonce + 3
    assert [len([r for r in rows if r.tx_hash == row.tx_hash]) for row in rows] == [3, 3, 3, 3, 3, 3, 1]


def test_a_write_the_contract_refuses_inside_a_batch_fails_alone_with_its_decoded_error(chain: Chain) -> None:
    # Each passes its pre-flight alone; in one batch the third exceeds what the first left unpaid on Q3.
    good = [chain.queue(), chain.queue(milestone_id=Q3, amount=QUARTER_AMOUNT - 10), chain.queue()]
    too_much = chain.queue(milestone_id=Q3, amount=20)
    good += [chain.queue(milestone_id=Q3, amount=10), chain.queue()]
    # And one recorded by another route after it was queued: refused as already recorded, with no send of its own.
    recorded_elsewhere = chain.queue()
    good.append(chain.queue())
    finance = chain.ledger.sender(derive_account(chain.settings, FINANCE.account_index))
    payee = Web3.to_checksum_address(chain.payee)
    process, milestone = process_id_of(OCID), bytes.fromhex(Q2[2:])
    payment = payment_id_of(recorded_elsewhere[1])
    chain.ledger.send(finance, "recordPayment", process, payment, milestone, 5, payee, bytes.fromhex(VOUCHER[2:]))

    submit_until_settled(chain.submitter(), timeout=60, poll_interval=0.1)

    rows = chain.rows([write_id for write_id, _ in good])
    assert {row.state for row in rows} == {"confirmed"} and len({row.tx_hash for row in rows}) == 1
    assert all(chain.payments_recorded(ref) == 1 for _, ref in good)
    refused, elsewhere = chain.rows([too_much[0], recorded_elsewhere[0]])
    assert refused.state == "failed" and refused.tx_hash is None and chain.payments_recorded(too_much[1]) == 0
    error = json.loads(str(refused.error))
    assert error["name"] == "PaymentExceedsMilestone"
    assert (error["args"]["milestoneId"], error["args"]["unpaid"], error["args"]["amount"]) == (Q3, 10, 20)
    assert elsewhere.state == "failed" and json.loads(str(elsewhere.error))["name"] == "PaymentAlreadyRecorded"


class _StateMovesBeforeTheBatchIsMined(FaultyRpcProxy):
    """Just before the first raw transaction reaches the node, the admin removes an account from supplier A: a
    batch simulated while it still signed for A reverts once mined."""

    def __init__(self, upstream: str, admin: Any, ledger: LedgerContract, account: str) -> None:
        super().__init__(upstream, seed=1)
        self.moved: str | None = None
        self.before_forward = lambda request: self._move(request, admin, ledger, account)

    def _move(self, request: Any, admin: Any, ledger: LedgerContract, account: str) -> None:
        if self.moved is None and isinstance(request, dict) and request["method"] == "eth_sendRawTransaction":
            receipt = ledger.send(admin, "removeOrganisationAccount", SUPPLIER_A.org_id, account)
            self.moved = receipt["transactionHash"].to_0x_hex()


def test_a_batch_that_reverts_once_mined_is_resent_write_by_write_and_only_the_bad_one_fails(chain: Chain) -> None:
    admin = chain.ledger.sender(deployer_account(chain.settings))
    second = derive_account(chain.settings, 11).address  # a second account of supplier A, removed mid-flight
    chain.ledger.send(admin, "addOrganisationAccount", SUPPLIER_A.org_id, second)
    good = [chain.queue() for _ in range(3)]
    bad = chain.queue(payee=second)
    good += [chain.queue() for _ in range(2)]
    proxy = _StateMovesBeforeTheBatchIsMined(chain.settings.rpc_url, admin, chain.ledger, second)
    proxy.start()
    try:
        submitter = chain.submitter(open_ledger(chain.settings, connect(proxy.url)))
        submitter.run_once()  # simulated with the second account still supplier A's, then sent as one batch
        assert proxy.moved is not None
        batch = chain.rows([bad[0]])[0].tx_hash
        submit_until_settled(submitter, timeout=60, poll_interval=0.1)
    finally:
        proxy.stop()
    assert chain.w3.eth.get_transaction_receipt(str(batch))["status"] == 0  # the batch itself reverted
    rows = chain.rows([write_id for write_id, _ in good])
    assert {row.state for row in rows} == {"confirmed"}
    assert all(json.loads(row.sent_tx_hashes)[0] == batch for row in rows)  # sent in the batch, then alone
    assert len({row.tx_hash for row in rows}) == len(rows) and batch not in {row.tx_hash for row in rows}
    assert all(chain.payments_recorded(ref) == 1 for _, ref in good)
    failed = chain.rows([bad[0]])[0]
    assert failed.state == "failed" and chain.payments_recorded(bad[1]) == 0
    error = json.loads(str(failed.error))
    assert error["name"] == "PaymentPayeeNotSupplier" and error["args"]["payee"] == second


def test_bulk_accept_preflights_each_write_and_answers_each_on_its_own(chain: Chain) -> None:
    gateway = WriteGateway(chain.ledger, Keystores.from_settings(chain.settings))
    good = {"ocid": OCID, "payment_ref": f"TV-{uuid.uuid4().hex[:12]}", "milestone_id": Q2, "amount": 100,
            "payee": chain.payee, "voucher_sha256": VOUCHER}  # fmt: skip
    not_accepted = {**good, "payment_ref": f"TV-{uuid.uuid4().hex[:12]}", "milestone_id": "0x" + "44" * 32}
    key, other = uuid.uuid4().hex, uuid.uuid4().hex
    with Session(chain.engine) as session:
        first = BulkAccept(gateway).accept(session, FINANCE_ORG, PAYMENT, [(key, good), (other, not_accepted)])
        again = BulkAccept(gateway).accept(session, FINANCE_ORG, PAYMENT, [(key, good), (key, not_accepted)])
    queued, refused = first
    assert isinstance(queued, WriteView) and queued.state == "queued"
    assert isinstance(refused, ContractRevertError) and refused.error_name == "PaymentMilestoneNotAccepted"
    assert refused.error_args["milestoneId"] == b"\x44" * 32
    replay, conflict = again
    assert isinstance(replay, WriteView) and replay.id == queued.id
    assert isinstance(conflict, IdempotencyConflictError) and f"write {queued.id}" in str(conflict)
    with Session(chain.engine) as session:
        assert session.scalar(select(func.count()).where(OutboxWrite.idempotency_key == other)) == 0
    submit_until_settled(chain.submitter(), timeout=60, poll_interval=0.1)
    assert chain.rows([queued.id])[0].state == "confirmed" and chain.payments_recorded(good["payment_ref"]) == 1


def test_a_batch_too_big_for_the_nodes_gas_cap_is_halved_and_no_write_is_refused(chain: Chain) -> None:
    # ~35,000 gas each in a batch: 1,000 payments need more than anvil's 30,000,000 gas cap for one call.
    bodies = [{"ocid": OCID, "payment_ref": f"TV-{uuid.uuid4().hex[:12]}", "milestone_id": Q2, "amount": 1,
               "payee": chain.payee, "voucher_sha256": VOUCHER} for _ in range(1_000)]  # fmt: skip
    gateway = WriteGateway(chain.ledger, Keystores.from_settings(chain.settings))
    with Session(chain.engine) as session:
        views = BulkAccept(gateway).accept(session, FINANCE_ORG, PAYMENT, [(uuid.uuid4().hex, b) for b in bodies])
    ids = [view.id for view in views if isinstance(view, WriteView)]
    assert len(ids) == 1_000
    nonce = _finance_nonce(chain)
    submit_until_settled(chain.submitter(batch_size=1_000), timeout=120, poll_interval=0.1)
    rows = chain.rows(ids)
    assert {row.state for row in rows} == {"confirmed"}
    assert 2 <= _finance_nonce(chain) - nonce == len({row.tx_hash for row in rows}) <= 4
