"""Which ocid a process is published under.

Every process already has an ocid on chain, beginning with a prefix the chain registered to its purchaser
(e.g. `ocds-pl0001-2026-0001`). A publisher whose OCDS prefix is registered with the Open Contracting Partnership
(e.g. `ocds-213czf`) sets it as `PROCLEDGER_OCDS_OCID_PREFIX`: an on-chain ocid that does not already begin with
that prefix and a "-" is then published as `{prefix}-{on-chain ocid}`. Unset, ocids are published as on chain. The
on-chain ocid stays the key: it is what the contract checked and what every other command takes.
"""

from __future__ import annotations


def published_ocid(chain_ocid: str, prefix: str) -> str:
    """The ocid a process with `chain_ocid` is published under, given the publisher prefix (empty: none)."""
    if not prefix or chain_ocid.startswith(prefix + "-"):
        return chain_ocid
    return f"{prefix}-{chain_ocid}"


def chain_ocid_candidates(ocid: str, prefix: str) -> list[str]:
    """The on-chain ocids that `ocid` (as published, or as on chain) may name, most likely first."""
    if prefix and ocid.startswith(prefix + "-"):
        return [ocid[len(prefix) + 1 :], ocid]
    return [ocid]
