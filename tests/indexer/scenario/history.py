"""The history `run_scenario` writes: the set-up it relies on, then the four processes (an open tender to
completion, a single source paid, one cancelled, one terminated), the anchors and the purchaser's suspension.
"""

from __future__ import annotations

from web3 import Web3

from ledger.chain.accounts import ADMIN_INDEX, derive_account
from ledger.chain.bids import bid_commitment
from ledger.chain.ledger_contract import ZERO_HASH, LedgerContract, reference
from ledger.demo import (
    AUDITOR,
    BUDGET_AMOUNT,
    BUDGET_CODE,
    FINANCE,
    OCID_PREFIX,
    ORGANISATIONS,
    PURCHASER,
    SUPPLIER_A,
    SUPPLIER_B,
    set_up_organisations_and_budget,
)
from ledger.settings import Settings
from tests.indexer.scenario.runs import (
    ROLE_NAMES,
    BidRun,
    OrganisationRun,
    ProcessRun,
    Scenario,
    TenderAmendmentRun,
    hex_of,
)
from tests.indexer.scenario.steps import (
    accept,
    amend_contract,
    anchor,
    audit_note,
    award,
    complain,
    complete,
    deliver,
    pay,
    reinstate,
    resolve,
    sign,
    sign_bid,
    single_source,
    suspend,
)
from tests.indexer.scenario.writer import (
    DAY,
    DISMISSED,
    OPEN_TENDER,
    RELAYER_INDEX,
    SECOND_AUDITOR_INDEX,
    SECOND_SUPPLIER_A_INDEX,
    WITHDRAWN,
    AfterTransaction,
    ProcessWriter,
    Writer,
    advance_time,
    chain_time,
    document,
)


def run_scenario(
    settings: Settings, w3: Web3, ledger: LedgerContract, after_each: AfterTransaction | None = None
) -> Scenario:
    """Write the whole history (organisations, ocid prefix and budget first, if missing); `after_each` sees every
    receipt of the scenario's own transactions."""
    budget_id = set_up_organisations_and_budget(settings, ledger)
    accounts = {org: derive_account(settings, org.account_index) for org in ORGANISATIONS}
    scenario = Scenario(
        budget_id=hex_of(budget_id),
        budget_ref=hex_of(reference(BUDGET_CODE)),
        finance_org=hex_of(FINANCE.org_id),
        purchaser_orgs=[hex_of(PURCHASER.org_id)],
        budget_amount=BUDGET_AMOUNT,
    )
    writer = Writer(
        w3=w3,
        ledger=ledger,
        accounts=accounts,
        senders={org: ledger.sender(account) for org, account in accounts.items()},
        admin=ledger.sender(derive_account(settings, ADMIN_INDEX)),
        relayer=ledger.sender(derive_account(settings, RELAYER_INDEX)),
        second_auditor=ledger.sender(derive_account(settings, SECOND_AUDITOR_INDEX)),
        second_supplier_a=ledger.sender(derive_account(settings, SECOND_SUPPLIER_A_INDEX)),
        scenario=scenario,
        after=after_each,
    )
    _what_the_set_up_wrote(writer)
    second = writer.second_supplier_a
    writer.act_on(SUPPLIER_A.org_id, "OrganisationAccountAdded", writer.admin, "addOrganisationAccount",
                  SUPPLIER_A.org_id, second.address)  # fmt: skip
    scenario.accounts[(hex_of(SUPPLIER_A.org_id), writer.address(second))] = ("supplier", True)

    _open_tender(writer, budget_id)
    _single_source_paid(writer, budget_id)
    _single_source_cancelled(writer, budget_id)
    _contract_terminated(writer, budget_id)
    tender_file = [document(f"tender file {number}") for number in range(5)]
    anchor(writer, PURCHASER, scenario.processes["open_tender"], tender_file)
    anchor(writer, AUDITOR, None, tender_file)  # the same root, anchored by another organisation: its own anchor
    vouchers = [document(f"payment voucher {number}") for number in range(3)]
    anchor(writer, FINANCE, scenario.processes["terminated"], vouchers)  # filed by the process's finance bureau
    suspend(writer, PURCHASER, "debarment decision for the purchaser")  # left in force
    return scenario


def _what_the_set_up_wrote(writer: Writer) -> None:
    """The organisations, accounts, ocid prefix and budget line set_up_organisations_and_budget leaves."""
    scenario = writer.scenario
    for org in ORGANISATIONS:
        org_id, role = hex_of(org.org_id), ROLE_NAMES[bytes(org.role)]
        scenario.organisations[org_id] = OrganisationRun(role)
        scenario.accounts[(org_id, writer.address(org))] = (role, True)
        scenario.set_up_timelines[org_id] = ["OrganisationRegistered", "OrganisationAccountAdded"]
    scenario.set_up_timelines[hex_of(PURCHASER.org_id)].append("OcidPrefixRegistered")
    prefix_hash = hex_of(Web3.keccak(text=OCID_PREFIX))
    scenario.ocid_prefixes.append((hex_of(PURCHASER.org_id), prefix_hash, OCID_PREFIX))
    scenario.set_up_timelines[scenario.budget_id] = ["BudgetApproved"]


def _open_tender(writer: Writer, budget_id: bytes) -> None:
    run = ProcessRun(f"{OCID_PREFIX}-scn-0001", "open_tender", hex_of(PURCHASER.org_id), writer.address(PURCHASER))
    writer.scenario.processes["open_tender"] = run
    process, pid, w3 = ProcessWriter(writer, run), run.pid, writer.w3
    process.act("ProcessCreated", PURCHASER, "createProcess", run.ocid, budget_id, OPEN_TENDER, document(run.ocid),
                ZERO_HASH)  # fmt: skip
    bids_until, reveals_until = chain_time(w3) + DAY, chain_time(w3) + 2 * DAY
    process.act("TenderOpened", PURCHASER, "openTender", pid, bids_until, reveals_until, document("tender"))
    run.stage = "tender"
    bids_until, reveals_until = bids_until + 3_600, reveals_until + 3_600  # an amendment may only extend
    amendment = reference(f"{run.ocid}/tender amendment 1")
    process.act("TenderAmended", PURCHASER, "amendTender", pid, amendment, document("tender v2"), document("why v2"),
                bids_until, reveals_until)  # fmt: skip
    run.tender_amendments.append(TenderAmendmentRun(hex_of(amendment), 1, bids_until, reveals_until))
    run.bid_deadline, run.reveal_deadline = bids_until, reveals_until

    # Supplier A's bid: one account commits a draft, the organisation's other account replaces it with a lower bid.
    a, b = hex_of(SUPPLIER_A.org_id), hex_of(SUPPLIER_B.org_id)
    draft = bid_commitment(pid, SUPPLIER_A.org_id, 1_990_000_00, document("bid A draft"), document("salt A1"))
    process.act("BidCommitted", SUPPLIER_A, "commitBid", pid, draft)
    amount_a, doc_a, salt_a = 1_874_500_00, document("bid A"), document("salt A2")
    final = bid_commitment(pid, SUPPLIER_A.org_id, amount_a, doc_a, salt_a)
    second_a = writer.second_supplier_a
    replaced = process.act("BidCommitted", second_a, "commitBid", pid, final)
    run.bids[a] = BidRun(writer.address(second_a), hex_of(final), commitments=2, nonce=2, relayer=None,
                         committed_tx_hash=replaced)  # fmt: skip

    # Supplier B cancels whatever it signed before (no bid yet: the nonce moves on all the same), signs its
    # commitment (EIP-712) at the bid's nonce for the gateway to relay, then cancels any other signature it gave.
    process.act("BidSignaturesCancelled", SUPPLIER_B, "cancelBidSignatures", pid)
    amount_b, doc_b, salt_b = 1_912_000_00, document("bid B"), document("salt B")
    sealed_b = bid_commitment(pid, SUPPLIER_B.org_id, amount_b, doc_b, salt_b)
    nonce = int(writer.ledger.call("bidNonce", pid, SUPPLIER_B.org_id))
    signature = sign_bid(writer, SUPPLIER_B, pid, sealed_b, nonce, bids_until)
    relayed = process.act("BidCommitted", writer.relayer, "commitBidFor", pid, SUPPLIER_B.org_id,
                          writer.accounts[SUPPLIER_B].address, sealed_b, nonce, bids_until, signature)  # fmt: skip
    process.act("BidSignaturesCancelled", SUPPLIER_B, "cancelBidSignatures", pid)
    run.bids[b] = BidRun(writer.address(SUPPLIER_B), hex_of(sealed_b), commitments=1, nonce=3,  # 2 cancels, 1 commit
                         relayer=writer.address(writer.relayer), committed_tx_hash=relayed)  # fmt: skip

    # After the bid deadline the finance bureau suspends supplier B; suspended, B still opens its bid and, having
    # bid, still has standing to complain. The bureau dismisses the complaint and lifts the suspension.
    advance_time(w3, bids_until - chain_time(w3))
    suspend(writer, SUPPLIER_B, "suspension decision for supplier B")
    for org, amount, doc, salt in ((SUPPLIER_B, amount_b, doc_b, salt_b), (SUPPLIER_A, amount_a, doc_a, salt_a)):
        revealed = process.act("BidRevealed", org, "revealBid", pid, amount, doc, salt)
        bid = run.bids[hex_of(org.org_id)]
        bid.amount, bid.bid_doc_hash = amount, hex_of(doc)
        bid.revealed_by, bid.revealed_tx_hash = writer.address(org), revealed
        run.reveal_order.append(hex_of(org.org_id))
    complaint = complain(process, SUPPLIER_B, "CP-B-0001")
    resolve(process, complaint, DISMISSED)
    reinstate(writer, SUPPLIER_B, "reinstatement of supplier B")
    advance_time(w3, reveals_until - chain_time(w3))
    process.act("EvaluationRecorded", PURCHASER, "recordEvaluation", pid, document("evaluation report"))
    run.stage = "evaluation"

    award(process, SUPPLIER_A, amount_a)
    sign(process, "CT-SCN-0001", 1_870_000_00, {"M1": 600_000_00, "M2": 900_000_00, "M3": 250_000_00})
    amend_contract(process, "CT-SCN-0001/supplement 1", 100_000_00, {"M4": 150_000_00})

    deliver(process, "M1", by=second_a)
    accept(process, "M1")
    pay(process, "PV-0001-1", "M1", 400_000_00, payee=SUPPLIER_A)
    pay(process, "PV-0001-2", "M1", 200_000_00, payee=second_a)  # the rest of M1, to A's other account
    for name in ("M2", "M3", "M4"):
        deliver(process, name)
        accept(process, name)
    pay(process, "PV-0001-3", "M2", 500_000_00, payee=second_a)
    audit_note(process, AUDITOR, "AUD-0001", "audit findings 0001")
    complete(process)
    pay(process, "PV-0001-4", "M4", 150_000_00, payee=SUPPLIER_A)  # accepted work stays payable after completion


def _single_source_paid(writer: Writer, budget_id: bytes) -> None:
    process = single_source(writer, budget_id, "single_source", f"{OCID_PREFIX}-scn-0002")
    complaint = complain(process, SUPPLIER_B, "CP-B-0002")  # single source: any supplier, until signing
    resolve(process, complaint, WITHDRAWN)
    award(process, SUPPLIER_A, 420_000_00)
    sign(process, "CT-SCN-0002", 420_000_00, {f"Q{quarter}": 105_000_00 for quarter in range(1, 5)})
    deliver(process, "Q1")
    accept(process, "Q1")
    pay(process, "PV-0002-1", "Q1", 105_000_00, payee=SUPPLIER_A)
    audit_note(process, AUDITOR, "AUD-0002", "audit findings 0002")


def _single_source_cancelled(writer: Writer, budget_id: bytes) -> None:
    process = single_source(writer, budget_id, "cancelled", f"{OCID_PREFIX}-scn-0003")
    award(process, SUPPLIER_B, 300_000_00)
    complain(process, SUPPLIER_A, "CP-A-0003")  # left open: the process is cancelled before it is resolved
    tx_hash = process.act("ProcessCancelled", PURCHASER, "cancelProcess", process.run.pid, document("cancellation"))
    process.run.stage = "cancelled"
    writer.commitment_changed(tx_hash, -300_000_00)  # the award's commitment goes back to the budget line


def _contract_terminated(writer: Writer, budget_id: bytes) -> None:
    process = single_source(writer, budget_id, "terminated", f"{OCID_PREFIX}-scn-0004")
    award(process, SUPPLIER_B, 800_000_00)
    sign(process, "CT-SCN-0004", 800_000_00, {"M1": 200_000_00, "M2": 300_000_00, "M3": 300_000_00})
    deliver(process, "M1")
    accept(process, "M1")
    pay(process, "PV-0004-1", "M1", 150_000_00, payee=SUPPLIER_B)
    deliver(process, "M2")  # delivered, never accepted

    # A second auditor account joins, leaves a note, and is removed again.
    second, auditor_org = writer.second_auditor, hex_of(AUDITOR.org_id)
    writer.act_on(AUDITOR.org_id, "OrganisationAccountAdded", writer.admin, "addOrganisationAccount",
                  AUDITOR.org_id, second.address)  # fmt: skip
    audit_note(process, second, "AUD-0004", "audit findings 0004")
    writer.act_on(AUDITOR.org_id, "OrganisationAccountRemoved", writer.admin, "removeOrganisationAccount",
                  AUDITOR.org_id, second.address)  # fmt: skip
    writer.scenario.accounts[(auditor_org, writer.address(second))] = ("auditor", False)

    tx_hash = process.act("ContractTerminated", PURCHASER, "terminateContract", process.run.pid,
                          document("termination"))  # fmt: skip
    contract = process.contract
    contract.terminated, contract.released = True, contract.value - contract.accepted_total
    process.run.stage = "terminated"
    writer.commitment_changed(tx_hash, -contract.released)  # it settles at what was accepted
    pay(process, "PV-0004-2", "M1", 50_000_00, payee=SUPPLIER_B)  # the accepted milestone's rest, after termination
