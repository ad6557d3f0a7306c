"""Every write the gateway takes, by its outbox name: each kind of write lives in its own module and is listed here."""

from __future__ import annotations

from ledger.gateway.actions import PAYMENT, Action

ACTIONS: dict[str, Action] = {action.name: action for action in (PAYMENT,)}
