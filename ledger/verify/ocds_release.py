"""An imported OCDS release against the chain: its proof file says which anchored roots hold it; the chain alone
says whether they do.

A proof file (`procledger ocds proof`, or built on the fly by `procledger verify ocds-release`) holds the release
as published and one entry per leaf:

    {"format": "procledger-ocds-release-proof/1", "chain_id": 31337, "anchorer_org": "0x<32 bytes>",
     "release": "<the release's JSON text>",
     "leaves": [{"of": "release" | "document N", "sha256": "0x…", "root": "0x…", "leaf_index": 0,
                 "tree_size": 7, "audit_path": ["0x…", …]}]}

Nothing in it is trusted. Each hash is recomputed from the release text (ledger.ocds.canonical: the release's
canonical JSON, and that of the N-th document object it lists), each audit path must lead to its root (RFC 6962,
ledger.proofs.merkle), and each root must have been anchored on chain by that organisation with that many leaves
(a DocumentsAnchored event). The release and every document it lists must be proven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.errors import DocumentVerificationError, VerificationError
from ledger.indexer.fetch import fetch_chain_id, fetch_head, retrying
from ledger.ocds.canonical import canonical_sha256, listed_documents, parse_release
from ledger.proofs.merkle import verify_inclusion
from ledger.verify.documents import parsed_hash
from ledger.verify.source import ChainSource, logs_matching

FORMAT = "procledger-ocds-release-proof/1"
RELEASE = "release"


@dataclass(frozen=True)
class ProvenLeaf:
    """One hash of the release proven to be leaf `leaf_index` of a root anchored on chain by `tx_hash`."""

    of: str
    sha256: str
    root: str
    leaf_index: int
    tree_size: int
    tx_hash: str
    block_number: int


@dataclass(frozen=True)
class VerifiedRelease:
    """An imported release whose text and listed documents are proven anchored."""

    ocid: str
    release_id: str
    anchorer_org: str
    leaves: list[ProvenLeaf]


def verify_release_proof(source: ChainSource, proof: Mapping[str, Any]) -> VerifiedRelease:
    """Check a release proof against the chain; raise a VerificationError naming what was expected and found."""
    if not isinstance(proof, Mapping) or proof.get("format") != FORMAT:
        got = proof.get("format") if isinstance(proof, Mapping) else type(proof).__name__
        raise DocumentVerificationError(f"expected a release proof of format {FORMAT}, got {got!r}")
    chain_id = retrying(lambda: fetch_chain_id(source.w3))
    if proof.get("chain_id") != chain_id:
        raise VerificationError(f"expected a proof for chain id {chain_id} (the node's), got {proof.get('chain_id')}")
    try:
        release = parse_release(str(proof["release"]))
        anchorer = parsed_hash(proof["anchorer_org"])
        entries = [_entry(entry) for entry in proof["leaves"]]
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise DocumentVerificationError(f"expected a proof following {FORMAT}, got {error!r}") from error
    if not isinstance(release, dict):
        raise DocumentVerificationError(f"expected the proof's release to be a JSON object, got {type(release)}")
    expected = {RELEASE: canonical_sha256(release)}
    for number, document in enumerate(listed_documents(release), start=1):
        expected[f"document {number}"] = canonical_sha256(document)
    proven_of = {entry[0] for entry in entries}
    missing = [of for of in expected if of not in proven_of]
    if missing:
        raise DocumentVerificationError(f"expected a leaf for each of {', '.join(expected)}, got none for {missing}")
    anchors = _anchors(source, {entry[2] for entry in entries})
    leaves = []
    for of, sha256, root, index, size, path in entries:
        if expected.get(of) != sha256:
            raise DocumentVerificationError(
                f"expected the {of} of the release to hash to {sha256} as the proof says, got {expected.get(of)}"
            )
        verify_inclusion(bytes.fromhex(sha256[2:]), index, size, [bytes.fromhex(step[2:]) for step in path],
                         bytes.fromhex(root[2:]))  # fmt: skip
        anchor = anchors.get((anchorer, root))
        if anchor is None:
            raise DocumentVerificationError(
                f"expected root {root} anchored on chain by {anchorer}, got no DocumentsAnchored event"
            )
        count, tx_hash, block = anchor
        if count != size:
            raise DocumentVerificationError(f"expected root {root} anchored with {size} leaves, got {count} on chain")
        leaves.append(ProvenLeaf(of, sha256, root, index, size, tx_hash, block))
    return VerifiedRelease(str(release.get("ocid")), str(release.get("id")), anchorer, leaves)


def _entry(entry: Mapping[str, Any]) -> tuple[str, str, str, int, int, list[str]]:
    path = [parsed_hash(step) for step in entry["audit_path"]]
    return (str(entry["of"]), parsed_hash(entry["sha256"]), parsed_hash(entry["root"]), int(entry["leaf_index"]),
            int(entry["tree_size"]), path)  # fmt: skip


def _anchors(source: ChainSource, roots: set[str]) -> dict[tuple[str, str], tuple[int, str, int]]:
    """Leaf count, transaction and block of each (anchorer, root) anchored on chain among `roots`."""
    head = retrying(lambda: fetch_head(source.w3))
    topic = source.decoder.topic_of("DocumentsAnchored")
    found: dict[tuple[str, str], tuple[int, str, int]] = {}
    for log in logs_matching(source, head, [topic, sorted(roots)]):
        event = source.decoder.decode(log)
        if event is not None:
            key = (str(event.args["anchorerOrg"]), str(event.args["root"]))
            found.setdefault(key, (int(event.args["count"]), log.tx_hash, log.block_number))
    return found
