"""Every write the gateway takes, by its outbox name: each kind of write lives in its own module and is listed here."""

from __future__ import annotations

from ledger.gateway.actions import PAYMENT, Action
from ledger.gateway.anchor_action import ANCHOR
from ledger.gateway.audit_actions import AUDIT_NOTE
from ledger.gateway.contract_actions import ACCEPTANCE, COMPLETION, CONTRACT, CONTRACT_AMENDMENT, TERMINATION
from ledger.gateway.finance_actions import BUDGET, COMPLAINT_RESOLUTION, REINSTATEMENT, SUSPENSION
from ledger.gateway.process_actions import AWARD, CANCELLATION, EVALUATION, PROCESS, TENDER, TENDER_AMENDMENT
from ledger.gateway.supplier_actions import SUPPLIER_ACTIONS

ACTIONS: dict[str, Action] = {action.name: action for action in (PAYMENT, ANCHOR)}
# The authorities' acts (finance bureau, purchaser, auditor), signed with their organisations' keystore keys.
_AUTHORITY_ACTIONS = (
    BUDGET, SUSPENSION, REINSTATEMENT, COMPLAINT_RESOLUTION,
    PROCESS, TENDER, TENDER_AMENDMENT, EVALUATION, AWARD, CANCELLATION,
    CONTRACT, CONTRACT_AMENDMENT, ACCEPTANCE, TERMINATION, COMPLETION,
    AUDIT_NOTE,
)  # fmt: skip
ACTIONS.update((action.name, action) for action in _AUTHORITY_ACTIONS)
ACTIONS.update((action.name, action) for action in SUPPLIER_ACTIONS)  # signed by the relayer or the supplier itself
