"""Budget lines and the process lifecycle up to the tender: approval, creation, tender, amendment, cancellation.

Rules covered:
- approveBudget: finance bureaus only; the line's id is scopedId(bureau, budgetRef), so another bureau's same ref
  is another line; a resend reverts BudgetAlreadyRecorded before any other check; document, fiscal year, amount,
  currency and a non-empty list of registered purchaser organisations are required; budgetAllows answers for the
  purchaser organisations the line names.
- createProcess: the id is keccak256(ocid); a recorded ocid reverts ProcessAlreadyRecorded before any other check;
  purchasers only, not while their organisation is suspended; the ocid is 1 to 128 bytes and begins with a prefix
  registered to the purchaser's organisation; notice (and, for single source, rationale) documents are required;
  the budget line must exist and name the purchaser's organisation.
- openTender: any account of the purchaser's organisation, not while it is suspended; Planning stage and open
  tender only; the bid deadline is after now and the reveal deadline after the bid deadline.
- amendTender: numbered amendments before the bid deadline; a recorded amendment id reverts
  TenderAmendmentAlreadyRecorded before any other check; deadlines are only extended, reveal after bid.
- Stages only move forward; cancelProcess until the award (releasing its budget commitment), never after signing.
"""

from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.conftest import (
    ACCEPTANCE,
    AWARD,
    BUDGET_AMOUNT,
    BUDGET_ID,
    BUDGET_REF,
    DELIVERY,
    FINANCE_ORG,
    FINANCE_ROLE,
    HOUR,
    M1,
    OPEN_TENDER,
    OTHER_BUDGET_ID,
    OTHER_FINANCE_ORG,
    OTHER_PURCHASER_ORG,
    PURCHASER_ORG,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    UNKNOWN_PROCESS,
    ZERO_HASH,
    Stage,
    commitment,
    doc,
    org,
    reverts,
    scoped_id,
    selector,
    single_event,
)

NEW_BUDGET_REF = keccak(text="BUDGET-2027-002")
NEW_BUDGET_ID = scoped_id(FINANCE_ORG, NEW_BUDGET_REF)
AMENDMENT_1 = keccak(text="tender-amendment-1")
AMENDMENT_2 = keccak(text="tender-amendment-2")

APPROVE_BUDGET = selector("approveBudget(bytes32,uint16,uint96,bytes3,bytes32,bytes32[])")
CREATE_PROCESS = selector("createProcess(string,bytes32,uint8,bytes32,bytes32)")
OPEN_TENDER_CALL = selector("openTender(bytes32,uint64,uint64,bytes32)")
AMEND_TENDER = selector("amendTender(bytes32,bytes32,bytes32,bytes32,uint64,uint64)")
CANCEL_PROCESS = selector("cancelProcess(bytes32,bytes32)")

NOT_OF_THE_PURCHASER = ["other_purchaser", "finance", "supplier_a", "auditor", "outsider"]


def at(chain: Any, timestamp: int) -> int:
    """Make the next block (and any call against it) run at `timestamp`."""
    chain.pending_timestamp = timestamp
    return timestamp


def deadlines(ledger: Any, process_id: bytes) -> tuple[int, int]:
    """The bid and reveal deadlines of a process."""
    process = ledger.processOf(process_id)
    return process.bidDeadline, process.revealDeadline


def fields(struct: Any) -> dict[str, Any]:
    """A struct returned by a view, as a dict of its fields."""
    return dict(struct.items())


def new_process(**changes: Any) -> dict[str, Any]:
    """processOf of a process of PURCHASER_ORG just created on BUDGET_ID, with `changes`."""
    return {
        "budgetId": BUDGET_ID,
        "purchaserOrg": PURCHASER_ORG,
        "financeOrg": FINANCE_ORG,
        "supplierOrg": ZERO_HASH,
        "stage": Stage.PLANNING,
        "method": OPEN_TENDER,
        "bidDeadline": 0,
        "revealDeadline": 0,
        "bidCount": 0,
        "revealCount": 0,
        "openComplaints": 0,
        "awardAmount": 0,
        "tenderAmendments": 0,
    } | changes


def suspend_purchaser(ledger: Any, finance: Any) -> None:
    """FINANCE_ORG suspends PURCHASER_ORG."""
    ledger.suspendOrganisation(PURCHASER_ORG, doc("debarment"), sender=finance)


@pytest.fixture
def purchaser2(ledger: Any, admin: Any, accounts: Any) -> Any:
    """A second account of the purchaser's organisation, bound by the admin."""
    account = accounts[13]
    ledger.addOrganisationAccount(PURCHASER_ORG, account, sender=admin)
    return account


# ─── approveBudget ───────────────────────────────────────────────────────────────────────────────────


def test_finance_approves_budget_line_returns_scoped_id_and_emits_event(ledger, finance):
    purchasers = [PURCHASER_ORG, OTHER_PURCHASER_ORG]
    tx = ledger.approveBudget(NEW_BUDGET_REF, 2027, 5_000_00, b"EUR", doc("budget 2"), purchasers, sender=finance)
    assert tx.return_value == NEW_BUDGET_ID
    assert single_event(tx, ledger.BudgetApproved) == {
        "budgetId": NEW_BUDGET_ID,
        "financeOrg": FINANCE_ORG,
        "budgetRef": NEW_BUDGET_REF,
        "fiscalYear": 2027,
        "amount": 5_000_00,
        "currency": b"EUR",
        "docHash": doc("budget 2"),
        "purchaserOrgs": purchasers,
    }
    assert fields(ledger.budget(NEW_BUDGET_ID)) == {
        "amount": 5_000_00,
        "committed": 0,
        "fiscalYear": 2027,
        "currency": b"EUR",
        "financeOrg": FINANCE_ORG,
    }
    assert ledger.scopedId(FINANCE_ORG, NEW_BUDGET_REF) == NEW_BUDGET_ID


def test_budget_allows_only_the_purchaser_organisations_it_names(ledger, finance):
    assert ledger.budgetAllows(BUDGET_ID, PURCHASER_ORG)
    assert not ledger.budgetAllows(BUDGET_ID, OTHER_PURCHASER_ORG)
    assert ledger.budgetAllows(OTHER_BUDGET_ID, OTHER_PURCHASER_ORG)
    assert not ledger.budgetAllows(OTHER_BUDGET_ID, PURCHASER_ORG)
    assert not ledger.budgetAllows(NEW_BUDGET_ID, PURCHASER_ORG)
    ledger.approveBudget(NEW_BUDGET_REF, 2027, 100, b"CNY", doc("b"), [OTHER_PURCHASER_ORG], sender=finance)
    assert ledger.budgetAllows(NEW_BUDGET_ID, OTHER_PURCHASER_ORG)
    assert not ledger.budgetAllows(NEW_BUDGET_ID, PURCHASER_ORG)
    assert not ledger.budgetAllows(NEW_BUDGET_ID, FINANCE_ORG)


@pytest.mark.parametrize("caller", ["purchaser", "supplier_a", "auditor", "publisher", "outsider", "admin"])
def test_approve_budget_by_non_finance_reverts_unauthorized(ledger, request, caller):
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=FINANCE_ROLE):
        ledger.approveBudget(NEW_BUDGET_REF, 2026, 100, b"CNY", doc("b"), [PURCHASER_ORG], sender=account)
    assert ledger.budget(NEW_BUDGET_ID).fiscalYear == 0


@pytest.mark.parametrize(
    ("year", "amount", "doc_hash", "purchasers"),
    [
        (2027, 1, doc("again"), [PURCHASER_ORG]),
        (2026, BUDGET_AMOUNT, ZERO_HASH, [PURCHASER_ORG]),
        (0, 0, doc("again"), [PURCHASER_ORG]),
        (2026, BUDGET_AMOUNT, doc("again"), []),
        (2026, BUDGET_AMOUNT, doc("again"), [SUPPLIER_A_ORG]),
    ],
    ids=["other-fields", "zero-document", "invalid-fields", "no-purchasers", "non-purchaser"],
)
def test_approve_budget_resend_reverts_already_recorded_before_other_checks(
    ledger, finance, year, amount, doc_hash, purchasers
):
    with reverts(ledger.BudgetAlreadyRecorded, budgetId=BUDGET_ID):
        ledger.approveBudget(BUDGET_REF, year, amount, b"USD", doc_hash, purchasers, sender=finance)
    assert fields(ledger.budget(BUDGET_ID)) == {
        "amount": BUDGET_AMOUNT,
        "committed": 0,
        "fiscalYear": 2026,
        "currency": b"CNY",
        "financeOrg": FINANCE_ORG,
    }
    assert not ledger.budgetAllows(BUDGET_ID, SUPPLIER_A_ORG)


def test_same_budget_ref_by_another_bureau_is_another_line(ledger, other_finance):
    other_line = scoped_id(OTHER_FINANCE_ORG, BUDGET_REF)
    assert other_line != BUDGET_ID
    tx = ledger.approveBudget(BUDGET_REF, 2027, 7, b"EUR", doc("b"), [OTHER_PURCHASER_ORG], sender=other_finance)
    assert tx.return_value == other_line
    assert single_event(tx, ledger.BudgetApproved)["budgetId"] == other_line
    assert (ledger.budget(other_line).financeOrg, ledger.budget(other_line).amount) == (OTHER_FINANCE_ORG, 7)
    assert (ledger.budget(BUDGET_ID).financeOrg, ledger.budget(BUDGET_ID).amount) == (FINANCE_ORG, BUDGET_AMOUNT)
    assert not ledger.budgetAllows(BUDGET_ID, OTHER_PURCHASER_ORG)


def test_approve_budget_without_document_reverts_document_missing(ledger, finance):
    with reverts(ledger.DocumentHashMissing, action=APPROVE_BUDGET, argument=4):
        ledger.approveBudget(NEW_BUDGET_REF, 2026, 100, b"CNY", ZERO_HASH, [PURCHASER_ORG], sender=finance)


@pytest.mark.parametrize(
    ("year", "amount", "currency"),
    [(0, 100, b"CNY"), (2026, 0, b"CNY"), (2026, 100, bytes(3))],
    ids=["no-fiscal-year", "zero-amount", "no-currency"],
)
def test_approve_budget_with_invalid_fields_reverts_budget_invalid(ledger, finance, year, amount, currency):
    with reverts(ledger.BudgetInvalid, budgetId=NEW_BUDGET_ID, fiscalYear=year, amount=amount, currency=currency):
        ledger.approveBudget(NEW_BUDGET_REF, year, amount, currency, doc("b"), [PURCHASER_ORG], sender=finance)


def test_approve_budget_with_no_purchasers_reverts_purchaser_invalid(ledger, finance):
    with reverts(ledger.BudgetPurchaserInvalid, budgetId=NEW_BUDGET_ID, orgId=ZERO_HASH, index=0):
        ledger.approveBudget(NEW_BUDGET_REF, 2026, 100, b"CNY", doc("b"), [], sender=finance)


@pytest.mark.parametrize(
    ("purchasers", "index"),
    [
        ([PURCHASER_ORG, SUPPLIER_A_ORG], 1),
        ([FINANCE_ORG], 0),
        ([PURCHASER_ORG, OTHER_PURCHASER_ORG, org("UNREGISTERED-ORG")], 2),
        ([ZERO_HASH, PURCHASER_ORG], 0),
    ],
    ids=["supplier", "finance-bureau", "unregistered", "zero"],
)
def test_approve_budget_naming_a_non_purchaser_reverts_purchaser_invalid(ledger, finance, purchasers, index):
    with reverts(ledger.BudgetPurchaserInvalid, budgetId=NEW_BUDGET_ID, orgId=purchasers[index], index=index):
        ledger.approveBudget(NEW_BUDGET_REF, 2026, 100, b"CNY", doc("b"), purchasers, sender=finance)
    assert not ledger.budgetAllows(NEW_BUDGET_ID, PURCHASER_ORG)


# ─── createProcess ───────────────────────────────────────────────────────────────────────────────────


def test_purchaser_creates_open_tender_process_returns_ocid_hash_and_emits_event(ledger, purchaser):
    tx = ledger.createProcess("ocds-test-001", BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)
    process_id = keccak(text="ocds-test-001")
    assert tx.return_value == process_id
    assert single_event(tx, ledger.ProcessCreated) == {
        "processId": process_id,
        "budgetId": BUDGET_ID,
        "purchaserOrg": PURCHASER_ORG,
        "account": purchaser.address,
        "method": OPEN_TENDER,
        "docHash": doc("notice"),
        "rationaleHash": ZERO_HASH,
        "ocid": "ocds-test-001",
    }
    assert fields(ledger.processOf(process_id)) == new_process()
    assert ledger.processIdOf("ocds-test-001") == process_id


def test_single_source_process_records_method_and_rationale(ledger, purchaser):
    tx = ledger.createProcess("ocds-test-ss", BUDGET_ID, SINGLE_SOURCE, doc("notice"), doc("why"), sender=purchaser)
    process_id = keccak(text="ocds-test-ss")
    assert single_event(tx, ledger.ProcessCreated) == {
        "processId": process_id,
        "budgetId": BUDGET_ID,
        "purchaserOrg": PURCHASER_ORG,
        "account": purchaser.address,
        "method": SINGLE_SOURCE,
        "docHash": doc("notice"),
        "rationaleHash": doc("why"),
        "ocid": "ocds-test-ss",
    }
    assert fields(ledger.processOf(process_id)) == new_process(method=SINGLE_SOURCE)


def test_open_tender_process_may_carry_a_rationale(ledger, purchaser):
    tx = ledger.createProcess("ocds-test-r", BUDGET_ID, OPEN_TENDER, doc("notice"), doc("why"), sender=purchaser)
    assert single_event(tx, ledger.ProcessCreated)["rationaleHash"] == doc("why")


def test_second_account_of_purchaser_org_creates_process_for_the_organisation(ledger, purchaser2):
    tx = ledger.createProcess("ocds-test-2nd", BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser2)
    args = single_event(tx, ledger.ProcessCreated)
    assert (args["purchaserOrg"], args["account"]) == (PURCHASER_ORG, purchaser2.address)
    assert fields(ledger.processOf(keccak(text="ocds-test-2nd"))) == new_process()


def test_process_on_a_line_naming_two_purchasers_belongs_to_the_creator_and_the_lines_bureau(
    ledger, finance, other_purchaser
):
    ledger.approveBudget(
        NEW_BUDGET_REF, 2027, 100, b"CNY", doc("b"), [PURCHASER_ORG, OTHER_PURCHASER_ORG], sender=finance
    )
    tx = ledger.createProcess("ocds-other-1", NEW_BUDGET_ID, OPEN_TENDER, doc("n"), ZERO_HASH, sender=other_purchaser)
    assert single_event(tx, ledger.ProcessCreated)["purchaserOrg"] == OTHER_PURCHASER_ORG
    assert fields(ledger.processOf(keccak(text="ocds-other-1"))) == new_process(
        budgetId=NEW_BUDGET_ID, purchaserOrg=OTHER_PURCHASER_ORG, financeOrg=FINANCE_ORG
    )


@pytest.mark.parametrize("caller", ["purchaser", "other_purchaser", "supplier_a", "outsider"])
def test_create_process_with_recorded_ocid_reverts_already_recorded_before_other_checks(
    ledger, create_process, request, caller
):
    process_id = create_process("ocds-test-dup")
    account = request.getfixturevalue(caller)
    with reverts(ledger.ProcessAlreadyRecorded, processId=process_id):
        ledger.createProcess("ocds-test-dup", OTHER_BUDGET_ID, SINGLE_SOURCE, ZERO_HASH, ZERO_HASH, sender=account)
    assert fields(ledger.processOf(process_id)) == new_process()


def test_create_process_resend_by_suspended_purchaser_reverts_already_recorded(
    ledger, finance, purchaser, create_process
):
    process_id = create_process("ocds-test-dup")
    suspend_purchaser(ledger, finance)
    with reverts(ledger.ProcessAlreadyRecorded, processId=process_id):
        ledger.createProcess("ocds-test-dup", BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)


@pytest.mark.parametrize("caller", ["finance", "supplier_a", "auditor", "publisher", "outsider", "admin"])
def test_create_process_by_non_purchaser_reverts_unauthorized(ledger, request, caller):
    account = request.getfixturevalue(caller)
    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=PURCHASER_ROLE):
        ledger.createProcess("ocds-test-x", BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=account)
    assert ledger.processOf(keccak(text="ocds-test-x")).stage == Stage.NONE


def test_create_process_by_suspended_purchaser_reverts_under_suspension(ledger, finance, purchaser, purchaser2):
    suspend_purchaser(ledger, finance)
    for account in (purchaser, purchaser2):
        with reverts(ledger.OrganisationUnderSuspension, orgId=PURCHASER_ORG, suspendedBy=FINANCE_ORG):
            ledger.createProcess("ocds-test-x", BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=account)
    ledger.reinstateOrganisation(PURCHASER_ORG, doc("reinstatement"), sender=finance)
    ledger.createProcess("ocds-test-x", BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)
    assert ledger.processOf(keccak(text="ocds-test-x")).stage == Stage.PLANNING


@pytest.mark.parametrize("ocid", ["", "ocds-test-" + "x" * 119], ids=["empty", "129-bytes"])
def test_create_process_with_invalid_ocid_length_reverts_invalid_ocid(ledger, purchaser, ocid):
    with reverts(ledger.ProcessInvalidOcid, ocid=ocid, length=len(ocid), maxLength=128):
        ledger.createProcess(ocid, BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)


def test_create_process_with_longest_ocid_works(ledger, purchaser):
    ocid = "ocds-test-" + "x" * 118
    assert len(ocid) == 128
    ledger.createProcess(ocid, BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)
    assert ledger.processOf(keccak(text=ocid)).stage == Stage.PLANNING


@pytest.mark.parametrize(
    ("ocid", "owner"),
    [
        ("ocds-other-1", OTHER_PURCHASER_ORG),
        ("ocds-other-test-1", OTHER_PURCHASER_ORG),
        ("unprefixed-1", ZERO_HASH),
        ("ocds-test", ZERO_HASH),
        ("ocds-testing-1", ZERO_HASH),
        ("ocds-1", ZERO_HASH),
    ],
    ids=["another-purchasers-prefix", "prefix-in-local-id", "no-prefix", "prefix-without-dash", "longer-word", "stem"],
)
def test_create_process_with_ocid_not_under_own_prefix_reverts_not_owned(ledger, purchaser, ocid, owner):
    with reverts(ledger.ProcessOcidNotOwned, ocid=ocid, prefixOwner=owner, callerOrg=PURCHASER_ORG):
        ledger.createProcess(ocid, BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)


def test_other_purchaser_cannot_open_ocid_under_our_prefix(ledger, other_purchaser):
    with reverts(
        ledger.ProcessOcidNotOwned, ocid="ocds-test-9", prefixOwner=PURCHASER_ORG, callerOrg=OTHER_PURCHASER_ORG
    ):
        ledger.createProcess("ocds-test-9", OTHER_BUDGET_ID, OPEN_TENDER, doc("n"), ZERO_HASH, sender=other_purchaser)
    ledger.createProcess("ocds-other-9", OTHER_BUDGET_ID, OPEN_TENDER, doc("n"), ZERO_HASH, sender=other_purchaser)
    assert fields(ledger.processOf(keccak(text="ocds-other-9"))) == new_process(
        budgetId=OTHER_BUDGET_ID, purchaserOrg=OTHER_PURCHASER_ORG, financeOrg=OTHER_FINANCE_ORG
    )


@pytest.mark.parametrize("method", [OPEN_TENDER, SINGLE_SOURCE], ids=["open-tender", "single-source"])
def test_create_process_without_notice_reverts_document_missing(ledger, purchaser, method):
    with reverts(ledger.DocumentHashMissing, action=CREATE_PROCESS, argument=3):
        ledger.createProcess("ocds-test-x", BUDGET_ID, method, ZERO_HASH, doc("why"), sender=purchaser)


def test_single_source_without_rationale_reverts_document_missing(ledger, purchaser):
    with reverts(ledger.DocumentHashMissing, action=CREATE_PROCESS, argument=4):
        ledger.createProcess("ocds-test-ss", BUDGET_ID, SINGLE_SOURCE, doc("notice"), ZERO_HASH, sender=purchaser)


def test_create_process_on_unknown_budget_reverts_budget_unknown(ledger, purchaser):
    with reverts(ledger.BudgetUnknown, budgetId=NEW_BUDGET_ID):
        ledger.createProcess("ocds-test-x", NEW_BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)


def test_create_process_on_a_line_not_naming_the_purchaser_reverts_not_for_purchaser(ledger, purchaser):
    with reverts(ledger.BudgetNotForPurchaser, budgetId=OTHER_BUDGET_ID, purchaserOrg=PURCHASER_ORG):
        ledger.createProcess("ocds-test-x", OTHER_BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)


# ─── openTender ──────────────────────────────────────────────────────────────────────────────────────


def test_purchaser_opens_tender_and_emits_event(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    tx = ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)
    assert single_event(tx, ledger.TenderOpened) == {
        "processId": process_id,
        "bidDeadline": now + HOUR,
        "revealDeadline": now + 2 * HOUR,
        "docHash": doc("tender"),
    }
    assert fields(ledger.processOf(process_id)) == new_process(
        stage=Stage.TENDER, bidDeadline=now + HOUR, revealDeadline=now + 2 * HOUR
    )


def test_second_account_of_purchaser_org_runs_the_process(ledger, purchaser2, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser2)
    ledger.amendTender(
        process_id, AMENDMENT_1, doc("amend"), doc("why"), now + 2 * HOUR, now + 3 * HOUR, sender=purchaser2
    )
    tx = ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser2)
    assert single_event(tx, ledger.ProcessCancelled)["fromStage"] == Stage.TENDER
    assert fields(ledger.processOf(process_id)) == new_process(
        stage=Stage.CANCELLED, bidDeadline=now + 2 * HOUR, revealDeadline=now + 3 * HOUR, tenderAmendments=1
    )


@pytest.mark.parametrize("caller", NOT_OF_THE_PURCHASER)
def test_open_tender_by_account_not_of_the_purchaser_org_reverts_not_purchaser(
    ledger, chain, create_process, request, caller
):
    process_id = create_process()
    account = request.getfixturevalue(caller)
    now = chain.pending_timestamp
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=account.address, purchaserOrg=PURCHASER_ORG):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=account)
    assert ledger.processOf(process_id).stage == Stage.PLANNING


def test_open_tender_by_removed_purchaser_account_reverts_not_purchaser(
    ledger, admin, purchaser, chain, create_process
):
    process_id = create_process()
    ledger.removeOrganisationAccount(PURCHASER_ORG, purchaser, sender=admin)
    now = chain.pending_timestamp
    with reverts(
        ledger.ProcessNotPurchaser, processId=process_id, account=purchaser.address, purchaserOrg=PURCHASER_ORG
    ):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


def test_open_tender_by_suspended_purchaser_reverts_under_suspension(ledger, finance, purchaser, chain, create_process):
    process_id = create_process()
    suspend_purchaser(ledger, finance)
    now = chain.pending_timestamp
    with reverts(ledger.OrganisationUnderSuspension, orgId=PURCHASER_ORG, suspendedBy=FINANCE_ORG):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.PLANNING


def test_open_tender_on_unknown_process_reverts_process_unknown(ledger, purchaser, chain):
    now = chain.pending_timestamp
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.openTender(UNKNOWN_PROCESS, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


def test_open_tender_on_single_source_reverts_wrong_method(ledger, purchaser, chain, create_process):
    process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)
    now = chain.pending_timestamp
    with reverts(ledger.ProcessWrongMethod, processId=process_id, method=SINGLE_SOURCE):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


def test_open_tender_without_document_reverts_document_missing(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    with reverts(ledger.DocumentHashMissing, action=OPEN_TENDER_CALL, argument=3):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, ZERO_HASH, sender=purchaser)


@pytest.mark.parametrize(
    ("bid_offset", "reveal_offset"),
    [(0, HOUR), (-1, HOUR), (HOUR, HOUR), (HOUR, HOUR - 1)],
    ids=["bid-now", "bid-past", "reveal-equals-bid", "reveal-before-bid"],
)
def test_open_tender_with_invalid_deadlines_reverts_invalid_deadlines(
    ledger, purchaser, chain, create_process, bid_offset, reveal_offset
):
    process_id = create_process()
    now = at(chain, chain.pending_timestamp + 10)
    bid, reveal = now + bid_offset, now + reveal_offset
    with reverts(ledger.TenderInvalidDeadlines, bidDeadline=bid, revealDeadline=reveal, now=now):
        ledger.openTender(process_id, bid, reveal, doc("tender"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.PLANNING


def test_open_tender_with_tightest_valid_deadlines_works(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = at(chain, chain.pending_timestamp + 10)
    ledger.openTender(process_id, now + 1, now + 2, doc("tender"), sender=purchaser)
    assert deadlines(ledger, process_id) == (now + 1, now + 2)


# ─── amendTender ─────────────────────────────────────────────────────────────────────────────────────


def test_amend_tender_extends_deadlines_numbers_amendments_and_emits_event(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    tx = ledger.amendTender(
        process_id, AMENDMENT_1, doc("amend 1"), doc("why 1"), bid + HOUR, reveal + HOUR, sender=purchaser
    )
    assert single_event(tx, ledger.TenderAmended) == {
        "processId": process_id,
        "amendmentId": AMENDMENT_1,
        "number": 1,
        "docHash": doc("amend 1"),
        "rationaleHash": doc("why 1"),
        "bidDeadline": bid + HOUR,
        "revealDeadline": reveal + HOUR,
    }
    assert fields(ledger.processOf(process_id)) == new_process(
        stage=Stage.TENDER, bidDeadline=bid + HOUR, revealDeadline=reveal + HOUR, tenderAmendments=1
    )
    tx = ledger.amendTender(
        process_id, AMENDMENT_2, doc("amend 2"), doc("why 2"), bid + HOUR, reveal + 2 * HOUR, sender=purchaser
    )
    assert single_event(tx, ledger.TenderAmended) == {
        "processId": process_id,
        "amendmentId": AMENDMENT_2,
        "number": 2,
        "docHash": doc("amend 2"),
        "rationaleHash": doc("why 2"),
        "bidDeadline": bid + HOUR,
        "revealDeadline": reveal + 2 * HOUR,
    }
    assert ledger.processOf(process_id).tenderAmendments == 2


def test_amend_tender_keeping_the_deadlines_works(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    tx = ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid, reveal, sender=purchaser)
    assert single_event(tx, ledger.TenderAmended)["number"] == 1
    assert deadlines(ledger, process_id) == (bid, reveal)


def test_amend_tender_in_the_last_second_before_bid_deadline_works(ledger, purchaser, chain, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    at(chain, bid - 1)
    ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid + HOUR, reveal + HOUR, sender=purchaser)
    assert deadlines(ledger, process_id) == (bid + HOUR, reveal + HOUR)


def test_extended_bid_deadline_accepts_bids_after_the_original_deadline(
    ledger, purchaser, supplier_a, chain, open_tender
):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid + HOUR, reveal + HOUR, sender=purchaser)
    at(chain, bid + 1)
    sealed = commitment(process_id, SUPPLIER_A_ORG, 100, doc("bid"), doc("salt"))
    ledger.commitBid(process_id, sealed, sender=supplier_a)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).commitment == sealed


@pytest.mark.parametrize("after", [0, 1], ids=["at-deadline", "after-deadline"])
def test_amend_tender_at_or_after_bid_deadline_reverts_deadline_passed(ledger, purchaser, chain, open_tender, after):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    now = at(chain, bid + after)
    with reverts(ledger.TenderDeadlinePassed, processId=process_id, bidDeadline=bid, now=now):
        ledger.amendTender(
            process_id, AMENDMENT_1, doc("amend"), doc("why"), bid + HOUR, reveal + HOUR, sender=purchaser
        )
    assert deadlines(ledger, process_id) == (bid, reveal)


@pytest.mark.parametrize("resend", ["same", "after-bid-deadline", "zero-documents", "shortened"])
def test_amend_tender_resend_reverts_already_recorded_before_other_checks(
    ledger, purchaser, chain, open_tender, resend
):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid + HOUR, reveal + HOUR, sender=purchaser)
    args = [doc("amend"), doc("why"), bid + HOUR, reveal + HOUR]
    if resend == "after-bid-deadline":
        at(chain, bid + 2 * HOUR)
    elif resend == "zero-documents":
        args[:2] = [ZERO_HASH, ZERO_HASH]
    elif resend == "shortened":
        args[2:] = [bid, reveal]
    with reverts(ledger.TenderAmendmentAlreadyRecorded, processId=process_id, amendmentId=AMENDMENT_1):
        ledger.amendTender(process_id, AMENDMENT_1, *args, sender=purchaser)
    assert ledger.processOf(process_id).tenderAmendments == 1
    assert deadlines(ledger, process_id) == (bid + HOUR, reveal + HOUR)


def test_same_amendment_id_on_another_process_is_another_amendment(ledger, purchaser, open_tender):
    first, second = open_tender("ocds-test-tender-1"), open_tender("ocds-test-tender-2")
    for process_id in (first, second):
        bid, reveal = deadlines(ledger, process_id)
        tx = ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid, reveal, sender=purchaser)
        assert single_event(tx, ledger.TenderAmended)["number"] == 1


@pytest.mark.parametrize("which", ["bid", "reveal"])
def test_amend_tender_shortening_a_deadline_reverts_deadline_shortened(ledger, purchaser, open_tender, which):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    new_bid, new_reveal = (bid - 1, reveal) if which == "bid" else (bid, reveal - 1)
    old, new = (bid, new_bid) if which == "bid" else (reveal, new_reveal)
    with reverts(ledger.TenderDeadlineShortened, processId=process_id, oldDeadline=old, newDeadline=new):
        ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), new_bid, new_reveal, sender=purchaser)


def test_amend_tender_moving_bid_deadline_onto_reveal_deadline_reverts_invalid_deadlines(
    ledger, purchaser, chain, open_tender
):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    now = at(chain, bid - 10)
    with reverts(ledger.TenderInvalidDeadlines, bidDeadline=reveal, revealDeadline=reveal, now=now):
        ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), reveal, reveal, sender=purchaser)
    assert deadlines(ledger, process_id) == (bid, reveal)


def test_amend_tender_moving_bid_deadline_to_one_second_before_reveal_works(ledger, purchaser, open_tender):
    process_id = open_tender()
    _, reveal = deadlines(ledger, process_id)
    ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), reveal - 1, reveal, sender=purchaser)
    assert deadlines(ledger, process_id) == (reveal - 1, reveal)


@pytest.mark.parametrize(
    ("doc_hash", "rationale", "argument"),
    [(ZERO_HASH, doc("why"), 2), (doc("amend"), ZERO_HASH, 3)],
    ids=["no-document", "no-rationale"],
)
def test_amend_tender_without_documents_reverts_document_missing(
    ledger, purchaser, open_tender, doc_hash, rationale, argument
):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    with reverts(ledger.DocumentHashMissing, action=AMEND_TENDER, argument=argument):
        ledger.amendTender(process_id, AMENDMENT_1, doc_hash, rationale, bid, reveal, sender=purchaser)


@pytest.mark.parametrize("caller", NOT_OF_THE_PURCHASER)
def test_amend_tender_by_account_not_of_the_purchaser_org_reverts_not_purchaser(ledger, open_tender, request, caller):
    process_id = open_tender()
    account = request.getfixturevalue(caller)
    bid, reveal = deadlines(ledger, process_id)
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=account.address, purchaserOrg=PURCHASER_ORG):
        ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid, reveal, sender=account)
    assert ledger.processOf(process_id).tenderAmendments == 0


def test_amend_tender_in_planning_reverts_wrong_stage(ledger, purchaser, chain, create_process):
    process_id = create_process()
    now = chain.pending_timestamp
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.PLANNING, required=Stage.TENDER):
        ledger.amendTender(
            process_id, AMENDMENT_1, doc("amend"), doc("why"), now + HOUR, now + 2 * HOUR, sender=purchaser
        )


def test_amend_tender_of_unknown_process_reverts_process_unknown(ledger, purchaser, chain):
    now = chain.pending_timestamp
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.amendTender(
            UNKNOWN_PROCESS, AMENDMENT_1, doc("amend"), doc("why"), now + HOUR, now + 2 * HOUR, sender=purchaser
        )


# ─── Stages only move forward ────────────────────────────────────────────────────────────────────────


def test_open_tender_twice_reverts_wrong_stage(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.TENDER, required=Stage.PLANNING):
        ledger.openTender(process_id, bid + HOUR, reveal + HOUR, doc("tender again"), sender=purchaser)
    assert deadlines(ledger, process_id) == (bid, reveal)


def test_cancelled_process_cannot_reopen_tender(ledger, purchaser, chain, create_process):
    process_id = create_process()
    ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    now = chain.pending_timestamp
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.CANCELLED, required=Stage.PLANNING):
        ledger.openTender(process_id, now + HOUR, now + 2 * HOUR, doc("tender"), sender=purchaser)


def test_cancelled_tender_cannot_be_amended(ledger, purchaser, open_tender):
    process_id = open_tender()
    bid, reveal = deadlines(ledger, process_id)
    ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    with reverts(ledger.ProcessWrongStage, processId=process_id, current=Stage.CANCELLED, required=Stage.TENDER):
        ledger.amendTender(process_id, AMENDMENT_1, doc("amend"), doc("why"), bid, reveal, sender=purchaser)


# ─── cancelProcess ───────────────────────────────────────────────────────────────────────────────────


def before_award(ledger: Any, purchaser: Any, chain: Any, open_tender: Any, stage: int) -> bytes:
    """An open-tender process brought to Planning, Tender or Evaluation."""
    if stage == Stage.PLANNING:
        ocid = "ocds-test-planning"
        ledger.createProcess(ocid, BUDGET_ID, OPEN_TENDER, doc("notice"), ZERO_HASH, sender=purchaser)
        return keccak(text=ocid)
    process_id = open_tender()
    if stage == Stage.EVALUATION:
        at(chain, deadlines(ledger, process_id)[1])
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
    return process_id


@pytest.mark.parametrize("stage", [Stage.PLANNING, Stage.TENDER, Stage.EVALUATION])
def test_cancel_before_award_emits_event_and_commits_nothing(ledger, purchaser, chain, open_tender, stage):
    process_id = before_award(ledger, purchaser, chain, open_tender, stage)
    assert ledger.processOf(process_id).stage == stage
    tx = ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert single_event(tx, ledger.ProcessCancelled) == {
        "processId": process_id,
        "fromStage": stage,
        "docHash": doc("cancel"),
    }
    assert ledger.BudgetCommitmentChanged.from_receipt(tx) == []
    assert ledger.processOf(process_id).stage == Stage.CANCELLED
    assert ledger.budget(BUDGET_ID).committed == 0


def test_cancel_awarded_process_releases_its_budget_commitment(ledger, purchaser, create_process, awarded):
    process_id = awarded()
    assert ledger.budget(BUDGET_ID).committed == AWARD
    second = create_process("ocds-test-single-2", SINGLE_SOURCE)
    with reverts(ledger.BudgetExceeded, budgetId=BUDGET_ID, requested=BUDGET_AMOUNT, remaining=BUDGET_AMOUNT - AWARD):
        ledger.awardProcess(second, SUPPLIER_A_ORG, BUDGET_AMOUNT, doc("award"), sender=purchaser)
    tx = ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert single_event(tx, ledger.BudgetCommitmentChanged) == {
        "budgetId": BUDGET_ID,
        "processId": process_id,
        "committed": 0,
    }
    assert single_event(tx, ledger.ProcessCancelled) == {
        "processId": process_id,
        "fromStage": Stage.AWARDED,
        "docHash": doc("cancel"),
    }
    assert ledger.budget(BUDGET_ID).committed == 0
    assert fields(ledger.processOf(process_id)) == new_process(
        stage=Stage.CANCELLED, method=SINGLE_SOURCE, supplierOrg=SUPPLIER_A_ORG, awardAmount=AWARD
    )
    ledger.awardProcess(second, SUPPLIER_A_ORG, BUDGET_AMOUNT, doc("award"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == BUDGET_AMOUNT


@pytest.mark.parametrize(
    "stage",
    [Stage.CONTRACTED, Stage.IMPLEMENTATION, Stage.TERMINATED, Stage.CANCELLED],
    ids=["contracted", "implementation", "terminated", "cancelled"],
)
def test_cancel_after_contract_signed_or_once_final_reverts_not_cancellable(
    ledger, purchaser, supplier_a, create_process, contracted, stage
):
    if stage == Stage.CANCELLED:
        process_id = create_process()
        ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    else:
        process_id = contracted()
        if stage == Stage.IMPLEMENTATION:
            ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
        elif stage == Stage.TERMINATED:
            ledger.terminateContract(process_id, doc("termination"), sender=purchaser)
    committed = ledger.budget(BUDGET_ID).committed
    assert ledger.processOf(process_id).stage == stage
    with reverts(ledger.ProcessNotCancellable, processId=process_id, current=stage):
        ledger.cancelProcess(process_id, doc("cancel again"), sender=purchaser)
    assert ledger.processOf(process_id).stage == stage
    assert ledger.budget(BUDGET_ID).committed == committed


def test_cancel_after_acceptance_reverts_not_cancellable(ledger, purchaser, supplier_a, contracted):
    process_id = contracted()
    ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery M1"), sender=supplier_a)
    ledger.recordMilestone(process_id, M1, ACCEPTANCE, doc("acceptance M1"), sender=purchaser)
    with reverts(ledger.ProcessNotCancellable, processId=process_id, current=Stage.IMPLEMENTATION):
        ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert ledger.budget(BUDGET_ID).committed == AWARD


@pytest.mark.parametrize("caller", [*NOT_OF_THE_PURCHASER, "supplier_b"])
def test_cancel_by_account_not_of_the_purchaser_org_reverts_not_purchaser(ledger, awarded, request, caller):
    process_id = awarded()
    account = request.getfixturevalue(caller)
    with reverts(ledger.ProcessNotPurchaser, processId=process_id, account=account.address, purchaserOrg=PURCHASER_ORG):
        ledger.cancelProcess(process_id, doc("cancel"), sender=account)
    assert ledger.processOf(process_id).stage == Stage.AWARDED
    assert ledger.budget(BUDGET_ID).committed == AWARD


def test_suspended_purchaser_still_cancels_its_process(ledger, finance, purchaser, awarded):
    process_id = awarded()
    suspend_purchaser(ledger, finance)
    tx = ledger.cancelProcess(process_id, doc("cancel"), sender=purchaser)
    assert single_event(tx, ledger.ProcessCancelled)["fromStage"] == Stage.AWARDED
    assert ledger.budget(BUDGET_ID).committed == 0


def test_cancel_without_document_reverts_document_missing(ledger, purchaser, create_process):
    process_id = create_process()
    with reverts(ledger.DocumentHashMissing, action=CANCEL_PROCESS, argument=1):
        ledger.cancelProcess(process_id, ZERO_HASH, sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.PLANNING


def test_cancel_unknown_process_reverts_process_unknown(ledger, purchaser):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.cancelProcess(UNKNOWN_PROCESS, doc("cancel"), sender=purchaser)


def test_process_of_unknown_id_is_empty(ledger):
    assert fields(ledger.processOf(UNKNOWN_PROCESS)) == new_process(
        budgetId=ZERO_HASH, purchaserOrg=ZERO_HASH, financeOrg=ZERO_HASH, stage=Stage.NONE
    )
    assert fields(ledger.budget(NEW_BUDGET_ID)) == {
        "amount": 0,
        "committed": 0,
        "fiscalYear": 0,
        "currency": bytes(3),
        "financeOrg": ZERO_HASH,
    }
