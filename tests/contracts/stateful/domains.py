"""The machine's argument domains: the pools of accounts, organisations, processes, budget lines and ids its rules
draw from (each small, so resends happen), the Hypothesis strategies over them, and the small pure helpers the
rules share.
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak
from hypothesis import strategies as st

from tests.contracts.conftest import (
    ACCOUNT_INDEX,
    AUDITOR_ORG,
    BUDGET_ID,
    BUDGET_REF,
    CONTRACT_ID,
    FINANCE_ORG,
    HOUR,
    M1,
    M2,
    M3,
    OPEN_TENDER,
    OTHER_BUDGET_ID,
    OTHER_BUDGET_REF,
    OTHER_FINANCE_ORG,
    OTHER_PURCHASER_ORG,
    PUBLISHER_ORG,
    PURCHASER_ORG,
    SINGLE_SOURCE,
    SUPPLIER_A_ORG,
    SUPPLIER_B_ORG,
    SUPPLIER_C_ORG,
    ZERO_HASH,
    Stage,
    doc,
    org,
    scoped_id,
)

ACTORS = tuple(ACCOUNT_INDEX)  # every named account: admin, the organisations' accounts, outsider, relayer
SUPPLIERS = ("supplier_a", "supplier_a2", "supplier_b", "supplier_c")
OCIDS = ("ocds-test-sm-1", "ocds-test-sm-2", "ocds-other-sm-1")  # two of PURCHASER_ORG's, one of OTHER_PURCHASER_ORG's
BAD_OCIDS = ("", "x" * 129, "ocds-testx-sm-1")  # too short, too long, a prefix nobody registered
PROCESS_IDS = tuple(keccak(text=ocid) for ocid in OCIDS)
UNKNOWN_ORG = org("NEVER-REGISTERED")
ORG_IDS = {
    "A": SUPPLIER_A_ORG,
    "B": SUPPLIER_B_ORG,
    "C": SUPPLIER_C_ORG,
    "purchaser": PURCHASER_ORG,
    "other purchaser": OTHER_PURCHASER_ORG,
    "finance": FINANCE_ORG,
    "other finance": OTHER_FINANCE_ORG,
    "auditor": AUDITOR_ORG,
    "publisher": PUBLISHER_ORG,
    "unknown": UNKNOWN_ORG,
    "zero": ZERO_HASH,
}
ORG_NAMES = {org_id: name for name, org_id in ORG_IDS.items()}
SUPPLIER_ORGS = (SUPPLIER_A_ORG, SUPPLIER_B_ORG, SUPPLIER_C_ORG)
BUREAUS = (FINANCE_ORG, OTHER_FINANCE_ORG)
NEW_BUDGET_REF = keccak(text="SM-BUDGET-2027")
NEW_BUDGET_AMOUNT = 300_000_00
BUDGET_IDS = tuple(
    scoped_id(bureau, ref) for bureau in BUREAUS for ref in (BUDGET_REF, OTHER_BUDGET_REF, NEW_BUDGET_REF)
)
BUDGETS = {
    "line": BUDGET_ID,
    "other line": OTHER_BUDGET_ID,
    "new line": scoped_id(FINANCE_ORG, NEW_BUDGET_REF),
    "other new line": scoped_id(OTHER_FINANCE_ORG, NEW_BUDGET_REF),
    "unknown": keccak(text="BUDGET-NOBODY-APPROVED"),
}
MILESTONE_IDS = (M1, M2, M3, keccak(text="milestone-4"), keccak(text="milestone-5"))


def refs(*labels: str) -> dict[str, bytes]:
    return {label: keccak(text=f"sm {label}") for label in labels}


TENDER_AMENDMENTS = refs("ta1", "ta2")
CONTRACT_IDS = {"c1": CONTRACT_ID, "c2": keccak(text="CONTRACT-2026-002"), "zero": ZERO_HASH}
CONTRACT_AMENDMENTS = refs("ca1", "ca2", "ca3")
PAYMENTS = refs("p1", "p2", "p3", "p4", "p5")
COMPLAINTS = refs("c1", "c2", "c3", "c4")  # four, so a fourth open complaint of one organisation hits the cap of 3
NOTES = refs("n1", "n2")
ROOTS = {"r1": doc("root 1"), "r2": doc("root 2"), "r3": doc("root 3"), "zero": ZERO_HASH}
SMALL = 12_345
DAY = 24 * HOUR
OPEN_STAGES = range(Stage.PLANNING, Stage.COMPLETED)
ACTIVE = (Stage.CONTRACTED, Stage.IMPLEMENTATION)


# ─── Argument domains ────────────────────────────────────────────────────────────────────────────────────────


def actor(*preferred: str) -> st.SearchStrategy[str]:
    """Any account, with the ones the action is meant for drawn about two times in three.

    A name starting with "@" is a party of the process acted on, resolved at the step ("@purchaser" is an account
    of its purchaser organisation), since processes belong to different organisations and accounts move.
    """
    return st.one_of(st.sampled_from(preferred), st.sampled_from(preferred), st.sampled_from(ACTORS))


ocid_strategy = st.sampled_from(OCIDS)
# Random actions name a process of the pool, or "suitable": the first one at a stage where the action can succeed,
# so that they also hit the checks that only a process at the right stage reaches.
process_ref = st.sampled_from(["suitable", "suitable", *OCIDS])
method_strategy = st.sampled_from([OPEN_TENDER, SINGLE_SOURCE])
choice_strategy = st.integers(0, 7)  # which variant of the next step `progress` takes; 7 is the twist
progress_step = st.tuples(st.sampled_from(SUPPLIERS), choice_strategy)  # `progress`'s supplier account and choice
WARM_UP_DEPTH = 30  # most `progress` steps a process takes in `warm_up`
# A document hash is present seven times in eight: a missing one must revert, but should not mask every other check.
doc_ok = st.integers(0, 7).map(lambda i: i != 7)
bid_amount = st.sampled_from(["small", "one", "remaining", "remaining+1", "zero"])
milestone_ref = st.sampled_from(["next", "next", *range(len(MILESTONE_IDS))])


def hash_or_zero(ok: bool, label: str) -> bytes:
    return doc(label) if ok else ZERO_HASH


def another_key(name: str) -> str:
    """An account other than `name`, whose signature `name`'s does not match."""
    return SUPPLIERS[(SUPPLIERS.index(name) + 1) % len(SUPPLIERS)] if name in SUPPLIERS else "relayer"


def nonzero(value: bytes, default: bytes) -> bytes:
    """`value` unless it is the zero hash (which, as any non-empty bytes, is true for `or`)."""
    return value if value != ZERO_HASH else default


def pick_of(options: list[Any], index: int) -> Any:
    return options[index % len(options)]


def split(total: int, count: int) -> list[int]:
    """`total` in `count` parts (the last takes the remainder), as a payment schedule."""
    base = max(total, 0) // count
    return [base] * (count - 1) + [max(total, 0) - base * (count - 1)]
