"""The machine's chain I/O, through web3 rather than ape (whose call and transaction paths cost several times the
call itself): `ChainReader` reads the ledger's state for the pools in one multicall, `Sender` sends an action or
names the custom error it reverts with, and the pure helpers decode logs and return data by the ABI.
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3.exceptions import ContractLogicError

from tests.contracts.conftest import OTHER_PURCHASER_ORG, PURCHASER_ORG, scoped_id
from tests.contracts.stateful.domains import (
    ACTORS,
    BUDGET_IDS,
    COMPLAINTS,
    MILESTONE_IDS,
    ORG_IDS,
    PAYMENTS,
    PROCESS_IDS,
    ROOTS,
    SUPPLIER_ORGS,
)

# The events that record an id, with the fields that form it: each must appear once per id.
ID_EVENTS = {
    "BudgetApproved": ("budgetId",),
    "ProcessCreated": ("processId",),
    "TenderAmended": ("processId", "amendmentId"),
    "ContractSigned": ("processId", "contractId"),
    "ContractAmended": ("processId", "amendmentId"),
    "PaymentRecorded": ("processId", "paymentId"),
    "ComplaintFiled": ("processId", "complaintId"),
    "AuditNoteRecorded": ("processId", "noteId"),
    "DocumentsAnchored": ("anchorerOrg", "root"),
}


def decode_log(abi: Any, topics: list[HexBytes], data: bytes) -> dict[str, Any]:
    """A log's fields by name: indexed ones from the topics (all bytes32 here), the rest from the data."""
    indexed = [item for item in abi.inputs if item.indexed]
    plain = [item for item in abi.inputs if not item.indexed]
    fields = {item.name: bytes(topic) for item, topic in zip(indexed, topics[1:], strict=True)}
    values = abi_decode([item.canonical_type for item in plain], data)
    for item, value in zip(plain, values, strict=True):
        fields[item.name] = to_checksum_address(value) if item.type == "address" else value
    return fields


class ChainReader:
    """Reads the ledger's state for the machine's pools in one eth_call of the ledger's `multicall`.

    It batches the view functions (budget, processOf, agreementOf, bidOf, milestoneOf, ...), encoded once, and
    decodes their return data by their ABI into objects with the Solidity field names (`processes[id].stage`). It
    goes through web3 directly: ape's call path costs several times the call itself, once per step.
    """

    def __init__(self, ledger: Any, chain: Any, address: dict[str, str]) -> None:
        self.ledger = ledger
        self.web3 = chain.provider.web3
        self.keys: list[tuple[str, Any]] = []
        reads: list[tuple[Any, tuple[Any, ...]]] = []

        def add(kind: str, key: Any, view: Any, *args: Any) -> None:
            self.keys.append((kind, key))
            reads.append((view, args))

        for budget_id in BUDGET_IDS:
            add("budgets", budget_id, ledger.budget, budget_id)
            for purchaser_org in (PURCHASER_ORG, OTHER_PURCHASER_ORG):
                add("allows", (budget_id, purchaser_org), ledger.budgetAllows, budget_id, purchaser_org)
        for process_id in PROCESS_IDS:
            add("processes", process_id, ledger.processOf, process_id)
            add("agreements", process_id, ledger.agreementOf, process_id)
            for org_id in SUPPLIER_ORGS:
                add("bids", (process_id, org_id), ledger.bidOf, process_id, org_id)
                add("nonces", (process_id, org_id), ledger.bidNonce, process_id, org_id)
                for ref_id in COMPLAINTS.values():
                    complaint_id = scoped_id(org_id, ref_id)
                    add("complaints", (process_id, complaint_id), ledger.complaintOf, process_id, complaint_id)
            for milestone_id in MILESTONE_IDS:
                add("milestones", (process_id, milestone_id), ledger.milestoneOf, process_id, milestone_id)
            for payment_id in PAYMENTS.values():
                add("payments", (process_id, payment_id), ledger.paymentRecorded, process_id, payment_id)
        for org_id in ORG_IDS.values():
            add("organisations", org_id, ledger.organisation, org_id)
            for root in ROOTS.values():
                add("anchors", (org_id, root), ledger.anchorOf, org_id, root)
        for name in ACTORS:
            add("members", name, ledger.organisationOf, address[name])
        self.calldata = ledger.multicall.encode_input([view.encode_input(*args) for view, args in reads])
        self.outputs = [view.abis[0].outputs[0] for view, _ in reads]

    def read(self) -> SimpleNamespace:
        view = SimpleNamespace(**{kind: {} for kind, _ in self.keys})
        (results,) = abi_decode(["bytes[]"], self.web3.eth.call({"to": self.ledger.address, "data": self.calldata}))
        for (kind, key), output, data in zip(self.keys, self.outputs, results, strict=True):
            getattr(view, kind)[key] = decode_output(output, data)
        return view

    def payment_parties(self, payee: str, process_id: bytes, receipt: Any) -> tuple[bytes, SimpleNamespace]:
        """organisationOf(payee) and the process, at the block of the payment."""
        ledger = self.ledger
        reads = [(ledger.organisationOf, (payee,)), (ledger.processOf, (process_id,))]
        calldata = ledger.multicall.encode_input([view.encode_input(*args) for view, args in reads])
        raw = self.web3.eth.call({"to": ledger.address, "data": calldata}, block_identifier=receipt["blockNumber"])
        (results,) = abi_decode(["bytes[]"], raw)
        org_id, process = (
            decode_output(view.abis[0].outputs[0], data) for (view, _), data in zip(reads, results, strict=True)
        )
        return org_id, process

    def count_id_events(self, events: dict[bytes, Any]) -> Counter[tuple[Any, ...]]:
        """Count the id-recording events the ledger emitted so far (the fixture's)."""
        topics = [HexBytes(topic) for topic, abi in events.items() if abi.name in ID_EVENTS]
        logs = self.web3.eth.get_logs({"address": self.ledger.address, "fromBlock": 0, "topics": [topics]})
        counts: Counter[tuple[Any, ...]] = Counter()
        for log in logs:
            abi = events[bytes(log["topics"][0])]
            fields = decode_log(abi, list(log["topics"]), bytes(log["data"]))
            counts[(abi.name, *(fields[name] for name in ID_EVENTS[abi.name]))] += 1
            for milestone_id in fields.get("milestoneIds", ()):
                counts[("Milestone", fields["processId"], milestone_id)] += 1
        return counts


class Sender:
    """Sends the machine's transactions through web3, and names the custom error of those that revert.

    Each action is simulated first (eth_estimateGas, in the block the transaction would land in); a revert is
    named by its selector among the ledger's errors, and only an accepted action is sent, by the account itself
    (anvil holds the keys of its test accounts). ape's transaction path would fetch and render a trace for each
    of the hundreds of expected reverts, which costs several times the call.
    """

    def __init__(self, ledger: Any, chain: Any) -> None:
        self.web3 = chain.provider.web3
        self.ledger_address = ledger.address
        self.methods = {abi.name: abi for abi in ledger.contract_type.mutable_methods}
        self.errors = {keccak(text=abi.selector)[:4]: abi.name for abi in ledger.contract_type.errors}

    def send(self, action: str, sender: str, args: tuple[Any, ...]) -> tuple[str, Any]:
        """("ok", receipt) if the ledger accepted the call, else (the custom error's name, None)."""
        abi = self.methods[action]
        data = keccak(text=abi.selector)[:4] + abi_encode([item.canonical_type for item in abi.inputs], args)
        transaction = {"from": sender, "to": self.ledger_address, "data": data}
        try:
            gas = self.web3.eth.estimate_gas(transaction, block_identifier="pending")
        except ContractLogicError as err:
            revert = HexBytes(err.data if isinstance(err.data, str) else b"")
            return self.errors.get(bytes(revert[:4]), f"undecoded revert {err!r}"), None
        receipt = self.web3.eth.wait_for_transaction_receipt(self.web3.eth.send_transaction(transaction | {"gas": gas}))
        assert receipt["status"] == 1, f"{action} passed its simulation but reverted: {receipt}"
        return "ok", receipt


def decode_output(output: Any, data: bytes) -> Any:
    """Decode a view's single return value (a struct or a value type) by its ABI; faster than ape's decoder."""
    (value,) = abi_decode([output.canonical_type], data)
    if output.type != "tuple":
        return to_checksum_address(value) if output.type == "address" else value
    fields = {}
    for component, item in zip(output.components, value, strict=True):
        fields[component.name] = to_checksum_address(item) if component.type == "address" else item
    return SimpleNamespace(**fields)
