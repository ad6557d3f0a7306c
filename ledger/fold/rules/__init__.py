"""Projection rules, one per event, by domain. Pure: they change the working set they are given, nothing else."""

from __future__ import annotations

from ledger.fold.rules import contracts, parties, tendering
from ledger.fold.working_set import Rule

RULES: dict[str, Rule] = {**parties.RULES, **tendering.RULES, **contracts.RULES}
"""Every event's rule, by event name."""
