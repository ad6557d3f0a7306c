"""What the durability tests share: a real anvil with the ledger, the demo organisations' keystores and an outbox
database; contracts seeded cheaply in `multicall`s (many processes, each with delivered milestones, some accepted);
writes of two kinds, the gateway's own PAYMENT (finance bureau) and ACCEPTANCE (purchaser) actions, accepted through
`WriteGateway.accept` as the API does; and the count, from the chain's events, of how often each write's act is
there.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.accounts import derive_account
from ledger.chain.anvil import AnvilProcess
from ledger.chain.client import connect
from ledger.chain.keystore import Keystores, as_org_id
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference
from ledger.chain.sender import TransactionSender
from ledger.chain.setup import ensure_deployed, open_ledger
from ledger.chain.toolchain import find_anvil
from ledger.demo import (
    ACCEPTANCE,
    BUDGET_ID,
    DELIVERY,
    FINANCE,
    OCID_PREFIX,
    PURCHASER,
    SINGLE_SOURCE,
    SUPPLIER_A,
    set_up_organisations_and_budget,
)
from ledger.demo_access import set_up_demo_access
from ledger.gateway.accept import WriteGateway
from ledger.gateway.actions import PAYMENT, Action, payment_id_of
from ledger.gateway.outbox import CONFIRMED, WriteView
from ledger.gateway.submitter import Submitter
from ledger.settings import Settings
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.gateway_models import OutboxWrite
from tests.helpers import PROJECT_DIR, free_port

MILESTONE_AMOUNT = 1_000
CALLS_PER_MULTICALL = 60  # a delivery costs ~40k gas: far below the block gas limit
DOC = hashlib.sha256(b"durability test document").digest()


@dataclass
class GatewayChain:
    """An anvil with the ledger, the demo organisations and their keystores, and a migrated outbox database."""

    settings: Settings
    anvil: AnvilProcess
    w3: Web3
    ledger: LedgerContract
    engine: Engine
    payee: str
    processes: list[str] = field(default_factory=list)  # seeded ocids

    def gateway(self, w3: Web3 | None = None) -> WriteGateway:
        """The accepting side of the gateway, talking to the node through `w3` (the chain's own by default)."""
        ledger = self.ledger if w3 is None else open_ledger(self.settings, w3)
        return WriteGateway(ledger, Keystores.from_settings(self.settings))


def settings_for(folder: Path, database_url: str, **changes: Any) -> Settings:
    """Settings of one test's gateway: its data directory, ports and database; keystores cheap to unlock."""
    return Settings(
        project_dir=PROJECT_DIR, data_dir=folder / "data", chain_port=free_port(), api_port=free_port(),
        database_url=database_url, keystore_passphrase=SecretStr("test passphrase"), keystore_scrypt_n=1024,
        poll_interval=0.1, tx_timeout=1.0, **changes,
    )  # fmt: skip


@contextmanager
def gateway_chain(settings: Settings) -> Iterator[GatewayChain]:
    """A fresh anvil (state on disk, as `procledger chain` runs it) with the ledger and the demo organisations."""
    anvil = AnvilProcess(find_anvil(PROJECT_DIR), settings.chain_port, settings.chain_state_file)
    anvil.start()
    engine = make_engine(settings.database_url)
    try:
        w3 = connect(anvil.rpc_url)
        ensure_deployed(settings, w3)
        ledger = open_ledger(settings, w3)
        set_up_organisations_and_budget(settings, ledger)
        upgrade_schema(engine)
        set_up_demo_access(settings, engine)
        payee = str(derive_account(settings, SUPPLIER_A.account_index).address)
        yield GatewayChain(settings, anvil, w3, ledger, engine, payee)
    finally:
        engine.dispose()
        anvil.stop()


def seed_contracts(chain: GatewayChain, processes: int, milestones: int, accepted: int) -> None:
    """`processes` single-source contracts with SUPPLIER_A, each with `milestones` milestones, all delivered and the
    first `accepted` accepted (so payable), written in multicalls."""
    ledger, settings = chain.ledger, chain.settings
    ocids = [f"{OCID_PREFIX}-durable-{index:04d}" for index in range(processes)]
    names = [[f"{ocid}/M{m:02d}" for m in range(milestones)] for ocid in ocids]
    value = MILESTONE_AMOUNT * milestones
    contract_calls, deliveries, acceptances = [], [], []
    for ocid, milestone_names in zip(ocids, names, strict=True):
        pid, ids = process_id_of(ocid), [reference(name) for name in milestone_names]
        contract_calls += [
            ("createProcess", (ocid, BUDGET_ID, SINGLE_SOURCE, DOC, DOC)),
            ("awardProcess", (pid, SUPPLIER_A.org_id, value, DOC)),
            ("signContract", (pid, reference(f"{ocid}/contract"), value, DOC, ids, [MILESTONE_AMOUNT] * milestones)),
        ]
        deliveries += [("recordMilestone", (pid, mid, DELIVERY, DOC)) for mid in ids]
        acceptances += [("recordMilestone", (pid, mid, ACCEPTANCE, DOC)) for mid in ids[:accepted]]
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    supplier = ledger.sender(derive_account(settings, SUPPLIER_A.account_index))
    _multicalls(ledger, purchaser, contract_calls, per_call=9)  # a contract of 60 milestones is ~1.5M gas
    _multicalls(ledger, supplier, deliveries)
    _multicalls(ledger, purchaser, acceptances)
    chain.processes = ocids


def _multicalls(
    ledger: LedgerContract, sender: TransactionSender, calls: Sequence[tuple[str, tuple[Any, ...]]], per_call: int = 0
) -> None:
    size = per_call or CALLS_PER_MULTICALL
    encoded = [bytes.fromhex(ledger.contract.encode_abi(name, args=list(args))[2:]) for name, args in calls]
    for start in range(0, len(encoded), size):
        ledger.send(sender, "multicall", encoded[start : start + size])


def milestone_name(ocid: str, index: int) -> str:
    """The human reference of milestone `index` of a seeded process."""
    return f"{ocid}/M{index:02d}"


def payment_body(chain: GatewayChain, ocid: str, milestone: int, ref: str, amount: int = 1) -> dict[str, Any]:
    """A payment of an accepted milestone of a seeded process, under payment reference `ref`."""
    milestone_id, voucher = reference(milestone_name(ocid, milestone)), hashlib.sha256(ref.encode()).digest()
    return {"ocid": ocid, "payment_ref": ref, "milestone_id": "0x" + milestone_id.hex(), "amount": amount,
            "payee": chain.payee, "voucher_sha256": "0x" + voucher.hex()}  # fmt: skip


def acceptance_body(ocid: str, milestone: int) -> dict[str, Any]:
    """The purchaser's acceptance of a delivered milestone of a seeded process."""
    name = milestone_name(ocid, milestone)
    return {"ocid": ocid, "milestone_id": "0x" + reference(name).hex(),
            "report_sha256": "0x" + hashlib.sha256(name.encode()).hexdigest()}  # fmt: skip


FINANCE_ORG, PURCHASER_ORG = as_org_id(FINANCE.org_id), as_org_id(PURCHASER.org_id)


def accept(
    chain: GatewayChain, action: Action, body: Mapping[str, Any], key: str, gateway: WriteGateway | None = None
) -> WriteView:
    """Accept one write as the API does (pre-flight, then committed to the outbox), as the action's organisation."""
    org = FINANCE_ORG if action is PAYMENT else PURCHASER_ORG
    with Session(chain.engine) as session:
        view, _ = (gateway or chain.gateway()).accept(session, org, action, body, key)
    return view


def act_key(action: str, body: Mapping[str, Any]) -> tuple[str, bytes, bytes]:
    """The on-chain identity of a write's act: its event, process id and caller-chosen id."""
    process = process_id_of(str(body["ocid"]))
    if action == PAYMENT.name:
        return "PaymentRecorded", process, payment_id_of(str(body["payment_ref"]))
    return "MilestoneAccepted", process, bytes.fromhex(str(body["milestone_id"]).removeprefix("0x"))


def acts_on_chain(ledger: LedgerContract) -> Counter[tuple[str, bytes, bytes]]:
    """How many times each payment and milestone acceptance is recorded on the chain, from its events."""
    events = ledger.contract.events
    counts: Counter[tuple[str, bytes, bytes]] = Counter()
    for log in events.PaymentRecorded.get_logs(from_block=0):
        counts["PaymentRecorded", log["args"]["processId"], log["args"]["paymentId"]] += 1
    for log in events.MilestoneAccepted.get_logs(from_block=0):
        counts["MilestoneAccepted", log["args"]["processId"], log["args"]["milestoneId"]] += 1
    return counts


def outbox_rows(engine: Engine) -> list[OutboxWrite]:
    """Every write in the outbox, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(OutboxWrite).order_by(OutboxWrite.id)))


def assert_each_accepted_write_is_on_chain_once(chain: GatewayChain, accepted: Sequence[WriteView]) -> None:
    """Every accepted write's act is on the chain exactly once (counted from its events) and its write confirmed."""
    counts = acts_on_chain(chain.ledger)
    wrong = {view.id: counts[act_key(view.action, view.body)] for view in accepted}
    assert {write: count for write, count in wrong.items() if count != 1} == {}, "writes not on chain exactly once"
    states = {row.id: row.state for row in outbox_rows(chain.engine)}
    assert {view.id: states[view.id] for view in accepted if states[view.id] != CONFIRMED} == {}
    assert len(states) == len(accepted), "the outbox holds writes nobody was told were accepted"


def sent_hashes_of(engine: Engine, write_id: int) -> list[str]:
    """Every transaction the submitter signed for a write."""
    with Session(engine) as session:
        row = session.get(OutboxWrite, write_id)
        assert row is not None
        return [str(tx) for tx in json.loads(row.sent_tx_hashes)]


@contextmanager
def running_submitter(
    chain: GatewayChain,
    confirmations: int,
    ledger: LedgerContract | None = None,
    resend_after: float = 1.0,
    submitter: Submitter | None = None,
) -> Iterator[Submitter]:
    """The submitter's own loop (`procledger up` runs it the same way) in a thread, stopped afterwards; a given
    `submitter` goes on with what it remembers."""
    if submitter is None:
        keystores = Keystores.from_settings(chain.settings)
        submitter = Submitter(
            chain.engine, ledger or chain.ledger, keystores, confirmations, resend_after=resend_after, watch_depth=64
        )
    stop = threading.Event()
    thread = threading.Thread(target=submitter.run, args=(stop, 0.05), daemon=True)
    thread.start()
    try:
        yield submitter
    finally:
        stop.set()
        thread.join(timeout=30)


def wait_until(what: str, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def all_in(chain: GatewayChain, state: str) -> bool:
    """Whether every write in the outbox is in `state`."""
    return all(row.state == state for row in outbox_rows(chain.engine))
