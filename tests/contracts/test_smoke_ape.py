import ape

from tests.contracts.conftest import BUDGET_ID, Stage, doc


def test_ape_fixture_deploys_and_decodes_custom_errors(ledger, purchaser, outsider, create_process):
    pid = create_process("ocds-smoke")
    assert ledger.processOf(pid).stage == Stage.PLANNING
    with ape.reverts(ledger.ProcessAlreadyExists, processId=pid):
        ledger.createProcess("ocds-smoke", BUDGET_ID, 0, doc("x"), bytes(32), sender=purchaser)
    with ape.reverts(ledger.AccessControlUnauthorizedAccount):
        ledger.createProcess("ocds-smoke-2", BUDGET_ID, 0, doc("x"), bytes(32), sender=outsider)
