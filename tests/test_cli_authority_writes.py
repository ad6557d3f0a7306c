"""The finance bureau's, purchaser's and auditor's acts from the terminal, run as a user runs them on a real anvil:
each role's commands record their acts (locally through this data directory's outbox, signed with the
organisation's keystore, and through a remote gateway with a token), a second run returns the same write, and
each role's forbidden acts are refused in words: locally with the contract's decoded error, remotely with the
gateway's 403 naming the role needed. Supplier acts come from tests/test_cli_supplier.py; here the supplier's
deliveries and complaints are sent directly, as the fixtures of the HTTP tests do.
"""

from __future__ import annotations

from pathlib import Path

from ledger.chain.accounts import derive_account
from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.ledger_contract import LedgerContract, process_id_of, reference, scoped_id
from ledger.chain.setup import open_ledger
from ledger.demo import AUDITOR, BUDGET_ID, DELIVERY, FINANCE, OCID_PREFIX, PURCHASER, SUPPLIER_A, SUPPLIER_B
from ledger.settings import Settings
from tests.test_cli import _fails, deployed  # noqa: F401  (fixture)
from tests.test_cli_gateway import OCID, SECRET, _run
from tests.test_cli_writes import _configured, _gateway

STAGE_PLANNING, STAGE_COMPLETED, STAGE_CANCELLED, STAGE_TERMINATED = 1, 7, 8, 9  # IProcurementLedger.Stage


def _doc(settings: Settings, name: str) -> str:
    """A document file of its own content (so its SHA-256 is its own), as a user keeps one."""
    path = settings.data_dir.parent / name
    path.write_text(f"{name}: the document a user records\n")
    return str(path)


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _seeded(settings: Settings) -> LedgerContract:
    _run(settings, "seed")
    return open_ledger(settings, connect(settings.rpc_url))


def _stage(ledger: LedgerContract, ocid: str) -> int:
    return int(ledger.call("processOf", process_id_of(ocid))[4])  # Process.stage


def _chain_time(ledger: LedgerContract) -> int:
    return int(ledger.contract.w3.eth.get_block("latest")["timestamp"])


def _as_supplier(settings: Settings, ledger: LedgerContract, supplier: object, function: str, *args: object) -> None:
    sender = ledger.sender(derive_account(_configured(settings), supplier.account_index))  # type: ignore[attr-defined]
    ledger.send(sender, function, *args)


def test_a_finance_bureau_approves_a_budget_line_that_a_purchaser_opens_a_single_source_process_on_and_completes(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    ledger = _seeded(settings)
    approval = _doc(settings, "approval.txt")
    budget = _run(settings, "approve-budget", "2026-RIVERSIDE-ROADS-001", "--year", "2026", "--amount", "5000000",
                  "--purchaser", "purchaser", "--doc", approval, "--as", "finance").stderr  # fmt: skip
    budget_id = _hex(scoped_id(FINANCE.org_id, reference("2026-RIVERSIDE-ROADS-001")))
    assert f"write 1 queued (budget line id {budget_id}, doc 0x" in budget
    assert "budget line 2026-RIVERSIDE-ROADS-001: confirmed in transaction 0x" in budget
    assert ledger.call("budget", bytes.fromhex(budget_id[2:]))[0] == 5_000_000

    ocid = f"{OCID_PREFIX}-2026-0201"
    opened = _run(settings, "open-process", ocid, "--budget", budget_id, "--method", "single-source",
                  "--doc", _doc(settings, "notice.txt"), "--rationale", _doc(settings, "why.txt"),
                  "--as", "purchaser").stderr  # fmt: skip
    assert f"(process id {_hex(process_id_of(ocid))}, doc 0x" in opened and ", rationale 0x" in opened
    assert f"process {ocid}: confirmed in transaction 0x" in opened
    awarded = _run(settings, "award", ocid, "--supplier", "supplier-a", "--amount", "1000",
                   "--doc", _doc(settings, "award.txt"), "--as", "purchaser").stderr  # fmt: skip
    assert f"supplier {_hex(SUPPLIER_A.org_id)}, amount 1000" in awarded
    signed = _run(settings, "sign-contract", ocid, "--ref", "CT-0201", "--value", "1000", "--milestone",
                  "CT-0201/M1=600", "--milestone", "CT-0201/M2=400", "--doc", _doc(settings, "contract.txt"),
                  "--as", "purchaser").stderr  # fmt: skip
    assert f"contract id {_hex(reference('CT-0201'))}, 2 milestones" in signed
    amended = _run(settings, "amend-contract", ocid, "--ref", "CT-0201/A1", "--increase", "100", "--milestone",
                   "CT-0201/M3=100", "--doc", _doc(settings, "supplement.txt"), "--as", "purchaser").stderr  # fmt: skip
    assert "contract amendment CT-0201/A1: confirmed" in amended
    assert int(ledger.call("agreementOf", process_id_of(ocid))[1]) == 1100  # the value, raised by the amendment
    for milestone in ("CT-0201/M1", "CT-0201/M2", "CT-0201/M3"):
        report = bytes(32)[:-1] + b"\x01"
        _as_supplier(settings, ledger, SUPPLIER_A, "recordMilestone", process_id_of(ocid), reference(milestone),
                     DELIVERY, report)  # fmt: skip
        _run(settings, "accept", ocid, "--milestone", milestone, "--doc", _doc(settings, f"{milestone[-2:]}.txt"),
             "--as", "purchaser")  # fmt: skip
    completed = _run(settings, "complete", ocid, "--doc", _doc(settings, "completion.txt"), "--as", "purchaser")
    assert f"completion of {ocid}: confirmed" in completed.stderr
    assert _stage(ledger, ocid) == STAGE_COMPLETED

    again = _run(settings, "complete", ocid, "--doc", _doc(settings, "completion.txt"), "--as", "purchaser").stderr
    assert "already accepted" in again and f"completion of {ocid}: confirmed" in again  # the same write, once


def test_a_purchaser_publishes_amends_evaluates_and_cancels_an_open_tender_and_terminates_a_contract(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    ledger = _seeded(settings)
    ocid = f"{OCID_PREFIX}-2026-0202"
    _run(settings, "open-process", ocid, "--budget", _hex(BUDGET_ID), "--method", "open-tender",
         "--doc", _doc(settings, "notice.txt"), "--as", "purchaser")  # fmt: skip
    now = _chain_time(ledger)
    published = _run(settings, "publish-tender", ocid, "--bid-deadline", str(now + 1000), "--reveal-deadline",
                     str(now + 2000), "--doc", _doc(settings, "tender.txt"), "--as", "purchaser").stderr  # fmt: skip
    assert f"tender of {ocid}: confirmed" in published and "bids close 20" in published
    later = "2100-01-01T08:00:00+08:00"  # ISO 8601 with its zone: midnight UTC
    amended = _run(settings, "amend-tender", ocid, "--ref", "AMD-1", "--bid-deadline", str(now + 1500),
                   "--reveal-deadline", later, "--doc", _doc(settings, "tender-2.txt"), "--rationale",
                   _doc(settings, "why.txt"), "--as", "purchaser").stderr  # fmt: skip
    assert f"amendment id {_hex(reference('AMD-1'))}" in amended and "tender amendment AMD-1: confirmed" in amended
    assert int(ledger.call("processOf", process_id_of(ocid))[7]) == 4_102_444_800  # revealDeadline: 2100-01-01T00:00Z
    w3 = ledger.contract.w3
    w3.provider.make_request("evm_setNextBlockTimestamp", [4_102_444_801])  # test-only RPC: past the reveals
    w3.provider.make_request("evm_mine", [])
    evaluated = _run(settings, "evaluate", ocid, "--doc", _doc(settings, "evaluation.txt"), "--as", "purchaser")
    assert f"evaluation of {ocid}: confirmed" in evaluated.stderr
    _run(settings, "cancel", ocid, "--doc", _doc(settings, "cancel.txt"), "--as", "purchaser")
    assert _stage(ledger, ocid) == STAGE_CANCELLED

    terminated = _run(settings, "terminate", OCID, "--doc", _doc(settings, "terminate.txt"), "--as", "purchaser")
    assert f"termination of {OCID}: confirmed" in terminated.stderr
    assert _stage(ledger, OCID) == STAGE_TERMINATED


def test_a_finance_bureau_suspends_and_reinstates_an_organisation_and_resolves_a_complaint(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    ledger = _seeded(settings)
    suspended = _run(settings, "suspend", "purchaser", "--doc", _doc(settings, "suspend.txt"), "--as", "finance")
    assert f"suspension of {_hex(PURCHASER.org_id)}: confirmed" in suspended.stderr
    refused = _fails(settings, "open-process", f"{OCID_PREFIX}-2026-0203", "--budget", _hex(BUDGET_ID), "--method",
                     "open-tender", "--doc", _doc(settings, "notice.txt"), "--as", "purchaser", **SECRET)  # fmt: skip
    assert refused == (
        f"error: createProcess reverted: OrganisationUnderSuspension(orgId={_hex(PURCHASER.org_id)}, "
        f"suspendedBy={_hex(FINANCE.org_id)})"
    )
    _run(settings, "reinstate", _hex(PURCHASER.org_id), "--doc", _doc(settings, "reinstate.txt"), "--as", "finance")
    _run(settings, "open-process", f"{OCID_PREFIX}-2026-0203", "--budget", _hex(BUDGET_ID), "--method",
         "open-tender", "--doc", _doc(settings, "notice.txt"), "--as", "purchaser")  # fmt: skip
    again = _run(settings, "suspend", "purchaser", "--doc", _doc(settings, "suspend-2.txt"), "--as", "finance")
    assert "queued" in again.stderr  # a new decision document: a new suspension, not the first one replayed

    open_tender = f"{OCID_PREFIX}-2026-0001"  # the demo's process in tender
    _as_supplier(settings, ledger, SUPPLIER_B, "fileComplaint", process_id_of(open_tender), reference("LTR-7"),
                 bytes(31) + b"\x07")  # fmt: skip
    complaint_id = _hex(scoped_id(SUPPLIER_B.org_id, reference("LTR-7")))
    resolved = _run(settings, "resolve", open_tender, "--complaint", complaint_id, "--outcome", "upheld", "--doc",
                    _doc(settings, "ruling.txt"), "--as", "finance").stderr  # fmt: skip
    assert f"complaint {complaint_id} upheld: confirmed" in resolved
    assert int(ledger.call("complaintOf", process_id_of(open_tender), bytes.fromhex(complaint_id[2:]))[1]) == 3
    twice = _fails(settings, "resolve", open_tender, "--complaint", complaint_id, "--outcome", "dismissed",
                   "--doc", _doc(settings, "ruling-2.txt"), "--as", "finance", **SECRET)  # fmt: skip
    assert twice.startswith(
        f"error: resolveComplaint reverted: ComplaintNotOpen(processId={_hex(process_id_of(open_tender))}"
    )


def test_an_auditor_notes_findings_once_and_each_role_is_refused_anothers_act_in_words(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    ledger = _seeded(settings)
    findings = _doc(settings, "findings.txt")
    noted = _run(settings, "note", OCID, "--ref", "AUD-2026-031", "--doc", findings, "--as", "auditor").stderr
    note_id = _hex(scoped_id(AUDITOR.org_id, reference("AUD-2026-031")))
    assert (
        f"(audit note id {note_id}, findings 0x" in noted and f"audit note AUD-2026-031 on {OCID}: confirmed" in noted
    )
    again = _run(settings, "note", OCID, "--ref", "AUD-2026-031", "--doc", findings, "--as", "auditor").stderr
    assert "already accepted" in again
    logs = ledger.contract.events.AuditNoteRecorded.get_logs(from_block=0)
    assert [log["args"]["noteId"] for log in logs].count(bytes.fromhex(note_id[2:])) == 1

    doc = _doc(settings, "any.txt")
    denied = "AccessControlUnauthorizedAccount(account=0x"
    forbidden = {
        "finance": (["open-process", f"{OCID_PREFIX}-2026-0204", "--budget", _hex(BUDGET_ID), "--method",
                     "open-tender", "--doc", doc], f"createProcess reverted: {denied}",
                    "neededRole=PURCHASER_ROLE (0x"),
        "purchaser": (["approve-budget", "X-1", "--year", "2026", "--amount", "1", "--purchaser", "purchaser",
                       "--doc", doc], f"approveBudget reverted: {denied}", "neededRole=FINANCE_ROLE (0x"),
        "auditor": (["award", OCID, "--supplier", "supplier-a", "--amount", "1", "--doc", doc],
                    "awardProcess reverted: ProcessNotPurchaser(processId=0x",
                    f"purchaserOrg={_hex(PURCHASER.org_id)}"),
        "supplier-a": (["note", OCID, "--ref", "AUD-X", "--doc", doc], f"recordAuditNote reverted: {denied}",
                       "neededRole=AUDITOR_ROLE (0x"),
    }  # fmt: skip
    for role, (args, refusal, detail) in forbidden.items():
        error = _fails(settings, *args, "--as", role, **SECRET)
        assert error.startswith(f"error: {refusal}") and detail in error, (role, error)


def test_the_authorities_commands_work_through_a_remote_gateway_which_refuses_a_role_it_lacks(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    configured = _configured(settings)
    ledger = _seeded(configured)
    _run(settings, "index")  # the gateway checks roles on the mirror before the contract checks them again
    tokens = {role: _run(settings, "tokens", "create", role).stdout.strip() for role in ("finance", "purchaser",
                                                                                          "auditor")}  # fmt: skip
    doc = _doc(settings, "remote.txt")
    with _gateway(configured) as url:
        remote = {"PROCLEDGER_GATEWAY_URL": url, "PROCLEDGER_POLL_INTERVAL": "0.1"}
        budget = _run(settings, "approve-budget", "REMOTE-1", "--year", "2026", "--amount", "900", "--purchaser",
                      _hex(PURCHASER.org_id), "--doc", doc, PROCLEDGER_GATEWAY_TOKEN=tokens["finance"],
                      **remote).stderr  # fmt: skip
        budget_id = _hex(scoped_id(FINANCE.org_id, reference("REMOTE-1")))
        assert (
            f"(budget line id {budget_id}, doc 0x" in budget
            and "stays here: only its SHA-256 went to the gateway" in budget
        )
        assert "budget line REMOTE-1: confirmed" in budget
        noted = _run(settings, "note", OCID, "--ref", "AUD-R1", "--doc", doc,
                     PROCLEDGER_GATEWAY_TOKEN=tokens["auditor"], **remote).stderr  # fmt: skip
        assert f"audit note id {_hex(scoped_id(AUDITOR.org_id, reference('AUD-R1')))}" in noted
        ocid = f"{OCID_PREFIX}-2026-0205"
        opened = _run(settings, "open-process", ocid, "--budget", budget_id, "--method", "open-tender", "--doc", doc,
                      PROCLEDGER_GATEWAY_TOKEN=tokens["purchaser"], **remote).stderr  # fmt: skip
        assert f"process {ocid}: confirmed" in opened
        assert _stage(ledger, ocid) == STAGE_PLANNING

        for role, args, needed, path in [
            ("purchaser", ["approve-budget", "R-2", "--year", "2026", "--amount", "1", "--purchaser",
                           _hex(PURCHASER.org_id), "--doc", doc], "finance", "/budgets"),
            ("auditor", ["cancel", ocid, "--doc", doc], "purchaser", "/cancellations"),
            ("finance", ["note", OCID, "--ref", "AUD-R2", "--doc", doc], "auditor", "/audit-notes"),
        ]:  # fmt: skip
            error = _fails(settings, *args, PROCLEDGER_GATEWAY_TOKEN=tokens[role], **remote)
            assert error.startswith(f"error: the gateway says: POST {path} needs the {needed} role;"), error


def test_malformed_options_are_one_line_errors_naming_the_form_wanted(settings: Settings) -> None:
    doc = _doc(settings, "any.txt")
    deadline = _fails(settings, "publish-tender", OCID, "--bid-deadline", "2026-12-31 17:00", "--reveal-deadline",
                      "1", "--doc", doc, "--as", "0x" + "11" * 32)  # fmt: skip
    assert deadline == (
        "error: --bid-deadline '2026-12-31 17:00' is not a moment with its time zone: write e.g. "
        "2026-12-31T17:00+08:00, or unix seconds"
    )
    milestone = _fails(settings, "sign-contract", OCID, "--ref", "CT-1", "--value", "1", "--milestone", "M1:5",
                       "--doc", doc, "--as", "0x" + "11" * 32)  # fmt: skip
    assert milestone.startswith("error: --milestone 'M1:5' is not a milestone: write REFERENCE=AMOUNT")
    budget = _fails(settings, "open-process", OCID, "--budget", "0x12", "--method", "open-tender", "--doc", doc)
    assert budget == "error: --budget '0x12' is not an on-chain id: 0x and 64 hex digits"
    missing = _fails(settings, "note", OCID, "--ref", "AUD-1", "--doc", str(Path(doc).with_name("nowhere.txt")))
    assert missing.startswith("error: cannot read ") and "check the path" in missing


def test_each_authority_command_explains_the_contracts_refusal_by_name(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _seeded(settings)
    doc, nowhere = _doc(settings, "refused.txt"), f"{OCID_PREFIX}-2026-9999"  # a process never opened
    unknown = f"ProcessUnknown(processId={_hex(process_id_of(nowhere))})"
    refused = {
        ("suspend", "auditor", "--as", "finance"): "suspendOrganisation reverted: OrganisationNotSuspendable(",
        ("reinstate", "supplier-a", "--as", "finance"): "reinstateOrganisation reverted: OrganisationNotSuspended(",
        ("publish-tender", nowhere, "--bid-deadline", "4102444800", "--reveal-deadline", "4102531200", "--as",
         "purchaser"): f"openTender reverted: {unknown}",
        ("amend-tender", nowhere, "--ref", "AMD-9", "--bid-deadline", "4102444800", "--reveal-deadline", "4102531200",
         "--rationale", doc, "--as", "purchaser"): f"amendTender reverted: {unknown}",
        ("evaluate", nowhere, "--as", "purchaser"): f"recordEvaluation reverted: {unknown}",
        ("cancel", nowhere, "--as", "purchaser"): f"cancelProcess reverted: {unknown}",
        ("amend-contract", nowhere, "--ref", "A-9", "--increase", "1", "--as", "purchaser"):
            f"amendContract reverted: {unknown}",
        ("terminate", nowhere, "--as", "purchaser"): f"terminateContract reverted: {unknown}",
        ("complete", nowhere, "--as", "purchaser"): f"completeProcess reverted: {unknown}",
    }  # fmt: skip
    for args, refusal in refused.items():
        error = _fails(settings, *args, "--doc", doc, **SECRET)
        assert error.startswith(f"error: {refusal}"), (args[0], error)
