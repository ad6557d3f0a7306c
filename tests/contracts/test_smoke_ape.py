import ape

from tests.contracts.conftest import BUDGET_ID, Stage, doc


def test_ape_fixture_deploys_and_decodes_custom_errors(ledger, purchaser, outsider, create_process):
    pid = create_process("ocds-test-smoke")
    assert ledger.processOf(pid).stage == Stage.PLANNING
    assert ledger.version() == "2.0.0"
    with ape.reverts(ledger.ProcessAlreadyRecorded, processId=pid):
        ledger.createProcess("ocds-test-smoke", BUDGET_ID, 0, doc("x"), bytes(32), sender=purchaser)
    with ape.reverts(ledger.AccessControlUnauthorizedAccount):
        ledger.createProcess("ocds-test-smoke-2", BUDGET_ID, 0, doc("x"), bytes(32), sender=outsider)
