"""Fixtures for the contract rule tests: ape's accounts, project and chain, on anvil (ape-foundry).

One ledger per module, with organisations, ocid prefixes and budget lines registered; ape's isolation reverts the
chain after every test, so each test starts from that state.
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
from eth_abi import encode
from eth_utils import keccak
from ethpm_types.utils import compute_checksum

FINANCE_ROLE = keccak(text="FINANCE_ROLE")
PURCHASER_ROLE = keccak(text="PURCHASER_ROLE")
SUPPLIER_ROLE = keccak(text="SUPPLIER_ROLE")
AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
PUBLISHER_ROLE = keccak(text="PUBLISHER_ROLE")
DEFAULT_ADMIN_ROLE = bytes(32)
ZERO_HASH = bytes(32)
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class Stage:
    """IProcurementLedger.Stage, by number."""

    NONE, PLANNING, TENDER, EVALUATION, AWARDED, CONTRACTED, IMPLEMENTATION = range(7)
    COMPLETED, CANCELLED, TERMINATED = range(7, 10)


OPEN_TENDER, SINGLE_SOURCE = 0, 1
DELIVERY, ACCEPTANCE = 0, 1
# MilestoneState and ComplaintStatus
NOT_SCHEDULED, SCHEDULED, DELIVERED, ACCEPTED = range(4)
COMPLAINT_NONE, OPEN, DISMISSED, UPHELD, WITHDRAWN = range(5)

HOUR = 3_600
DAY = 24 * HOUR
ADMIN_DELAY = DAY  # the ledger's admin transfer delay in these tests


def doc(label: str) -> bytes:
    """SHA-256 of a stand-in document."""
    return hashlib.sha256(label.encode()).digest()


def org(label: str) -> bytes:
    """An organisation id: the hash of a registry id."""
    return keccak(text=label)


def scoped_id(org_id: bytes, ref: bytes) -> bytes:
    """keccak256(abi.encode(orgId, ref)): the id of a budget line, complaint or audit note an organisation names."""
    return keccak(encode(["bytes32", "bytes32"], [org_id, ref]))


def selector(signature: str) -> bytes:
    """The 4-byte selector of a function signature, as DocumentHashMissing reports it."""
    return keccak(text=signature)[:4]


PURCHASER_ORG = org("PURCHASER-ORG")
FINANCE_ORG = org("FINANCE-ORG")
SUPPLIER_A_ORG = org("SUPPLIER-A")
SUPPLIER_B_ORG = org("SUPPLIER-B")
SUPPLIER_C_ORG = org("SUPPLIER-C")
AUDITOR_ORG = org("AUDITOR-ORG")
OTHER_PURCHASER_ORG = org("OTHER-PURCHASER-ORG")
OTHER_FINANCE_ORG = org("OTHER-FINANCE-ORG")
PUBLISHER_ORG = org("PUBLISHER-ORG")

# Fixture name -> (organisation, role): every account the ledger fixture binds. supplier_a2 is a second account of
# supplier A's organisation; admin, relayer and outsider sign for none.
ORGS = {
    "purchaser": (PURCHASER_ORG, PURCHASER_ROLE),
    "finance": (FINANCE_ORG, FINANCE_ROLE),
    "supplier_a": (SUPPLIER_A_ORG, SUPPLIER_ROLE),
    "supplier_b": (SUPPLIER_B_ORG, SUPPLIER_ROLE),
    "auditor": (AUDITOR_ORG, AUDITOR_ROLE),
    "other_purchaser": (OTHER_PURCHASER_ORG, PURCHASER_ROLE),
    "other_finance": (OTHER_FINANCE_ORG, FINANCE_ROLE),
    "supplier_a2": (SUPPLIER_A_ORG, SUPPLIER_ROLE),
    "supplier_c": (SUPPLIER_C_ORG, SUPPLIER_ROLE),
    "publisher": (PUBLISHER_ORG, PUBLISHER_ROLE),
}
ACCOUNT_INDEX = {
    "admin": 0,
    "purchaser": 1,
    "finance": 2,
    "supplier_a": 3,
    "supplier_b": 4,
    "auditor": 5,
    "other_purchaser": 6,
    "other_finance": 7,
    "supplier_a2": 8,
    "outsider": 9,
    "supplier_c": 10,
    "publisher": 11,
    "relayer": 12,
}

OCID_PREFIX = "ocds-test"  # PURCHASER_ORG's
OTHER_OCID_PREFIX = "ocds-other"  # OTHER_PURCHASER_ORG's

BUDGET_REF = keccak(text="BUDGET-2026-001")
BUDGET_ID = scoped_id(FINANCE_ORG, BUDGET_REF)  # FINANCE_ORG's line, for PURCHASER_ORG
BUDGET_AMOUNT = 1_000_000_00
OTHER_BUDGET_REF = keccak(text="OTHER-BUDGET-2026-001")
OTHER_BUDGET_ID = scoped_id(OTHER_FINANCE_ORG, OTHER_BUDGET_REF)  # OTHER_FINANCE_ORG's line, for OTHER_PURCHASER_ORG

# The contract and milestones of the agreement and payment tests: AWARD, scheduled as M1 + M2.
AWARD = 500_000_00
CONTRACT_ID = keccak(text="CONTRACT-2026-001")
M1 = keccak(text="milestone-1")
M2 = keccak(text="milestone-2")
M3 = keccak(text="milestone-3")
M1_AMOUNT = 200_000_00
M2_AMOUNT = 300_000_00
SCHEDULE = ([M1, M2], [M1_AMOUNT, M2_AMOUNT])
UNKNOWN_PROCESS = keccak(text="ocds-test-never-created")


@pytest.fixture(scope="session")
def members(accounts: Any) -> dict[str, Any]:
    """Every named test account, by fixture name."""
    return {name: accounts[index] for name, index in ACCOUNT_INDEX.items()}


@pytest.fixture(scope="session")
def admin(members: dict[str, Any]) -> Any:
    return members["admin"]


@pytest.fixture(scope="session")
def purchaser(members: dict[str, Any]) -> Any:
    return members["purchaser"]


@pytest.fixture(scope="session")
def finance(members: dict[str, Any]) -> Any:
    return members["finance"]


@pytest.fixture(scope="session")
def supplier_a(members: dict[str, Any]) -> Any:
    return members["supplier_a"]


@pytest.fixture(scope="session")
def supplier_a2(members: dict[str, Any]) -> Any:
    """A second account of supplier A's organisation."""
    return members["supplier_a2"]


@pytest.fixture(scope="session")
def supplier_b(members: dict[str, Any]) -> Any:
    return members["supplier_b"]


@pytest.fixture(scope="session")
def supplier_c(members: dict[str, Any]) -> Any:
    return members["supplier_c"]


@pytest.fixture(scope="session")
def auditor(members: dict[str, Any]) -> Any:
    return members["auditor"]


@pytest.fixture(scope="session")
def other_purchaser(members: dict[str, Any]) -> Any:
    """A purchaser of another organisation: it may run its own processes, not ours."""
    return members["other_purchaser"]


@pytest.fixture(scope="session")
def other_finance(members: dict[str, Any]) -> Any:
    """A finance bureau that did not approve BUDGET_ID: it pays nothing and resolves nothing on its processes."""
    return members["other_finance"]


@pytest.fixture(scope="session")
def publisher(members: dict[str, Any]) -> Any:
    return members["publisher"]


@pytest.fixture(scope="session")
def relayer(members: dict[str, Any]) -> Any:
    """An account of no organisation that relays suppliers' signed bids, as the API gateway does."""
    return members["relayer"]


@pytest.fixture(scope="session")
def outsider(members: dict[str, Any]) -> Any:
    """An account of no registered organisation."""
    return members["outsider"]


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


@pytest.fixture(scope="module", autouse=True)
def _session_fixtures_first(ledger_container: Any, members: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Set up every session-scoped fixture before ape snapshots a module, so its isolation never has to rebase
    (ape warns InvalidIsolationWarning and rebuilds its snapshots when one comes later)."""
    for name in ACCOUNT_INDEX:
        request.getfixturevalue(name)


@pytest.fixture(scope="module")
def ledger(ledger_container: Any, members: dict[str, Any]) -> Any:
    """A deployed ProcurementLedger with every organisation of ORGS registered and its accounts bound, the two ocid
    prefixes registered, and budget lines BUDGET_ID (FINANCE_ORG, for PURCHASER_ORG) and OTHER_BUDGET_ID approved."""
    admin = members["admin"]
    contract = ledger_container.deploy(ADMIN_DELAY, admin, sender=admin)
    for org_id, role in {org_id: role for org_id, role in ORGS.values()}.items():
        contract.registerOrganisation(org_id, role, sender=admin)
    for name, (org_id, _) in ORGS.items():
        contract.addOrganisationAccount(org_id, members[name], sender=admin)
    contract.registerOcidPrefix(PURCHASER_ORG, OCID_PREFIX, sender=admin)
    contract.registerOcidPrefix(OTHER_PURCHASER_ORG, OTHER_OCID_PREFIX, sender=admin)
    contract.approveBudget(
        BUDGET_REF, 2026, BUDGET_AMOUNT, b"CNY", doc("budget"), [PURCHASER_ORG], sender=members["finance"]
    )
    contract.approveBudget(
        OTHER_BUDGET_REF, 2026, BUDGET_AMOUNT, b"CNY", doc("other budget"), [OTHER_PURCHASER_ORG],
        sender=members["other_finance"],
    )  # fmt: skip
    return contract


@pytest.fixture
def create_process(ledger: Any, purchaser: Any) -> Callable[..., bytes]:
    """Open a process of PURCHASER_ORG on BUDGET_ID and return its id."""

    def create(ocid: str = "ocds-test-1", method: int = OPEN_TENDER, rationale: bytes | None = None) -> bytes:
        rationale_hash = rationale if rationale is not None else (doc("rationale") if method else ZERO_HASH)
        ledger.createProcess(ocid, BUDGET_ID, method, doc(f"notice {ocid}"), rationale_hash, sender=purchaser)
        return keccak(text=ocid)

    return create


@pytest.fixture
def open_tender(ledger: Any, purchaser: Any, chain: Any, create_process: Callable[..., bytes]) -> Callable[..., bytes]:
    """Create an open-tender process and publish its tender: bids close in 1 h, reveals in 2 h."""

    def open_(ocid: str = "ocds-test-tender-1") -> bytes:
        process_id = create_process(ocid)
        now = chain.pending_timestamp
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)
        return process_id

    return open_


@pytest.fixture
def awarded(ledger: Any, purchaser: Any, create_process: Callable[..., bytes]) -> Callable[..., bytes]:
    """A single-source process awarded to SUPPLIER_A_ORG for AWARD straight from Planning."""

    def award(ocid: str = "ocds-test-single-1", supplier_org: bytes = SUPPLIER_A_ORG, amount: int = AWARD) -> bytes:
        process_id = create_process(ocid, SINGLE_SOURCE)
        ledger.awardProcess(process_id, supplier_org, amount, doc("award"), sender=purchaser)
        return process_id

    return award


@pytest.fixture
def contracted(ledger: Any, purchaser: Any, awarded: Callable[..., bytes]) -> Callable[..., bytes]:
    """The awarded process with CONTRACT_ID signed for AWARD, scheduled as M1 and M2 (SCHEDULE)."""

    def sign(ocid: str = "ocds-test-single-1") -> bytes:
        process_id = awarded(ocid)
        ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)
        return process_id

    return sign


@pytest.fixture
def payable(ledger: Any, purchaser: Any, supplier_a: Any, contracted: Callable[..., bytes]) -> bytes:
    """A contract in Implementation whose milestone M1 supplier A delivered and the purchaser accepted."""
    process_id = contracted()
    ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
    ledger.recordMilestone(process_id, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
    return process_id


def commitment(process_id: bytes, bidder_org: bytes, amount: int, bid_doc: bytes, salt: bytes) -> bytes:
    """The sealed-bid commitment of a supplier organisation, computed in Python exactly as the contract does."""
    return keccak(
        encode(["bytes32", "bytes32", "uint96", "bytes32", "bytes32"], [process_id, bidder_org, amount, bid_doc, salt])
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
