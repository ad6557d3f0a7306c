"""The Hypothesis state machine of tests/contracts/test_stateful_rules.py, which runs random actions on chain and in
the Python model of the rules (tests/contracts/model/) and checks that both agree.

`domains` holds the pools and strategies the rules draw their arguments from, `chain` the web3 reads, sends and
decoding, `base` the machine's state and the sending of an action to both; the rules are mixins by domain
(`organisation_rules`, `process_rules`, `bid_rules`, `oversight_rules`, `contract_rules`), `driver` takes processes
along the happy path and `invariants` checks the chain after every step. Hypothesis collects the `@rule`,
`@initialize` and `@invariant` methods through inheritance, so `LedgerRules` only composes them.
"""

from __future__ import annotations

from tests.contracts.stateful.base import Env, print_outcomes
from tests.contracts.stateful.driver import HappyPath

__all__ = ["Env", "LedgerRules", "print_outcomes"]


class LedgerRules(HappyPath):
    """Every rule, the happy-path driver and the invariants; a test subclass sets `env`."""
