"""Regression tests for the twelve findings of the attack on the 1.0 contracts (issue "Contracts 2.0").

Each test replays the attack that went through on 1.0, on the 2.0 rules, and asserts that the chain now refuses it
(with the decoded custom error and its arguments) or that the rule it broke now holds. On 1.0 every one of these
attacks succeeded; the comment above each test says what happened there.
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak

from ledger.chain.bids import sign_bid_commitment
from ledger.proofs.merkle import inclusion_proofs, merkle_root
from tests.contracts.conftest import (
    ACCEPTANCE,
    AUDITOR_ORG,
    AWARD,
    BUDGET_AMOUNT,
    BUDGET_ID,
    CONTRACT_ID,
    DEFAULT_ADMIN_ROLE,
    DELIVERY,
    FINANCE_ORG,
    HOUR,
    M1,
    M1_AMOUNT,
    M2,
    M2_AMOUNT,
    OTHER_BUDGET_ID,
    OTHER_PURCHASER_ORG,
    PURCHASER_ORG,
    PURCHASER_ROLE,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    SUPPLIER_ROLE,
    ZERO_ADDRESS,
    ZERO_HASH,
    advance,
    commitment,
    doc,
    reverts,
    scoped_id,
    single_event,
)

VOUCHER = doc("treasury voucher")


def pay(ledger: Any, finance: Any, process_id: bytes, label: str, milestone: bytes, amount: int, payee: Any) -> Any:
    """Record payment `label` (its id is keccak(label)) of `amount` on `milestone` to `payee`."""
    return ledger.recordPayment(process_id, keccak(text=label), milestone, amount, payee, VOUCHER, sender=finance)


# ─── 1. Contracts bound to an account instead of the supplier organisation ───────────────────────────────────
# 1.0: after removeOrganisationAccount(SUPPLIER_A, acct), recordPayment to acct still succeeded; after
# addOrganisationAccount(SUPPLIER_C, acct), acct delivered and was paid on SUPPLIER_A's contract while SUPPLIER_A's
# remaining account got MilestoneNotSupplier, and no event named the supplier organisation.


def test_a_removed_account_is_no_longer_paid_for_its_former_organisation(ledger, admin, finance, supplier_a, payable):
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)

    with reverts(
        ledger.PaymentPayeeNotSupplier,
        processId=payable,
        payee=supplier_a.address,
        payeeOrg=ZERO_HASH,
        supplierOrg=SUPPLIER_A_ORG,
    ):
        pay(ledger, finance, payable, "pay-1", M1, 1, supplier_a)


def test_an_account_moved_to_another_supplier_neither_delivers_nor_is_paid_and_the_organisation_carries_on(
    ledger, admin, purchaser, finance, supplier_a, supplier_a2, payable
):
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)
    ledger.addOrganisationAccount(SUPPLIER_C_ORG, supplier_a, sender=admin)

    with reverts(ledger.ProcessNotSupplier, processId=payable, account=supplier_a.address, supplierOrg=SUPPLIER_A_ORG):
        ledger.recordMilestone(payable, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)
    with reverts(
        ledger.PaymentPayeeNotSupplier,
        processId=payable,
        payee=supplier_a.address,
        payeeOrg=SUPPLIER_C_ORG,
        supplierOrg=SUPPLIER_A_ORG,
    ):
        pay(ledger, finance, payable, "pay-1", M1, 1, supplier_a)

    # Supplier A's remaining account delivers and is paid, and the events name the organisations.
    delivered = ledger.recordMilestone(payable, M2, DELIVERY, doc("delivery M2"), sender=supplier_a2)
    assert single_event(delivered, ledger.MilestoneDelivered)["supplierOrg"] == SUPPLIER_A_ORG
    paid = single_event(pay(ledger, finance, payable, "pay-1", M1, 1, supplier_a2), ledger.PaymentRecorded)
    assert (paid["payerOrg"], paid["payeeOrg"], paid["payee"]) == (FINANCE_ORG, SUPPLIER_A_ORG, supplier_a2.address)


# ─── 2. Removal from the registry checked at award but not at signing ────────────────────────────────────────
# 1.0: award to an account, remove that account from its organisation, and signContract still succeeded.


def test_the_contract_binds_the_awarded_organisation_so_removing_an_account_moves_nothing(
    ledger, admin, purchaser, supplier_a, supplier_a2, awarded
):
    process_id = awarded()
    ledger.removeOrganisationAccount(SUPPLIER_A_ORG, supplier_a, sender=admin)
    ledger.addOrganisationAccount(SUPPLIER_C_ORG, supplier_a, sender=admin)

    signed = ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), [M1], [AWARD], sender=purchaser)

    assert single_event(signed, ledger.ContractSigned)["supplierOrg"] == SUPPLIER_A_ORG
    with reverts(
        ledger.ProcessNotSupplier, processId=process_id, account=supplier_a.address, supplierOrg=SUPPLIER_A_ORG
    ):
        ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery"), sender=supplier_a)
    ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery"), sender=supplier_a2)


def test_a_supplier_suspended_after_its_award_cannot_sign(ledger, purchaser, finance, awarded):
    process_id = awarded()
    ledger.suspendOrganisation(SUPPLIER_A_ORG, doc("debarment decision"), sender=finance)

    with reverts(ledger.OrganisationUnderSuspension, orgId=SUPPLIER_A_ORG, suspendedBy=FINANCE_ORG):
        ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), [M1], [AWARD], sender=purchaser)


# ─── 3. An old relayed signature rolls back a newer bid ──────────────────────────────────────────────────────
# 1.0: the supplier signed c_old (nonce k) for a relayer, then committed c_new directly; the relayer then landed
# c_old, and the supplier's reveal of c_new failed. Nonces were shared across processes, so a withheld signature
# blocked every later one.


def _signed(ledger: Any, chain: Any, signer: Any, process_id: bytes, sealed: bytes, nonce: int) -> tuple[Any, ...]:
    deadline = chain.pending_timestamp + HOUR
    signature = sign_bid_commitment(
        signer.private_key,
        chain_id=chain.chain_id,
        ledger_address=ledger.address,
        process_id=process_id,
        bidder_org=SUPPLIER_A_ORG,
        commitment=sealed,
        nonce=nonce,
        deadline=deadline,
    )
    return (process_id, SUPPLIER_A_ORG, signer.address, sealed, nonce, deadline, signature)


def test_an_older_relayed_signature_cannot_land_after_a_newer_direct_commit(
    ledger, chain, supplier_a, relayer, open_tender
):
    process_id = open_tender()
    old = commitment(process_id, SUPPLIER_A_ORG, 90_000_00, doc("old bid"), keccak(text="old salt"))
    new = commitment(process_id, SUPPLIER_A_ORG, 80_000_00, doc("new bid"), keccak(text="new salt"))
    handed_to_relayer = _signed(ledger, chain, supplier_a, process_id, old, nonce=0)
    ledger.commitBid(process_id, new, sender=supplier_a)

    with reverts(ledger.BidNonceMismatch, processId=process_id, bidderOrg=SUPPLIER_A_ORG, expected=1, given=0):
        ledger.commitBidFor(*handed_to_relayer, sender=relayer)

    advance(chain, HOUR)
    ledger.revealBid(process_id, 80_000_00, doc("new bid"), keccak(text="new salt"), sender=supplier_a)
    assert ledger.bidOf(process_id, SUPPLIER_A_ORG).amount == 80_000_00


def test_a_withheld_signature_blocks_nothing_on_other_processes_and_can_be_cancelled(
    ledger, chain, supplier_a, relayer, open_tender
):
    first, second = open_tender("ocds-test-tender-1"), open_tender("ocds-test-tender-2")
    withheld = _signed(ledger, chain, supplier_a, first, commitment(first, SUPPLIER_A_ORG, 1, doc("a"), doc("s")), 0)

    # The relayer withholds the signature for the first process; the second is untouched by it.
    on_second = _signed(ledger, chain, supplier_a, second, commitment(second, SUPPLIER_A_ORG, 2, doc("b"), doc("t")), 0)
    ledger.commitBidFor(*on_second, sender=relayer)
    ledger.cancelBidSignatures(first, sender=supplier_a)

    with reverts(ledger.BidNonceMismatch, processId=first, bidderOrg=SUPPLIER_A_ORG, expected=1, given=0):
        ledger.commitBidFor(*withheld, sender=relayer)


# ─── 4. A purchaser squats another's document root ───────────────────────────────────────────────────────────
# 1.0: anchors were keyed by the root alone; another purchaser who saw the root first anchored it with a wrong
# count, the honest anchorDocuments reverted AnchorAlreadyExists, and every honest inclusion proof failed.


def test_another_organisation_anchoring_the_same_root_first_blocks_nothing(ledger, purchaser, other_purchaser):
    documents = [doc(f"tender document {i}") for i in range(5)]
    root = merkle_root(documents)
    ledger.anchorDocuments(root, 1, ZERO_HASH, sender=other_purchaser)  # front-run, with a wrong count

    anchored = ledger.anchorDocuments(root, len(documents), ZERO_HASH, sender=purchaser)

    assert single_event(anchored, ledger.DocumentsAnchored)["anchorerOrg"] == PURCHASER_ORG
    for index, proof in enumerate(inclusion_proofs(documents)):
        assert ledger.verifyDocument(PURCHASER_ORG, root, documents[index], index, proof)


# ─── 5. The same accepted milestone paid again and again ─────────────────────────────────────────────────────
# 1.0: a milestone carried no amount, so one acceptance unlocked payments up to the whole contract value.


def test_an_accepted_milestone_pays_at_most_its_own_amount(ledger, finance, supplier_a, payable):
    pay(ledger, finance, payable, "pay-1", M1, M1_AMOUNT - 1, supplier_a)
    pay(ledger, finance, payable, "pay-2", M1, 1, supplier_a)

    with reverts(ledger.PaymentExceedsMilestone, processId=payable, milestoneId=M1, unpaid=0, amount=1):
        pay(ledger, finance, payable, "pay-3", M1, 1, supplier_a)
    with reverts(ledger.PaymentMilestoneNotAccepted, processId=payable, milestoneId=M2, state=1):
        pay(ledger, finance, payable, "pay-3", M2, M2_AMOUNT, supplier_a)


# ─── 6. A re-sent write recorded twice ───────────────────────────────────────────────────────────────────────
# 1.0: payment and amendment ids came from counters, so a payment sent again was a second payment.


def test_a_resent_payment_is_refused_as_already_recorded_and_pays_nothing_more(ledger, finance, supplier_a, payable):
    pay(ledger, finance, payable, "voucher TV-0001", M1, 50_000_00, supplier_a)

    with reverts(ledger.PaymentAlreadyRecorded, processId=payable, paymentId=keccak(text="voucher TV-0001")):
        pay(ledger, finance, payable, "voucher TV-0001", M1, 50_000_00, supplier_a)

    assert ledger.milestoneOf(payable, M1).paid == 50_000_00


def test_a_resent_contract_amendment_is_refused_as_already_recorded(ledger, purchaser, contracted):
    process_id = contracted()
    amendment = keccak(text="supplement-1")
    ledger.amendContract(process_id, amendment, AWARD // 20, doc("supplement"), [], [], sender=purchaser)

    with reverts(ledger.ContractAmendmentAlreadyRecorded, processId=process_id, amendmentId=amendment):
        ledger.amendContract(process_id, amendment, AWARD // 20, doc("supplement"), [], [], sender=purchaser)

    assert ledger.agreementOf(process_id).value == AWARD + AWARD // 20


def test_every_other_created_record_refuses_a_resend_of_its_id(
    ledger, purchaser, finance, supplier_a, auditor, open_tender
):
    process_id = open_tender()
    with reverts(ledger.ProcessAlreadyRecorded, processId=process_id):
        ledger.createProcess("ocds-test-tender-1", BUDGET_ID, 0, doc("notice"), ZERO_HASH, sender=purchaser)
    with reverts(ledger.BudgetAlreadyRecorded, budgetId=BUDGET_ID):
        ledger.approveBudget(keccak(text="BUDGET-2026-001"), 2026, 1, b"CNY", doc("b"), [PURCHASER_ORG], sender=finance)

    amendment = keccak(text="clarification-1")
    deadlines = (ledger.processOf(process_id).bidDeadline, ledger.processOf(process_id).revealDeadline)
    ledger.amendTender(process_id, amendment, doc("clarification"), doc("why"), *deadlines, sender=purchaser)
    with reverts(ledger.TenderAmendmentAlreadyRecorded, processId=process_id, amendmentId=amendment):
        ledger.amendTender(process_id, amendment, doc("clarification"), doc("why"), *deadlines, sender=purchaser)

    ref = keccak(text="complaint-1")
    ledger.fileComplaint(process_id, ref, doc("complaint"), sender=supplier_a)
    with reverts(ledger.ComplaintAlreadyRecorded, processId=process_id, complaintId=scoped_id(SUPPLIER_A_ORG, ref)):
        ledger.fileComplaint(process_id, ref, doc("complaint"), sender=supplier_a)

    note = keccak(text="note-1")
    ledger.recordAuditNote(process_id, note, doc("findings"), sender=auditor)
    with reverts(ledger.AuditNoteAlreadyRecorded, processId=process_id, noteId=scoped_id(AUDITOR_ORG, note)):
        ledger.recordAuditNote(process_id, note, doc("findings"), sender=auditor)

    root = doc("root")
    ledger.anchorDocuments(root, 3, ZERO_HASH, sender=purchaser)
    with reverts(ledger.AnchorAlreadyRecorded, anchorerOrg=PURCHASER_ORG, root=root):
        ledger.anchorDocuments(root, 3, ZERO_HASH, sender=purchaser)


def test_a_resent_contract_signature_or_milestone_is_refused_as_already_recorded(
    ledger, purchaser, supplier_a, contracted
):
    process_id = contracted()
    with reverts(ledger.ContractAlreadyRecorded, processId=process_id, contractId=CONTRACT_ID):
        ledger.signContract(process_id, CONTRACT_ID, AWARD, doc("contract"), [M1], [AWARD], sender=purchaser)

    ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery"), sender=supplier_a)
    with reverts(ledger.MilestoneAlreadyDelivered, processId=process_id, milestoneId=M1):
        ledger.recordMilestone(process_id, M1, DELIVERY, doc("delivery"), sender=supplier_a)
    ledger.recordMilestone(process_id, M1, ACCEPTANCE, doc("acceptance"), sender=purchaser)
    with reverts(ledger.MilestoneAlreadyAccepted, processId=process_id, milestoneId=M1):
        ledger.recordMilestone(process_id, M1, ACCEPTANCE, doc("acceptance"), sender=purchaser)


# ─── 7. Scope of authority ───────────────────────────────────────────────────────────────────────────────────
# 1.0: any purchaser drew down any budget line; any finance bureau paid or resolved complaints on processes drawing
# on another bureau's lines; any purchaser could take another's ocid first.


def test_a_purchaser_cannot_draw_on_a_budget_line_that_does_not_name_it(ledger, purchaser):
    with reverts(ledger.BudgetNotForPurchaser, budgetId=OTHER_BUDGET_ID, purchaserOrg=PURCHASER_ORG):
        ledger.createProcess("ocds-test-9", OTHER_BUDGET_ID, 0, doc("notice"), ZERO_HASH, sender=purchaser)


def test_another_finance_bureau_neither_pays_nor_resolves_complaints_on_the_process(
    ledger, other_finance, supplier_a, create_process, payable
):
    with reverts(
        ledger.ProcessNotFinanceBureau, processId=payable, account=other_finance.address, financeOrg=FINANCE_ORG
    ):
        pay(ledger, other_finance, payable, "pay-1", M1, 1, supplier_a)

    process_id = create_process("ocds-test-2", SINGLE_SOURCE)
    ledger.fileComplaint(process_id, keccak(text="c"), doc("complaint"), sender=supplier_a)
    complaint_id = scoped_id(SUPPLIER_A_ORG, keccak(text="c"))
    with reverts(
        ledger.ProcessNotFinanceBureau, processId=process_id, account=other_finance.address, financeOrg=FINANCE_ORG
    ):
        ledger.resolveComplaint(process_id, complaint_id, 2, doc("decision"), sender=other_finance)


def test_a_purchaser_cannot_take_an_ocid_under_another_organisations_prefix(ledger, other_purchaser, purchaser):
    ocid = "ocds-test-2026-0042"
    with reverts(ledger.ProcessOcidNotOwned, ocid=ocid, prefixOwner=PURCHASER_ORG, callerOrg=OTHER_PURCHASER_ORG):
        ledger.createProcess(ocid, OTHER_BUDGET_ID, 0, doc("notice"), ZERO_HASH, sender=other_purchaser)

    ledger.createProcess(ocid, BUDGET_ID, 0, doc("notice"), ZERO_HASH, sender=purchaser)


# ─── 8. Complaint spam ───────────────────────────────────────────────────────────────────────────────────────
# 1.0: one organisation filed 300 complaints in one multicall (any registered organisation, auditors included), and
# each blocked award and signing until resolved.


def test_three_hundred_complaints_in_one_multicall_are_refused_at_the_fourth(ledger, supplier_a, create_process):
    process_id = create_process("ocds-test-2", SINGLE_SOURCE)
    calls = [
        ledger.fileComplaint.encode_input(process_id, keccak(text=f"c{i}"), doc(f"complaint {i}")) for i in range(300)
    ]

    with reverts(ledger.ComplaintLimitReached, processId=process_id, complainantOrg=SUPPLIER_A_ORG, limit=3):
        ledger.multicall(calls, sender=supplier_a)

    assert ledger.processOf(process_id).openComplaints == 0


def test_only_suppliers_with_standing_file_complaints(ledger, chain, auditor, supplier_a, supplier_b, open_tender):
    process_id = open_tender()
    with reverts(ledger.AccessControlUnauthorizedAccount, account=auditor.address, neededRole=SUPPLIER_ROLE):
        ledger.fileComplaint(process_id, keccak(text="c"), doc("complaint"), sender=auditor)

    ledger.commitBid(process_id, commitment(process_id, SUPPLIER_A_ORG, 1, doc("a"), doc("s")), sender=supplier_a)
    advance(chain, HOUR)  # bids closed: only bidders may complain now
    with reverts(ledger.ComplaintNoStanding, processId=process_id, complainantOrg=SUPPLIER_B_ORG, stage=2):
        ledger.fileComplaint(process_id, keccak(text="c"), doc("complaint"), sender=supplier_b)
    ledger.fileComplaint(process_id, keccak(text="c"), doc("complaint"), sender=supplier_a)


# ─── 9. The unpaid remainder committed forever ───────────────────────────────────────────────────────────────
# 1.0: after completion or termination, the unpaid remainder stayed committed to the budget line.


def test_completion_releases_all_but_what_was_accepted(ledger, purchaser, supplier_a, payable):
    ledger.recordMilestone(payable, M2, DELIVERY, doc("delivery M2"), sender=supplier_a)
    ledger.recordMilestone(payable, M2, ACCEPTANCE, doc("acceptance M2"), sender=purchaser)
    ledger.amendContract(payable, keccak(text="supplement"), AWARD // 10, doc("supplement"), [], [], sender=purchaser)

    completed = ledger.completeProcess(payable, doc("completion"), sender=purchaser)

    assert single_event(completed, ledger.ProcessCompleted)["released"] == AWARD // 10  # never scheduled
    assert single_event(completed, ledger.BudgetCommitmentChanged)["committed"] == AWARD
    assert ledger.budget(BUDGET_ID).committed == M1_AMOUNT + M2_AMOUNT


def test_termination_releases_all_but_what_was_accepted_which_stays_payable(
    ledger, purchaser, finance, supplier_a, payable
):
    terminated = ledger.terminateContract(payable, doc("termination"), sender=purchaser)

    assert single_event(terminated, ledger.ContractTerminated) == {
        "processId": payable,
        "acceptedTotal": M1_AMOUNT,
        "released": AWARD - M1_AMOUNT,
        "docHash": doc("termination"),
    }
    assert ledger.budget(BUDGET_ID).committed == M1_AMOUNT
    pay(ledger, finance, payable, "pay-after-termination", M1, M1_AMOUNT, supplier_a)
    assert BUDGET_AMOUNT - ledger.budget(BUDGET_ID).committed == BUDGET_AMOUNT - M1_AMOUNT


# ─── 10. Several accounts of one supplier organisation each bidding ──────────────────────────────────────────
# 1.0: each account of an organisation held its own bid on the same process, so the organisation could choose which
# to reveal after seeing the others' reveals.


def test_accounts_of_one_organisation_share_one_bid(ledger, chain, supplier_a, supplier_a2, open_tender):
    process_id = open_tender()
    low = (70_000_00, doc("low bid"), keccak(text="low"))
    high = (95_000_00, doc("high bid"), keccak(text="high"))
    ledger.commitBid(process_id, commitment(process_id, SUPPLIER_A_ORG, *low), sender=supplier_a)
    replaced = ledger.commitBid(process_id, commitment(process_id, SUPPLIER_A_ORG, *high), sender=supplier_a2)

    event = single_event(replaced, ledger.BidCommitted)
    assert (event["bidderOrg"], event["account"], event["replaced"], event["nonce"]) == (
        SUPPLIER_A_ORG,
        supplier_a2.address,
        True,
        2,
    )
    assert ledger.processOf(process_id).bidCount == 1
    advance(chain, HOUR)
    with reverts(
        ledger.BidRevealMismatch,
        processId=process_id,
        bidderOrg=SUPPLIER_A_ORG,
        committed=commitment(process_id, SUPPLIER_A_ORG, *high),
        revealed=commitment(process_id, SUPPLIER_A_ORG, *low),
    ):
        ledger.revealBid(process_id, *low, sender=supplier_a)


# ─── 11. An all-powerful, unguarded admin ────────────────────────────────────────────────────────────────────
# 1.0: the admin bound itself to a purchaser organisation and acted as one, and handed the admin role to a supplier
# account in one transaction.


def test_the_admin_cannot_sign_for_an_organisation(ledger, admin):
    with reverts(ledger.AdminAccountBound, account=admin.address, orgId=PURCHASER_ORG):
        ledger.addOrganisationAccount(PURCHASER_ORG, admin, sender=admin)


def test_no_single_call_hands_the_admin_role_to_anyone(ledger, admin, supplier_a, outsider):
    with reverts(ledger.AdminTransferRequired, role=DEFAULT_ADMIN_ROLE, account=outsider.address):
        ledger.grantRole.transact(DEFAULT_ADMIN_ROLE, outsider, sender=admin)
    with reverts(ledger.AdminAccountBound, account=supplier_a.address, orgId=SUPPLIER_A_ORG):
        ledger.beginDefaultAdminTransfer(supplier_a, sender=admin)
    with reverts(ledger.RoleBoundToOrganisation, role=PURCHASER_ROLE, account=outsider.address):
        ledger.grantRole.transact(PURCHASER_ROLE, outsider, sender=admin)

    assert ledger.defaultAdmin() == admin.address


# ─── 12. Errors that mislead ─────────────────────────────────────────────────────────────────────────────────
# 1.0: PaymentExceedsContractValue truncated paidAfter to uint96; an amendment of 2**96-1 reverted with Panic(0x11);
# nine custom errors carried no arguments.


def test_an_amendment_of_the_largest_amount_reverts_with_the_cap_not_a_panic(ledger, purchaser, contracted):
    process_id = contracted()
    with reverts(ledger.ContractAmendmentCapExceeded, processId=process_id, cap=AWARD // 10, requestedTotal=2**96 - 1):
        ledger.amendContract(process_id, keccak(text="huge"), 2**96 - 1, doc("supplement"), [], [], sender=purchaser)


def test_an_award_above_the_budget_reports_the_amounts_untruncated(ledger, purchaser, create_process):
    process_id = create_process("ocds-test-2", SINGLE_SOURCE)
    with reverts(ledger.BudgetExceeded, budgetId=BUDGET_ID, requested=2**96 - 1, remaining=BUDGET_AMOUNT):
        ledger.awardProcess(process_id, SUPPLIER_A_ORG, 2**96 - 1, doc("award"), sender=purchaser)


# Argument-less errors that OpenZeppelin code compiled into the ledger declares, and why none reaches a caller:
# renounceRole and grantRole/revokeRole refuse first with RenounceOnlySelf / AdminTransferRequired; FailedCall is
# what Multicall raises only when an inner call reverts with no data at all (out of gas), which the ledger's own
# code never does; InvalidShortString only when EIP712's name or version does not fit 31 bytes at deployment.
OPENZEPPELIN_ARGUMENTLESS = {
    "AccessControlBadConfirmation",
    "AccessControlEnforcedDefaultAdminRules",
    "FailedCall",
    "InvalidShortString",
}


def test_every_error_of_the_ledger_carries_arguments(ledger):
    argumentless = {entry.name for entry in ledger.contract_type.abi if entry.type == "error" and not entry.inputs}

    assert argumentless == OPENZEPPELIN_ARGUMENTLESS


def test_the_openzeppelin_argumentless_errors_are_preempted_by_ours(ledger, admin, outsider):
    with reverts(ledger.RenounceOnlySelf, account=outsider.address, caller=admin.address):
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, outsider, sender=admin)
    with reverts(ledger.AdminTransferRequired, role=DEFAULT_ADMIN_ROLE, account=admin.address):
        ledger.revokeRole.transact(DEFAULT_ADMIN_ROLE, admin, sender=admin)


def test_the_zero_address_never_signs_for_an_organisation(ledger, admin):
    # Bound, it would make address(0) a payee of the supplier's contracts.
    with reverts(ledger.OrganisationAccountInvalid, account=ZERO_ADDRESS, orgId=SUPPLIER_A_ORG):
        ledger.addOrganisationAccount(SUPPLIER_A_ORG, ZERO_ADDRESS, sender=admin)
