"""Complaints and audit notes (Contracts 2.0). Evaluation and award are in test_evaluation_and_award.py.

Rules covered, each with a passing case and a reverting one naming the custom error with all its arguments:

- fileComplaint(processId, complaintRef, docHash): suppliers only; the id is scopedId(complainantOrg, ref). Standing:
  any registered supplier while the terms are open (Planning, Tender before the bid deadline, single source until
  signing), afterwards only organisations that committed a bid; nobody once the contract is signed or the process
  cancelled. At most MAX_OPEN_COMPLAINTS_PER_ORGANISATION open per organisation per process, also within one
  multicall. A resend reverts ComplaintAlreadyRecorded, checked first. Open complaints pause award and signing.
- resolveComplaint: only the finance bureau of the process's budget line; an outcome among Dismissed, Upheld and
  Withdrawn; only an open complaint.
- recordAuditNote(processId, noteRef, findingsHash): auditors only; the id is scopedId(auditorOrg, ref), and a resend
  reverts AuditNoteAlreadyRecorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.bid_helpers import SALT, at, bid_doc, commit
from tests.contracts.conftest import (
    ACCEPTANCE,
    AUDITOR_ORG,
    AUDITOR_ROLE,
    AWARD,
    COMPLAINT_NONE,
    CONTRACT_ID,
    DELIVERY,
    DISMISSED,
    FINANCE_ORG,
    M1,
    M2,
    OPEN,
    SCHEDULE,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    SUPPLIER_ROLE,
    UNKNOWN_PROCESS,
    UPHELD,
    WITHDRAWN,
    ZERO_HASH,
    Stage,
    doc,
    reverts,
    scoped_id,
    selector,
    single_event,
)

COMPLAINT_REF = keccak(text="complaint-1")
NOTE_REF = keccak(text="audit-note-1")
MAX_OPEN_COMPLAINTS = 3

# Selectors as DocumentHashMissing reports them.
FILE_COMPLAINT = selector("fileComplaint(bytes32,bytes32,bytes32)")
RESOLVE_COMPLAINT = selector("resolveComplaint(bytes32,bytes32,uint8,bytes32)")
RECORD_AUDIT_NOTE = selector("recordAuditNote(bytes32,bytes32,bytes32)")


def file(ledger: Any, process_id: bytes, account: Any, ref: bytes = COMPLAINT_REF) -> Any:
    """File a complaint under `ref` for `account`'s organisation."""
    return ledger.fileComplaint(process_id, ref, doc(f"complaint {ref.hex()}"), sender=account)


def ref(number: int) -> bytes:
    return keccak(text=f"complaint-{number}")


@pytest.fixture
def tender_with_bids(
    ledger: Any, supplier_a: Any, supplier_b: Any, open_tender: Callable[..., bytes]
) -> Callable[[], bytes]:
    """An open tender where supplier A's organisation committed 900 and supplier B's 800, before the bid deadline."""

    def make() -> bytes:
        process_id = open_tender()
        commit(ledger, process_id, supplier_a, 900)
        commit(ledger, process_id, supplier_b, 800)
        return process_id

    return make


# ─── Complaints: filing ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("who", "complainant_org"),
    [("supplier_a", SUPPLIER_A_ORG), ("supplier_a2", SUPPLIER_A_ORG), ("supplier_b", SUPPLIER_B_ORG)],
)
def test_supplier_files_complaint_under_an_id_scoped_to_its_organisation(
    ledger, create_process, request, who, complainant_org
):
    process_id = create_process()
    complaint_id = scoped_id(complainant_org, COMPLAINT_REF)
    assert ledger.scopedId(complainant_org, COMPLAINT_REF) == complaint_id

    tx = ledger.fileComplaint(process_id, COMPLAINT_REF, doc("complaint"), sender=request.getfixturevalue(who))

    assert single_event(tx, ledger.ComplaintFiled) == {
        "processId": process_id,
        "complaintId": complaint_id,
        "complainantOrg": complainant_org,
        "complaintRef": COMPLAINT_REF,
        "docHash": doc("complaint"),
    }
    assert ledger.complaintOf(process_id, complaint_id) == (complainant_org, OPEN)
    assert ledger.processOf(process_id).openComplaints == 1


def test_two_organisations_may_use_the_same_complaint_reference(ledger, supplier_a, supplier_b, create_process):
    process_id = create_process()
    file(ledger, process_id, supplier_a)

    tx = file(ledger, process_id, supplier_b)

    assert single_event(tx, ledger.ComplaintFiled)["complaintId"] == scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF)
    assert ledger.complaintOf(process_id, scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)) == (SUPPLIER_A_ORG, OPEN)
    assert ledger.complaintOf(process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF)) == (SUPPLIER_B_ORG, OPEN)
    assert ledger.processOf(process_id).openComplaints == 2


def test_complaint_of_nobody_reads_as_none(ledger, create_process):
    process_id = create_process()

    assert ledger.complaintOf(process_id, scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)) == (ZERO_HASH, COMPLAINT_NONE)


@pytest.mark.parametrize("who", ["auditor", "purchaser", "finance", "publisher", "outsider"])
def test_complaint_by_a_non_supplier_reverts_unauthorized(ledger, create_process, request, who):
    process_id = create_process()
    account = request.getfixturevalue(who)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=SUPPLIER_ROLE):
        ledger.fileComplaint(process_id, COMPLAINT_REF, doc("complaint"), sender=account)

    assert ledger.processOf(process_id).openComplaints == 0


def test_complaint_resent_reverts_already_recorded_also_after_it_was_resolved(
    ledger, finance, supplier_a, supplier_a2, create_process
):
    process_id = create_process()
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)
    file(ledger, process_id, supplier_a)

    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=complaint_id):
        file(ledger, process_id, supplier_a2)
    ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=finance)
    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=complaint_id):
        file(ledger, process_id, supplier_a)

    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, DISMISSED)
    assert ledger.processOf(process_id).openComplaints == 0


def test_complaint_resent_after_signing_reverts_already_recorded_before_the_window_check(
    ledger, purchaser, finance, supplier_b, awarded
):
    process_id = awarded()
    complaint_id = scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF)
    file(ledger, process_id, supplier_b)
    ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=finance)
    ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)

    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=complaint_id):
        file(ledger, process_id, supplier_b)


def test_complaint_on_unknown_process_reverts_process_unknown(ledger, supplier_a):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        file(ledger, UNKNOWN_PROCESS, supplier_a)


def test_complaint_without_document_reverts_document_missing(ledger, supplier_a, create_process):
    process_id = create_process()

    with reverts(ledger.DocumentHashMissing, action=FILE_COMPLAINT, argument=2):
        ledger.fileComplaint(process_id, COMPLAINT_REF, ZERO_HASH, sender=supplier_a)


# ─── Complaints: standing ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "when", ["open-tender-planning", "single-source-planning", "single-source-awarded"], ids=lambda when: when
)
def test_any_registered_supplier_files_while_the_terms_are_open(
    ledger, purchaser, supplier_c, create_process, awarded, when
):
    if when == "open-tender-planning":
        process_id = create_process()
    elif when == "single-source-planning":
        process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)
    else:
        process_id = awarded()
    stage = ledger.processOf(process_id).stage

    tx = file(ledger, process_id, supplier_c)

    assert single_event(tx, ledger.ComplaintFiled)["complainantOrg"] == SUPPLIER_C_ORG
    assert ledger.processOf(process_id).stage == stage


def test_any_supplier_files_until_the_bid_deadline_and_only_bidders_from_it(
    ledger, supplier_b, supplier_c, chain, tender_with_bids
):
    process_id = tender_with_bids()
    deadline = ledger.processOf(process_id).bidDeadline

    at(chain, deadline - 1)
    file(ledger, process_id, supplier_c, ref(1))
    at(chain, deadline)
    with reverts(ledger.ComplaintNoStanding, processId=process_id, complainantOrg=SUPPLIER_C_ORG, stage=Stage.TENDER):
        file(ledger, process_id, supplier_c, ref(2))
    at(chain, deadline)
    file(ledger, process_id, supplier_b, ref(2))

    assert ledger.processOf(process_id).openComplaints == 2


@pytest.fixture
def tender_past_terms(
    ledger: Any, purchaser: Any, supplier_a: Any, chain: Any, tender_with_bids: Callable[[], bytes]
) -> Callable[[int], bytes]:
    """The tender of `tender_with_bids` brought past its bid deadline to `stage`: only A's bid is ever revealed."""

    def make(stage: int) -> bytes:
        process_id = tender_with_bids()
        process = ledger.processOf(process_id)
        at(chain, process.bidDeadline)
        if stage == Stage.TENDER:
            return process_id
        ledger.revealBid(process_id, 900, bid_doc(900), SALT, sender=supplier_a)
        at(chain, process.revealDeadline)
        ledger.recordEvaluation(process_id, doc("report"), sender=purchaser)
        if stage == Stage.AWARDED:
            ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
        assert ledger.processOf(process_id).stage == stage
        return process_id

    return make


PAST_TERMS = pytest.mark.parametrize(
    "stage", [Stage.TENDER, Stage.EVALUATION, Stage.AWARDED], ids=["tender-after-deadline", "evaluation", "awarded"]
)


@PAST_TERMS
def test_after_the_bid_deadline_a_supplier_that_did_not_bid_has_no_standing(
    ledger, supplier_c, tender_past_terms, stage
):
    process_id = tender_past_terms(stage)

    with reverts(ledger.ComplaintNoStanding, processId=process_id, complainantOrg=SUPPLIER_C_ORG, stage=stage):
        file(ledger, process_id, supplier_c)

    assert ledger.processOf(process_id).openComplaints == 0


@PAST_TERMS
@pytest.mark.parametrize(
    ("who", "complainant_org"),
    [("supplier_a2", SUPPLIER_A_ORG), ("supplier_b", SUPPLIER_B_ORG)],
    ids=["another-account-of-a-revealed-bidder", "bidder-that-never-revealed"],
)
def test_after_the_bid_deadline_an_organisation_that_committed_a_bid_files(
    ledger, request, tender_past_terms, stage, who, complainant_org
):
    process_id = tender_past_terms(stage)

    tx = file(ledger, process_id, request.getfixturevalue(who))

    assert single_event(tx, ledger.ComplaintFiled)["complainantOrg"] == complainant_org
    assert ledger.processOf(process_id).openComplaints == 1


@pytest.fixture
def closed(ledger: Any, purchaser: Any, supplier_a: Any, awarded: Any, contracted: Any) -> Callable[[int], bytes]:
    """A single-source process of supplier A brought to `stage`, at or past signing, or cancelled."""

    def make(stage: int) -> bytes:
        if stage == Stage.CANCELLED:
            process_id = awarded()
            ledger.cancelProcess(process_id, doc("cancellation"), sender=purchaser)
            return process_id
        process_id = contracted()
        if stage == Stage.TERMINATED:
            ledger.terminateContract(process_id, doc("termination"), sender=purchaser)
        if stage in (Stage.IMPLEMENTATION, Stage.COMPLETED):
            for milestone in (M1, M2):
                ledger.recordMilestone(process_id, milestone, DELIVERY, doc("delivery"), sender=supplier_a)
        if stage == Stage.COMPLETED:
            for milestone in (M1, M2):
                ledger.recordMilestone(process_id, milestone, ACCEPTANCE, doc("acceptance"), sender=purchaser)
            ledger.completeProcess(process_id, doc("completion"), sender=purchaser)
        assert ledger.processOf(process_id).stage == stage
        return process_id

    return make


@pytest.mark.parametrize(
    "stage",
    [Stage.CONTRACTED, Stage.IMPLEMENTATION, Stage.COMPLETED, Stage.TERMINATED, Stage.CANCELLED],
    ids=["contracted", "implementation", "completed", "terminated", "cancelled"],
)
@pytest.mark.parametrize("who", ["supplier_a", "supplier_c"], ids=["contracted-supplier", "other-supplier"])
def test_complaint_once_the_contract_is_signed_or_the_process_cancelled_reverts_window_closed(
    ledger, request, closed, stage, who
):
    process_id = closed(stage)

    with reverts(ledger.ComplaintWindowClosed, processId=process_id, stage=stage):
        file(ledger, process_id, request.getfixturevalue(who))


def test_a_bidder_complaint_in_a_cancelled_open_tender_reverts_window_closed(
    ledger, purchaser, supplier_a, tender_past_terms
):
    process_id = tender_past_terms(Stage.EVALUATION)
    ledger.cancelProcess(process_id, doc("cancellation"), sender=purchaser)

    with reverts(ledger.ComplaintWindowClosed, processId=process_id, stage=Stage.CANCELLED):
        file(ledger, process_id, supplier_a)


# ─── Complaints: at most three open per organisation ─────────────────────────────────────────────────


def test_an_organisation_has_at_most_three_open_complaints_on_a_process_across_its_accounts(
    ledger, supplier_a, supplier_a2, supplier_b, create_process
):
    assert ledger.MAX_OPEN_COMPLAINTS_PER_ORGANISATION() == MAX_OPEN_COMPLAINTS
    process_id = create_process()
    for number, account in enumerate([supplier_a, supplier_a2, supplier_a]):
        file(ledger, process_id, account, ref(number))

    with reverts(
        ledger.ComplaintLimitReached, processId=process_id, complainantOrg=SUPPLIER_A_ORG, limit=MAX_OPEN_COMPLAINTS
    ):
        file(ledger, process_id, supplier_a2, ref(3))

    file(ledger, process_id, supplier_b, ref(3))
    assert ledger.processOf(process_id).openComplaints == MAX_OPEN_COMPLAINTS + 1


def test_the_complaint_limit_is_per_process(ledger, supplier_a, create_process):
    first, second = create_process("ocds-test-1"), create_process("ocds-test-2")
    for number in range(MAX_OPEN_COMPLAINTS):
        file(ledger, first, supplier_a, ref(number))

    file(ledger, second, supplier_a, ref(0))

    assert (ledger.processOf(first).openComplaints, ledger.processOf(second).openComplaints) == (3, 1)


def test_resolving_a_complaint_frees_a_place_under_the_limit(ledger, finance, supplier_a, create_process):
    process_id = create_process()
    for number in range(MAX_OPEN_COMPLAINTS):
        file(ledger, process_id, supplier_a, ref(number))
    ledger.resolveComplaint(process_id, scoped_id(SUPPLIER_A_ORG, ref(1)), WITHDRAWN, doc("withdrawal"), sender=finance)

    file(ledger, process_id, supplier_a, ref(3))

    with reverts(
        ledger.ComplaintLimitReached, processId=process_id, complainantOrg=SUPPLIER_A_ORG, limit=MAX_OPEN_COMPLAINTS
    ):
        file(ledger, process_id, supplier_a, ref(4))
    assert ledger.processOf(process_id).openComplaints == MAX_OPEN_COMPLAINTS


def test_three_hundred_complaints_in_one_multicall_are_refused_at_the_fourth(ledger, supplier_b, create_process):
    process_id = create_process()
    calls = [ledger.fileComplaint.encode_input(process_id, ref(number), doc(f"spam {number}")) for number in range(300)]

    for batch in (calls, calls[: MAX_OPEN_COMPLAINTS + 1]):
        with reverts(
            ledger.ComplaintLimitReached,
            processId=process_id,
            complainantOrg=SUPPLIER_B_ORG,
            limit=MAX_OPEN_COMPLAINTS,
        ):
            ledger.multicall(batch, sender=supplier_b)
    assert ledger.processOf(process_id).openComplaints == 0

    tx = ledger.multicall(calls[:MAX_OPEN_COMPLAINTS], sender=supplier_b)
    assert len(tx.decode_logs(ledger.ComplaintFiled)) == MAX_OPEN_COMPLAINTS
    assert ledger.processOf(process_id).openComplaints == MAX_OPEN_COMPLAINTS


# ─── Complaints pause award and signing ──────────────────────────────────────────────────────────────


def test_open_complaints_pause_a_single_source_award_until_all_are_resolved(
    ledger, purchaser, finance, supplier_a, supplier_b, create_process
):
    process_id = create_process("ocds-test-ss", method=SINGLE_SOURCE)
    file(ledger, process_id, supplier_a)
    file(ledger, process_id, supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=2):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    ledger.resolveComplaint(process_id, scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF), UPHELD, doc("1"), sender=finance)
    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    ledger.resolveComplaint(process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF), WITHDRAWN, doc("2"), sender=finance)

    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 5_000, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED


def test_a_bidder_complaint_pauses_the_open_tender_award_until_resolved(
    ledger, purchaser, finance, supplier_b, tender_past_terms
):
    process_id = tender_past_terms(Stage.EVALUATION)
    file(ledger, process_id, supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    ledger.resolveComplaint(
        process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF), DISMISSED, doc("decision"), sender=finance
    )

    ledger.awardProcess(process_id, SUPPLIER_A_ORG, 900, doc("award"), sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.AWARDED


def test_an_open_complaint_pauses_contract_signing_until_resolved(ledger, purchaser, finance, supplier_b, awarded):
    process_id = awarded()
    file(ledger, process_id, supplier_b)

    with reverts(ledger.ProcessPausedByComplaints, processId=process_id, openComplaints=1):
        ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)
    ledger.resolveComplaint(
        process_id, scoped_id(SUPPLIER_B_ORG, COMPLAINT_REF), DISMISSED, doc("decision"), sender=finance
    )

    ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), *SCHEDULE, sender=purchaser)
    assert ledger.processOf(process_id).stage == Stage.CONTRACTED


# ─── Complaints: resolution ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("outcome", [DISMISSED, UPHELD, WITHDRAWN], ids=["dismissed", "upheld", "withdrawn"])
def test_the_process_finance_bureau_resolves_a_complaint_and_emits_the_open_count(
    ledger, finance, supplier_a, supplier_b, create_process, outcome
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    file(ledger, process_id, supplier_b)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    tx = ledger.resolveComplaint(process_id, complaint_id, outcome, doc("decision"), sender=finance)

    assert single_event(tx, ledger.ComplaintResolved) == {
        "processId": process_id,
        "complaintId": complaint_id,
        "complainantOrg": SUPPLIER_A_ORG,
        "outcome": outcome,
        "docHash": doc("decision"),
        "openComplaints": 1,
    }
    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, outcome)
    assert ledger.processOf(process_id).openComplaints == 1


@pytest.mark.parametrize("who", ["other_finance", "purchaser", "supplier_a", "auditor", "outsider"])
def test_resolve_complaint_by_anyone_but_the_process_finance_bureau_reverts_not_finance_bureau(
    ledger, supplier_a, create_process, request, who
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)
    account = request.getfixturevalue(who)

    with reverts(ledger.ProcessNotFinanceBureau, processId=process_id, account=account.address, financeOrg=FINANCE_ORG):
        ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=account)

    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, OPEN)
    assert ledger.processOf(process_id).openComplaints == 1


@pytest.mark.parametrize("outcome", [COMPLAINT_NONE, OPEN], ids=["none", "open"])
def test_resolve_complaint_with_outcome_none_or_open_reverts_outcome_invalid(
    ledger, finance, supplier_a, create_process, outcome
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    with reverts(ledger.ComplaintOutcomeInvalid, processId=process_id, complaintId=complaint_id, outcome=outcome):
        ledger.resolveComplaint(process_id, complaint_id, outcome, doc("decision"), sender=finance)

    assert ledger.processOf(process_id).openComplaints == 1


@pytest.mark.parametrize("outcome", [DISMISSED, UPHELD, WITHDRAWN], ids=["dismissed", "upheld", "withdrawn"])
def test_resolve_complaint_twice_reverts_not_open_with_its_outcome(
    ledger, finance, supplier_a, create_process, outcome
):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)
    ledger.resolveComplaint(process_id, complaint_id, outcome, doc("decision"), sender=finance)

    with reverts(ledger.ComplaintNotOpen, processId=process_id, complaintId=complaint_id, status=outcome):
        ledger.resolveComplaint(process_id, complaint_id, UPHELD, doc("decision 2"), sender=finance)

    assert ledger.complaintOf(process_id, complaint_id) == (SUPPLIER_A_ORG, outcome)


def test_resolve_complaint_never_filed_reverts_not_open(ledger, finance, create_process):
    process_id = create_process()
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    with reverts(ledger.ComplaintNotOpen, processId=process_id, complaintId=complaint_id, status=COMPLAINT_NONE):
        ledger.resolveComplaint(process_id, complaint_id, DISMISSED, doc("decision"), sender=finance)


def test_resolve_complaint_on_unknown_process_reverts_process_unknown(ledger, finance):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.resolveComplaint(UNKNOWN_PROCESS, COMPLAINT_REF, DISMISSED, doc("decision"), sender=finance)


def test_resolve_complaint_without_document_reverts_document_missing(ledger, finance, supplier_a, create_process):
    process_id = create_process()
    file(ledger, process_id, supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, COMPLAINT_REF)

    with reverts(ledger.DocumentHashMissing, action=RESOLVE_COMPLAINT, argument=3):
        ledger.resolveComplaint(process_id, complaint_id, DISMISSED, ZERO_HASH, sender=finance)


# ─── Audit notes ─────────────────────────────────────────────────────────────────────────────────────


def test_auditor_records_audit_note_scoped_to_its_organisation_and_changes_nothing_else(
    ledger, auditor, create_process
):
    process_id = create_process()
    before = ledger.processOf(process_id)
    note_id = scoped_id(AUDITOR_ORG, NOTE_REF)

    tx = ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=auditor)

    assert single_event(tx, ledger.AuditNoteRecorded) == {
        "processId": process_id,
        "noteId": note_id,
        "auditorOrg": AUDITOR_ORG,
        "noteRef": NOTE_REF,
        "findingsHash": doc("findings"),
    }
    assert ledger.processOf(process_id) == before


def test_audit_note_resent_reverts_already_recorded(ledger, auditor, create_process):
    process_id = create_process()
    ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=auditor)

    with reverts(ledger.AuditNoteAlreadyRecorded, processId=process_id, noteId=scoped_id(AUDITOR_ORG, NOTE_REF)):
        ledger.recordAuditNote(process_id, NOTE_REF, doc("other findings"), sender=auditor)


def test_the_same_note_reference_is_recorded_once_per_process(ledger, auditor, create_process):
    first, second = create_process("ocds-test-1"), create_process("ocds-test-2")
    ledger.recordAuditNote(first, NOTE_REF, doc("findings"), sender=auditor)

    tx = ledger.recordAuditNote(second, NOTE_REF, doc("findings"), sender=auditor)

    assert single_event(tx, ledger.AuditNoteRecorded)["noteId"] == scoped_id(AUDITOR_ORG, NOTE_REF)


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.CANCELLED], ids=["completed", "cancelled"])
def test_auditor_records_audit_note_on_a_closed_process(ledger, auditor, closed, stage):
    process_id = closed(stage)

    tx = ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=auditor)

    assert single_event(tx, ledger.AuditNoteRecorded)["processId"] == process_id


@pytest.mark.parametrize("who", ["purchaser", "finance", "supplier_a", "publisher", "outsider"])
def test_audit_note_by_non_auditor_reverts_unauthorized(ledger, create_process, request, who):
    process_id = create_process()
    account = request.getfixturevalue(who)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account.address, neededRole=AUDITOR_ROLE):
        ledger.recordAuditNote(process_id, NOTE_REF, doc("findings"), sender=account)


def test_audit_note_on_unknown_process_reverts_process_unknown(ledger, auditor):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.recordAuditNote(UNKNOWN_PROCESS, NOTE_REF, doc("findings"), sender=auditor)


def test_audit_note_without_findings_reverts_document_missing(ledger, auditor, create_process):
    process_id = create_process()

    with reverts(ledger.DocumentHashMissing, action=RECORD_AUDIT_NOTE, argument=2):
        ledger.recordAuditNote(process_id, NOTE_REF, ZERO_HASH, sender=auditor)
