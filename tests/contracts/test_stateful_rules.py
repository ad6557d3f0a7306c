"""Stateful property test: random sequences of actions by random accounts, on chain and in a Python model of the rules.

Every rule picks an action, an account among all the named ones (admin, the organisations' accounts, the relayer
and an outsider) and arguments from small domains with their boundary values, asks the model
(tests/contracts/model/) whether the contract must accept it or which custom error it must revert with, sends it
to the ledger and checks the outcome. The actions cover the whole ledger: budget lines, processes (open tender and
single source), tender amendments, sealed bids committed directly or relayed with EIP-712 signatures (fresh, stale
and cancelled nonces), reveals, evaluation, award, contracts with milestone schedules and their amendments,
deliveries, acceptances, payments, completion and termination, complaints with standing and the per-organisation
cap, audit notes, document anchors, organisation membership (accounts added, removed, moved from supplier A's
organisation to C's) and suspension (by one bureau, reinstated by it, not by the other). Every id is drawn from a
small pool, so resends happen and must revert `…AlreadyRecorded`.

After every step the invariants compare the chain with the model and check the domain rules on the chain itself:
- no payment reaches an account outside the contracted supplier organisation at its block (by the model's
  membership, and on chain by the PaymentRecorded event against organisationOf(payee) at the receipt's block);
- per milestone paid ≤ amount, and Σ paid ≤ accepted total ≤ scheduled total ≤ contract value;
- each budget line commits exactly the sum over its processes (award while Awarded, value while Contracted or in
  Implementation, accepted total once Completed or Terminated, 0 otherwise), never more than the line holds, and
  never less than was paid on it;
- each id is recorded once: the creation events on chain, counted per id, are exactly the model's records;
- stages only move forward, amendments stay within 10% of the original value, and no open-tender award goes to
  anything but a revealed bid at its amount.

Run: PATH=$PWD/node_modules/.bin:$PATH .venv/bin/python -m pytest tests/contracts/test_stateful_rules.py -q
(-s prints how many of each action succeeded and reverted). A failure prints the shortest sequence found, step by
step, with each action's outcome on chain and in the model.

The machine lives in tests/contracts/stateful/: its argument domains, chain I/O, rules by domain, happy-path driver
and invariants.
"""

from __future__ import annotations

import os
from typing import Any

from ape.logging import LogLevel, logger
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.contracts.stateful import Env, LedgerRules, print_outcomes

# CI runs must be reproducible: derandomize=True makes Hypothesis derive its examples from the test itself (no
# example database, no random seed), so every run on every machine replays the same sequences and a red build is
# never a fluke. To explore other sequences locally, set LEDGER_STATEFUL_RANDOM=1 (and LEDGER_STATEFUL_EXAMPLES=200).
SETTINGS = settings(
    max_examples=int(os.environ.get("LEDGER_STATEFUL_EXAMPLES", "25")),
    stateful_step_count=30,
    deadline=None,
    derandomize=not os.environ.get("LEDGER_STATEFUL_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_random_sequences_follow_the_rules(ledger: Any, chain: Any, members: dict[str, Any]) -> None:
    env = Env(ledger, chain, dict(members))
    machine = type("LedgerRulesOnChain", (LedgerRules,), {"env": env})
    with logger.at_level(LogLevel.WARNING):  # not a line per confirmed transaction
        run_state_machine_as_test(machine, settings=SETTINGS)
    print_outcomes(env.outcomes)  # shown with -s
