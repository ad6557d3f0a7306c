"""Fixtures for the contract rule tests: ape's accounts, project and chain, on anvil (ape-foundry).

One ledger per module, with organisations and a budget line registered; ape's isolation reverts the chain after
every test, so each test starts from that state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ape
import pytest
from ape.exceptions import CustomError
from eth_utils import keccak
from ethpm_types.utils import compute_checksum

FINANCE_ROLE = keccak(text="FINANCE_ROLE")
PURCHASER_ROLE = keccak(text="PURCHASER_ROLE")
SUPPLIER_ROLE = keccak(text="SUPPLIER_ROLE")
AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")


class Stage:
    """IProcurementLedger.Stage, by number."""

    NONE, PLANNING, TENDER, EVALUATION, AWARDED, CONTRACTED, IMPLEMENTATION = range(7)
    COMPLETED, CANCELLED, TERMINATED = range(7, 10)


OPEN_TENDER, SINGLE_SOURCE = 0, 1
DELIVERY, ACCEPTANCE = 0, 1
DISMISSED, UPHELD, WITHDRAWN = 1, 2, 3

BUDGET_ID = keccak(text="BUDGET-2026-001")
BUDGET_AMOUNT = 1_000_000_00
HOUR = 3_600
# The contract and milestones of the agreement and payment tests.
AWARD = 500_000_00
CONTRACT_ID = keccak(text="CONTRACT-2026-001")
OTHER_CONTRACT_ID = keccak(text="CONTRACT-2026-999")
M1 = keccak(text="milestone-1")
M2 = keccak(text="milestone-2")
UNKNOWN_PROCESS = keccak(text="ocds-never-created")


def doc(label: str) -> bytes:
    """SHA-256 of a stand-in document."""
    return hashlib.sha256(label.encode()).digest()


def org(label: str) -> bytes:
    """An organisation id: the hash of a registry id."""
    return keccak(text=label)


@pytest.fixture(scope="session")
def admin(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="session")
def purchaser(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def finance(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def supplier_a(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def supplier_b(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def auditor(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="session")
def other_purchaser(accounts: Any) -> Any:
    """A purchaser of another organisation: it may run its own processes, not ours."""
    return accounts[6]


@pytest.fixture(scope="session")
def outsider(accounts: Any) -> Any:
    """An account of no registered organisation."""
    return accounts[9]


ORGS = {
    "purchaser": (org("PURCHASER-ORG"), PURCHASER_ROLE),
    "finance": (org("FINANCE-ORG"), FINANCE_ROLE),
    "supplier_a": (org("SUPPLIER-A"), SUPPLIER_ROLE),
    "supplier_b": (org("SUPPLIER-B"), SUPPLIER_ROLE),
    "auditor": (org("AUDITOR-ORG"), AUDITOR_ROLE),
    "other_purchaser": (org("OTHER-PURCHASER-ORG"), PURCHASER_ROLE),
}


def _source_changed(project: Any, path: Any) -> bool:
    """Whether contract source `path` differs from the text ape compiled last (ape's own normalisation)."""
    cached = (project.manifest.sources or {}).get(path.relative_to(project.path).as_posix())
    if cached is None or not cached.content:
        return True
    text = path.read_text("utf8").rstrip()
    checksum = cached.calculate_checksum()
    return compute_checksum(f"{text}\n".encode(), algorithm=checksum.algorithm) != checksum.hash


def _abi_entries(contract_type: Any) -> set[str]:
    """The functions, events and errors of a contract type, each as canonical JSON."""
    return {
        json.dumps(entry.model_dump(mode="json"), sort_keys=True)
        for entry in contract_type.abi
        if entry.type in ("function", "event", "error")
    }


@pytest.fixture(scope="session")
def ledger_container(project: Any) -> Any:
    """ProcurementLedger compiled from today's sources.

    project.ProcurementLedger alone only checks contracts/ProcurementLedger.sol for changes, and ape's incremental
    compile recompiles the changed files but not the files importing them: after an edit of contracts/ledger/*.sol
    or IProcurementLedger.sol, every test would deploy the old bytecode and pass against the old rules. So this
    recompiles everything when any source differs from ape's cache, or when an earlier incremental compile left
    ProcurementLedger without a function, event or error of a contract it imports.
    """
    container = project.ProcurementLedger
    source_id = container.contract_type.source_id
    imported = set(project.compiler_manager.get_imports([project.path / source_id], project).get(source_id, []))
    own = _abi_entries(container.contract_type)
    if any(_source_changed(project, path) for path in project.sources.paths) or any(
        not _abi_entries(contract_type) <= own
        for contract_type in (project.manifest.contract_types or {}).values()
        if contract_type.source_id in imported
    ):
        project.load_contracts(use_cache=False)
        container = project.ProcurementLedger
    return container


@pytest.fixture(scope="module")
def ledger(
    ledger_container: Any,
    admin: Any,
    purchaser: Any,
    finance: Any,
    supplier_a: Any,
    supplier_b: Any,
    auditor: Any,
    other_purchaser: Any,
) -> Any:
    """A deployed ProcurementLedger with every organisation registered and budget line BUDGET_ID approved."""
    contract = ledger_container.deploy(admin, sender=admin)
    members = {
        "purchaser": purchaser,
        "finance": finance,
        "supplier_a": supplier_a,
        "supplier_b": supplier_b,
        "auditor": auditor,
        "other_purchaser": other_purchaser,
    }
    for name, (org_id, role) in ORGS.items():
        contract.registerOrganisation(org_id, role, sender=admin)
        contract.addOrganisationAccount(org_id, members[name], sender=admin)
    contract.approveBudget(BUDGET_ID, 2026, BUDGET_AMOUNT, b"CNY", doc("budget"), sender=finance)
    return contract


@pytest.fixture
def create_process(ledger: Any, purchaser: Any) -> Callable[..., bytes]:
    """Open a process on BUDGET_ID and return its id."""

    def create(ocid: str = "ocds-test-1", method: int = OPEN_TENDER, rationale: bytes | None = None) -> bytes:
        rationale_hash = rationale if rationale is not None else (doc("rationale") if method else bytes(32))
        ledger.createProcess(ocid, BUDGET_ID, method, doc(f"notice {ocid}"), rationale_hash, sender=purchaser)
        return keccak(text=ocid)

    return create


@pytest.fixture
def open_tender(ledger: Any, purchaser: Any, chain: Any, create_process: Callable[..., bytes]) -> Callable[..., bytes]:
    """Create an open-tender process and publish its tender: bids close in 1 h, reveals in 2 h."""

    def open_(ocid: str = "ocds-tender-1") -> bytes:
        process_id = create_process(ocid)
        now = chain.pending_timestamp
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)
        return process_id

    return open_


def commitment(process_id: bytes, bidder: Any, amount: int, bid_doc: bytes, salt: bytes) -> bytes:
    """The sealed-bid commitment, computed in Python exactly as the contract does."""
    from eth_abi import encode

    return keccak(
        encode(["bytes32", "address", "uint96", "bytes32", "bytes32"], [process_id, str(bidder), amount, bid_doc, salt])
    )


def advance(chain: Any, seconds: int) -> None:
    """Move chain time forward and mine a block."""
    chain.pending_timestamp += seconds
    chain.mine()


@contextmanager
def reverts(error: Any, **inputs: Any) -> Iterator[Any]:
    """Expect custom error `error` with exactly these arguments, every one of them named.

    ape.reverts alone passes on a revert that carries no custom error, on an error of another type when the error
    class is not bound to a contract, and skips argument names it does not know (misspelt) or that are not given.
    """
    names = {field.name for field in error.abi.inputs}
    assert set(inputs) == names, f"expected arguments {sorted(names)} of {error.abi.name}, got {sorted(inputs)}"
    with ape.reverts(error, **inputs) as info:
        yield info
    assert isinstance(info.value, CustomError), f"expected custom error {error.abi.name}, got {info.value!r}"
    assert isinstance(info.value, error), f"expected {error.abi.name}, got {type(info.value).__name__}"
    assert info.value.abi.selector == error.abi.selector, (
        f"expected {error.abi.selector}, got {info.value.abi.selector}"
    )
    assert set(info.value.inputs) == names, f"{error.abi.name} has arguments {list(info.value.inputs)}"


def single_event(tx: Any, event_type: Any) -> dict[str, Any]:
    """The arguments of the one `event_type` log that the event's contract emitted in receipt `tx`."""
    logs = event_type.from_receipt(tx)
    assert len(logs) == 1, f"expected one {event_type.name}, got {len(logs)}"
    return dict(logs[0].event_arguments)
