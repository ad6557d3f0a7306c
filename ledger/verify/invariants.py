"""The rules the contracts promise, checked on a replayed state. Each check returns nothing or raises an
InvariantViolationError subclass saying what was expected, what was found, and which event shows it.

The contracts refuse what breaks these rules, so on an honest chain they always hold; a failure means the
history served is not one the contracts could have produced (or a replayed state was edited).
"""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from ledger.errors import AmendmentCapError, AwardError, BidRevealError, PaymentBoundError, StageOrderError
from ledger.verify.replay import Evidence, ReplayedState

# Forward order of a process's stages; cancelling and terminating are exits from the stages listed for them.
_RANK = {
    stage: rank
    for rank, stage in enumerate(
        ("planning", "tender", "evaluation", "awarded", "contracted", "implementation", "completed")
    )
}
_EXITS = {
    "cancelled": ("planning", "tender", "evaluation", "awarded"),
    "terminated": ("contracted", "implementation"),
}


def verify_invariants(state: ReplayedState) -> None:
    """Check every rule on every process of `state`; raise on the first that does not hold."""
    check_stages(state)
    check_payments(state)
    check_amendment_cap(state)
    check_bid_reveals(state)
    check_awards(state)


def check_stages(state: ReplayedState) -> None:
    """Stages move forward only: planning → tender → evaluation → awarded → contracted → implementation →
    completed, cancelled before a contract, terminated after one."""
    for process in state.rows("processes"):
        history = state.stages.get(process["process_id"], [])
        previous: str | None = None
        for stage, evidence in history:
            _check_step(process["ocid"], previous, stage, evidence)
            previous = stage
        if previous != process["stage"]:
            raise StageOrderError(
                f"process {process['ocid']} to end at the last stage its events set, {previous}",
                f"stage {process['stage']}",
            )


def _check_step(ocid: str, previous: str | None, stage: str, evidence: Evidence) -> None:
    if previous is None:
        allowed = stage == "planning"
    elif stage in _EXITS:
        allowed = previous in _EXITS[stage]
    else:
        allowed = previous in _RANK and stage in _RANK and _RANK[stage] > _RANK[previous]
    if not allowed:
        expected = "a process to start at planning" if previous is None else f"a stage after {previous}"
        raise StageOrderError(f"{expected} for {ocid}", f"{previous or '(none)'} → {stage}", _show(evidence))


def check_payments(state: ReplayedState) -> None:
    """Paid ≤ accepted ≤ value for every contract; a milestone is paid at most its amount, only once accepted;
    a contract's paid is the sum of its payments."""
    payments: dict[str, int] = {}
    for payment in state.rows("payments"):
        payments[payment["process_id"]] = payments.get(payment["process_id"], 0) + payment["amount"]
    for contract in state.rows("contracts"):
        key = (contract["process_id"],)
        paid, accepted, value = contract["paid"], contract["accepted_total"], contract["value"]
        if not paid <= accepted:
            raise PaymentBoundError(
                f"paid <= accepted ({accepted}) for contract {contract['contract_id']}",
                f"paid {paid}",
                _show(state.evidence("contracts", key, "paid")),
            )
        if not accepted <= value:
            raise PaymentBoundError(
                f"accepted <= value ({value}) for contract {contract['contract_id']}",
                f"accepted {accepted}",
                _show(state.evidence("contracts", key, "accepted_total")),
            )
        if paid != payments.get(contract["process_id"], 0):
            raise PaymentBoundError(
                f"contract {contract['contract_id']} paid to be the sum of its payments, "
                f"{payments.get(contract['process_id'], 0)}",
                f"paid {paid}",
                _show(state.evidence("contracts", key, "paid")),
            )
    for milestone in state.rows("milestones"):
        if milestone["paid"] > milestone["amount"] or (milestone["paid"] and milestone["state"] != "accepted"):
            raise PaymentBoundError(
                f"milestone {milestone['milestone_id']} paid at most its amount {milestone['amount']}, once accepted",
                f"paid {milestone['paid']} while {milestone['state']}",
                _show(state.evidence("milestones", (milestone["process_id"], milestone["milestone_id"]), "paid")),
            )


def check_amendment_cap(state: ReplayedState) -> None:
    """Supplementary amendments total at most 10% of a contract's original value, and the value is the original
    plus them (政府采购法 art. 49)."""
    for contract in state.rows("contracts"):
        key = (contract["process_id"],)
        original, amended = contract["original_value"], contract["amended_total"]
        if amended * 10 > original:  # as the contract checks it: no rounding of original / 10
            raise AmendmentCapError(
                f"amendments to contract {contract['contract_id']} totalling at most {original // 10} "
                f"(10% of {original})",
                f"{amended}",
                _show(state.evidence("contracts", key, "amended_total")),
            )
        if contract["value"] != original + amended:
            raise AmendmentCapError(
                f"contract {contract['contract_id']} value {original + amended} (original {original} + "
                f"amendments {amended})",
                f"{contract['value']}",
                _show(state.evidence("contracts", key, "value")),
            )


def check_bid_reveals(state: ReplayedState) -> None:
    """Every revealed bid opens its commitment: keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash,
    salt)) is recomputed with the salt its reveal transaction sent."""
    for bid in state.rows("bids"):
        if not bid["revealed"]:
            continue
        key = (bid["process_id"], bid["bidder_org"])
        evidence = _show(state.evidence("bids", key, "amount"))
        salt = state.salts.get(key)
        if salt is None:
            raise BidRevealError(
                f"the reveal of {bid['bidder_org']}'s bid to call revealBid with its salt",
                "no revealBid call in its transaction",
                evidence,
            )
        words = [_bytes(bid["process_id"]), _bytes(bid["bidder_org"]), bid["amount"], _bytes(bid["bid_doc_hash"])]
        encoded = encode(["bytes32", "bytes32", "uint96", "bytes32", "bytes32"], [*words, _bytes(salt)])
        recomputed = "0x" + keccak(encoded).hex()
        if recomputed != bid["commitment"]:
            raise BidRevealError(
                f"commitment {bid['commitment']} of {bid['bidder_org']}'s bid",
                f"{recomputed} recomputed from its reveal (amount {bid['amount']})",
                evidence,
            )


def check_awards(state: ReplayedState) -> None:
    """An open tender's award goes to a bid that was revealed, at that bid's amount."""
    methods = {process["process_id"]: process["method"] for process in state.rows("processes")}
    bids = state.tables.get("bids", {})
    for award in state.rows("awards"):
        if methods.get(award["process_id"]) != "open_tender":
            continue
        evidence = _show(Evidence(award["tx_hash"], award["log_index"], award["block_number"]))
        bid = bids.get((award["process_id"], award["supplier_org"]))
        if bid is None or not bid["revealed"]:
            raise AwardError(
                f"the award to go to a revealed bid of {award['supplier_org']}",
                "no bid" if bid is None else "a bid that was never revealed",
                evidence,
            )
        if bid["amount"] != award["amount"]:
            raise AwardError(f"the award at the revealed amount {bid['amount']}", f"{award['amount']}", evidence)


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def _show(evidence: Evidence | None) -> str:
    if evidence is None:
        return ""
    return f"tx {evidence.tx_hash}, log {evidence.log_index}, block {evidence.block_number}"
