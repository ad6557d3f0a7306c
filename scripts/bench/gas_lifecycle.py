"""The ledger's writes, as scripts/bench/gas.py measures them: every function, driven through whole processes.

`run_lifecycle` takes processes through every state-changing function of the ledger (named paths where one
function has several, e.g. `recordMilestone_acceptance`), `run_anchors` anchors one batch per size and checks a
proof of each on chain. Both record each transaction's `gasUsed` through a `Recorder`.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.progress import Progress, TaskID
from web3 import Web3
from web3.types import RPCEndpoint, TxReceipt

from ledger.chain.accounts import deployer_account, derive_account
from ledger.chain.bids import bid_commitment, sign_bid_commitment
from ledger.chain.ledger_contract import ZERO_HASH, LedgerContract, process_id_of, reference
from ledger.chain.sender import TransactionSender
from ledger.demo import AUDITOR, FINANCE, OCID_PREFIX, PURCHASER, SUPPLIER_A, SUPPLIER_B
from ledger.proofs.merkle import inclusion_proofs, merkle_root
from ledger.settings import Settings

# Enum values as IProcurementLedger numbers them.
OPEN_TENDER, SINGLE_SOURCE = 0, 1
DELIVERY, ACCEPTANCE = 0, 1
DISMISSED = 2  # ComplaintStatus
DAY = 86_400

# Dev-chain accounts (HD indexes of the dev mnemonic) beyond the demo organisations' 0..5.
RELAYER_INDEX = 6  # relays a signed bid; signs for no organisation
SECOND_ADMIN_INDEX = 8  # receives the admin role by the delayed two-step transfer, then renounces it
SUPPLIER_A_SECOND_INDEX = 9  # a second account of supplier A's organisation


@dataclass
class Recorder:
    """Sends ledger writes and keeps each one's `gasUsed` under a name, advancing the progress display."""

    ledger: LedgerContract
    progress: Progress
    task: TaskID
    gas: dict[str, int] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)

    def send(self, name: str | None, sender: TransactionSender, function: str, *args: Any) -> TxReceipt:
        """Call `function` as `sender`; record its gas as `name` unless `name` is None (a step, not a figure)."""
        self.progress.update(self.task, description=f"ledger: {name or function}")
        receipt = self.ledger.send(sender, function, *args)
        if name is not None:
            self.gas[name] = int(receipt["gasUsed"])
            self.functions.add(function)
        self.progress.advance(self.task)
        return receipt


@dataclass(frozen=True)
class AnchorRun:
    """One anchored batch."""

    documents: int
    gas: int
    root_ms: float
    proofs_ms: float
    verify_call_gas: int

    @property
    def per_document(self) -> float:
        """Transaction gas divided by the number of documents anchored."""
        return self.gas / self.documents


def chain_time(w3: Web3) -> int:
    """Timestamp of the latest block."""
    return int(w3.eth.get_block("latest")["timestamp"])


def advance_time_to(w3: Web3, timestamp: int) -> None:
    """Mine a block at or after `timestamp` with the dev RPCs evm_increaseTime and evm_mine."""
    gap = timestamp - chain_time(w3)
    if gap > 0:
        w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [gap])
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    if chain_time(w3) < timestamp:
        raise RuntimeError(f"anvil did not move its clock to {timestamp}")


def document(label: str) -> bytes:
    """A stand-in document hash: SHA-256 of a label (the documents themselves do not matter to gas)."""
    return hashlib.sha256(label.encode()).digest()


def random_documents(count: int) -> list[bytes]:
    """SHA-256 hashes of `count` random documents."""
    return [hashlib.sha256(secrets.token_bytes(64)).digest() for _ in range(count)]


def harvest_setup_gas(w3: Web3, ledger: LedgerContract, from_block: int) -> dict[str, list[int]]:
    """Gas of the writes `set_up_organisations_and_budget` sent, read back from the blocks, by function."""
    found: dict[str, list[int]] = {}
    for number in range(from_block, w3.eth.block_number + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            if isinstance(tx, bytes) or tx.get("to") != ledger.contract.address:
                continue
            function, _ = ledger.contract.decode_function_input(tx["input"])
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            found.setdefault(str(function.fn_name), []).append(int(receipt["gasUsed"]))
    return found


def run_lifecycle(settings: Settings, ledger: LedgerContract, budget_id: bytes, recorder: Recorder) -> None:
    """Drive processes through every write of the ledger, recording the gas of each kind of step."""
    w3 = ledger.contract.w3
    send = recorder.send
    admin = ledger.sender(deployer_account(settings))
    purchaser = ledger.sender(derive_account(settings, PURCHASER.account_index))
    finance = ledger.sender(derive_account(settings, FINANCE.account_index))
    auditor_account = derive_account(settings, AUDITOR.account_index)
    auditor = ledger.sender(auditor_account)
    supplier_a = ledger.sender(derive_account(settings, SUPPLIER_A.account_index))
    supplier_b_account = derive_account(settings, SUPPLIER_B.account_index)
    supplier_b = ledger.sender(supplier_b_account)
    relayer = ledger.sender(derive_account(settings, RELAYER_INDEX))
    supplier_a_second = ledger.sender(derive_account(settings, SUPPLIER_A_SECOND_INDEX))
    send(None, admin, "addOrganisationAccount", SUPPLIER_A.org_id, supplier_a_second.address)

    # 1. An open tender from creation to completion.
    ocid = f"{OCID_PREFIX}-bench-0001"
    process_id = process_id_of(ocid)
    send("createProcess", purchaser, "createProcess", ocid, budget_id, OPEN_TENDER, document(ocid), ZERO_HASH)
    now = chain_time(w3)
    bid_deadline, reveal_deadline = now + 7 * DAY, now + 8 * DAY
    send("openTender", purchaser, "openTender", process_id, bid_deadline, reveal_deadline, document("tender"))
    bid_deadline, reveal_deadline = now + 10 * DAY, now + 11 * DAY
    send(
        "amendTender", purchaser, "amendTender", process_id, reference("clarification 1"), document("clarification"),
        document("why extended"), bid_deadline, reveal_deadline,
    )  # fmt: skip

    amount_a, amount_b = 1_874_500_00, 1_912_000_00
    bid_doc_a, bid_doc_b = document("bid of supplier A"), document("bid of supplier B")
    salt_a, salt_b = secrets.token_bytes(32), secrets.token_bytes(32)
    first_try = bid_commitment(process_id, SUPPLIER_A.org_id, 1_990_000_00, bid_doc_a, secrets.token_bytes(32))
    send("commitBid", supplier_a, "commitBid", process_id, first_try)
    commitment_a = bid_commitment(process_id, SUPPLIER_A.org_id, amount_a, bid_doc_a, salt_a)
    send("commitBid_replace", supplier_a_second, "commitBid", process_id, commitment_a)
    send("cancelBidSignatures", supplier_b, "cancelBidSignatures", process_id)  # before B signs its bid
    commitment_b = bid_commitment(process_id, SUPPLIER_B.org_id, amount_b, bid_doc_b, salt_b)
    deadline = chain_time(w3) + 3_600
    nonce = int(ledger.call("bidNonce", process_id, SUPPLIER_B.org_id))
    signature = sign_bid_commitment(
        supplier_b_account.key, chain_id=w3.eth.chain_id, ledger_address=ledger.address, process_id=process_id,
        bidder_org=SUPPLIER_B.org_id, commitment=commitment_b, nonce=nonce, deadline=deadline,
    )  # fmt: skip
    send(
        "commitBidFor", relayer, "commitBidFor", process_id, SUPPLIER_B.org_id, supplier_b.address, commitment_b,
        nonce, deadline, signature,
    )  # fmt: skip

    advance_time_to(w3, bid_deadline + 60)
    send("revealBid", supplier_a, "revealBid", process_id, amount_a, bid_doc_a, salt_a)
    send("revealBid_second", supplier_b, "revealBid", process_id, amount_b, bid_doc_b, salt_b)
    complaint_ref = reference("complaint CP-1")
    send("fileComplaint", supplier_b, "fileComplaint", process_id, complaint_ref, document("complaint"))
    complaint_id = ledger.call("scopedId", SUPPLIER_B.org_id, complaint_ref)
    send("resolveComplaint", finance, "resolveComplaint", process_id, complaint_id, DISMISSED, document("decision"))
    advance_time_to(w3, reveal_deadline + 60)
    send("recordEvaluation", purchaser, "recordEvaluation", process_id, document("evaluation report"))
    send("awardProcess", purchaser, "awardProcess", process_id, SUPPLIER_A.org_id, amount_a, document("award"))

    first, second, third = (reference(f"CT-BENCH-0001/M{i}") for i in (1, 2, 3))
    schedule = ([first, second], [1_000_000_00, amount_a - 1_000_000_00])
    send(
        "signContract", purchaser, "signContract", process_id, reference("CT-BENCH-0001"), amount_a,
        document("contract"), *schedule,
    )  # fmt: skip
    increase = amount_a // 20
    send(
        "amendContract", purchaser, "amendContract", process_id, reference("supplement 1"), increase,
        document("supplement"), [third], [increase],
    )  # fmt: skip
    send("recordMilestone", supplier_a, "recordMilestone", process_id, first, DELIVERY, document("delivery 1"))
    send(
        "recordMilestone_acceptance", purchaser, "recordMilestone", process_id, first, ACCEPTANCE,
        document("acceptance 1"),
    )  # fmt: skip
    send(
        "recordMilestone_delivery_next", supplier_a_second, "recordMilestone", process_id, second, DELIVERY,
        document("delivery 2"),
    )  # fmt: skip
    send(
        "recordPayment", finance, "recordPayment", process_id, reference("TV-BENCH-1"), first, 500_000_00,
        supplier_a.address, document("voucher 1"),
    )  # fmt: skip
    send(
        "recordPayment_second", finance, "recordPayment", process_id, reference("TV-BENCH-2"), first, 300_000_00,
        supplier_a_second.address, document("voucher 2"),
    )  # fmt: skip
    send(None, purchaser, "recordMilestone", process_id, second, ACCEPTANCE, document("acceptance 2"))
    send(None, supplier_a, "recordMilestone", process_id, third, DELIVERY, document("delivery 3"))
    send(None, purchaser, "recordMilestone", process_id, third, ACCEPTANCE, document("acceptance 3"))
    send("recordAuditNote", auditor, "recordAuditNote", process_id, reference("AN-1"), document("audit findings"))
    send("completeProcess", purchaser, "completeProcess", process_id, document("final report"))

    # 2. Single source: awarded, signed below the award (releasing the rest), terminated.
    ocid = f"{OCID_PREFIX}-bench-0002"
    process_id = process_id_of(ocid)
    send(
        "createProcess_singleSource", purchaser, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid),
        document("single-source rationale"),
    )  # fmt: skip
    send(
        "awardProcess_singleSource", purchaser, "awardProcess", process_id, SUPPLIER_A.org_id, 420_000_00,
        document("award"),
    )  # fmt: skip
    send(
        "signContract_belowAward", purchaser, "signContract", process_id, reference("CT-BENCH-0002"), 400_000_00,
        document("contract 2"), [reference("CT-BENCH-0002/M1")], [400_000_00],
    )  # fmt: skip
    send("terminateContract", purchaser, "terminateContract", process_id, document("termination"))

    # 3. Cancellations: in planning, and after an award (which releases the budget commitment).
    ocid = f"{OCID_PREFIX}-bench-0003"
    send(None, purchaser, "createProcess", ocid, budget_id, OPEN_TENDER, document(ocid), ZERO_HASH)
    send("cancelProcess", purchaser, "cancelProcess", process_id_of(ocid), document("cancellation 3"))
    ocid = f"{OCID_PREFIX}-bench-0004"
    send(None, purchaser, "createProcess", ocid, budget_id, SINGLE_SOURCE, document(ocid), document("rationale 4"))
    send(None, purchaser, "awardProcess", process_id_of(ocid), SUPPLIER_B.org_id, 90_000_00, document("award 4"))
    send("cancelProcess_afterAward", purchaser, "cancelProcess", process_id_of(ocid), document("cancellation 4"))

    # 4. Three processes created in one transaction.
    calls = [
        ledger.contract.encode_abi(
            "createProcess",
            args=[f"{OCID_PREFIX}-bench-01{i:02d}", budget_id, OPEN_TENDER, document(f"batch {i}"), ZERO_HASH],
        )
        for i in range(3)
    ]
    receipt = send("multicall", purchaser, "multicall", [bytes.fromhex(call[2:]) for call in calls])
    recorder.gas["multicall_per_call"] = math.ceil(int(receipt["gasUsed"]) / len(calls))

    # 5. Suspension and the registry writes the demo set-up does not make.
    send("suspendOrganisation", finance, "suspendOrganisation", SUPPLIER_B.org_id, document("debarment"))
    send("reinstateOrganisation", finance, "reinstateOrganisation", SUPPLIER_B.org_id, document("reinstatement"))
    send("removeOrganisationAccount", admin, "removeOrganisationAccount", AUDITOR.org_id, auditor_account.address)
    _run_admin_transfer(settings, ledger, recorder, admin)


def _run_admin_transfer(
    settings: Settings, ledger: LedgerContract, recorder: Recorder, admin: TransactionSender
) -> None:
    """The admin role's delayed two-step transfer, delay changes, and renouncing it (the writes of governance)."""
    w3, send = ledger.contract.w3, recorder.send
    second_admin = ledger.sender(derive_account(settings, SECOND_ADMIN_INDEX))
    send("beginDefaultAdminTransfer", admin, "beginDefaultAdminTransfer", second_admin.address)
    send("cancelDefaultAdminTransfer", admin, "cancelDefaultAdminTransfer")
    send(None, admin, "beginDefaultAdminTransfer", second_admin.address)
    advance_time_to(w3, chain_time(w3) + settings.admin_delay + 1)
    send("acceptDefaultAdminTransfer", second_admin, "acceptDefaultAdminTransfer")
    send("changeDefaultAdminDelay", second_admin, "changeDefaultAdminDelay", settings.admin_delay + DAY)
    send("rollbackDefaultAdminDelay", second_admin, "rollbackDefaultAdminDelay")
    send(None, second_admin, "beginDefaultAdminTransfer", "0x" + "00" * 20)  # renouncing needs a scheduled exit
    advance_time_to(w3, chain_time(w3) + settings.admin_delay + 1)
    send(
        "renounceRole", second_admin, "renounceRole", bytes(32), second_admin.address
    )  # the ledger has no admin from here on: the benchmark ends with it


def run_anchors(
    ledger: LedgerContract, recorder: Recorder, purchaser: TransactionSender, batches: Sequence[int]
) -> dict[int, AnchorRun]:
    """Anchor one batch of random documents per size, with no process, and check a proof of each on chain."""
    runs: dict[int, AnchorRun] = {}
    for size in batches:
        recorder.progress.update(recorder.task, description=f"anchor: {size} documents (building the tree)")
        docs = random_documents(size)
        started = time.perf_counter()
        root = merkle_root(docs)
        rooted = time.perf_counter()
        proofs = inclusion_proofs(docs)
        proved = time.perf_counter()
        receipt = recorder.send(None, purchaser, "anchorDocuments", root, size, ZERO_HASH)
        index = secrets.randbelow(size)
        verify = ledger.contract.functions.verifyDocument(PURCHASER.org_id, root, docs[index], index, proofs[index])
        if not verify.call() or int(ledger.call("anchorOf", PURCHASER.org_id, root)[0]) != size:
            raise RuntimeError(f"the anchored batch of {size} does not verify on chain")
        runs[size] = AnchorRun(
            documents=size,
            gas=int(receipt["gasUsed"]),
            root_ms=(rooted - started) * 1_000,
            proofs_ms=(proved - rooted) * 1_000,
            verify_call_gas=int(verify.estimate_gas()),
        )
    recorder.gas["anchorDocuments"] = max(run.gas for run in runs.values())
    recorder.functions.add("anchorDocuments")
    # The same filed under a process, which adds the check that the anchorer is a party of it.
    size = batches[-1]
    recorder.send(
        "anchorDocuments_withProcess", purchaser, "anchorDocuments", merkle_root(random_documents(size)), size,
        process_id_of(f"{OCID_PREFIX}-bench-0001"),
    )  # fmt: skip
    return runs
