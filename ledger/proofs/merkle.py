"""Merkle trees that anchor a batch of documents on chain with one root, and proofs that a document is in one.

The scheme is RFC 6962 (as carried into RFC 9162) over SHA-256, with 0x00/0x01 domain separation so that an
interior node can never be passed off as a leaf:

- A document enters the tree by its SHA-256, `doc_sha256` (32 bytes).
- leaf_hash = SHA256(0x00 || doc_sha256)
- node_hash = SHA256(0x01 || left || right)
- The root of n >= 1 leaves is MTH of RFC 6962 §2.1: with k the largest power of two below n,
  MTH(D[0:n]) = node_hash(MTH(D[0:k]), MTH(D[k:n])), and MTH of one leaf is its leaf hash. An empty batch has
  no root.
- An inclusion proof is the audit path of RFC 6962 §2.1.1 (sibling hashes, leaf level first), checked with the
  algorithm of RFC 9162 §2.1.3.2 from the leaf index, the tree size, the leaf hash and the path.

The root does not commit to the tree size: the size only fixes how long the path must be, so a proof for leaf i
also verifies with any other size that gives a path of the same length. Take the size from the same anchored
record as the root, never from whoever presents the proof.

`contracts/libraries/MerkleRFC6962.sol` implements the same check on chain; both are pinned by
`tests/assets/merkle_rfc6962_vectors.json`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.errors import VerificationError

HASH_SIZE = 32
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(doc_sha256: bytes) -> bytes:
    """The leaf of a document: SHA256(0x00 || doc_sha256)."""
    _require_hash(doc_sha256, "document hash")
    return hashlib.sha256(_LEAF_PREFIX + doc_sha256).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The parent of two subtree hashes: SHA256(0x01 || left || right)."""
    _require_hash(left, "left child hash")
    _require_hash(right, "right child hash")
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def merkle_root(doc_hashes: Sequence[bytes]) -> bytes:
    """The RFC 6962 root of a non-empty batch of document SHA-256 hashes."""
    return _levels(doc_hashes)[-1][0]


def inclusion_proof(doc_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of the document at `index`, leaf level first; O(n) to build the tree."""
    if doc_hashes and not 0 <= index < len(doc_hashes):
        raise IndexError(f"expected a leaf index in [0, {len(doc_hashes)}), got {index}")
    return _audit_path(_levels(doc_hashes), index)


def inclusion_proofs(doc_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """The audit path of every document in the batch, in order; O(n log n) in all."""
    levels = _levels(doc_hashes)
    return [_audit_path(levels, index) for index in range(len(doc_hashes))]


def verify_inclusion(doc_sha256: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that the document is leaf `index` of the `size`-leaf tree with `root`; raise VerificationError if not."""
    checks = [(doc_sha256, "document hash"), (root, "root")]
    checks += [(element, f"proof hash at position {position}") for position, element in enumerate(proof)]
    for value, what in checks:
        problem = _hash_problem(value, what)
        if problem:
            raise VerificationError(problem)
    computed = _root_from_inclusion_proof(index, size, leaf_hash(doc_sha256), proof)
    if computed != root:
        raise VerificationError(f"expected root 0x{root.hex()}, got 0x{computed.hex()}")


def _root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    # RFC 9162 §2.1.3.2. The length is checked first, so the `sn == 0` test of step 4a cannot fire and a
    # wrong-length proof is reported as such rather than as a wrong root.
    if size < 1:
        raise VerificationError(f"expected a tree size of at least 1, got {size}")
    if not 0 <= index < size:
        raise VerificationError(f"expected a leaf index in [0, {size}), got {index}")
    expected = _proof_length(index, size)
    if len(proof) != expected:
        raise VerificationError(f"expected a proof of {expected} hashes for leaf {index} of {size}, got {len(proof)}")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result


def _proof_length(index: int, size: int) -> int:
    # Below the level where the paths to `index` and `size - 1` meet, every level has a sibling; above it,
    # only levels where `index` is a right child do (the others are promoted unpaired along the right border).
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _levels(doc_hashes: Sequence[bytes]) -> list[list[bytes]]:
    # Built bottom-up, pairing neighbours and carrying an odd last node up unchanged: this gives the same
    # tree as the top-down split at the largest power of two, in O(n).
    if not doc_hashes:
        raise ValueError("expected at least one document hash, got an empty batch")
    level = [leaf_hash(doc) for doc in doc_hashes]
    levels = [level]
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
        levels.append(level)
    return levels


def _audit_path(levels: list[list[bytes]], index: int) -> list[bytes]:
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def _require_hash(value: bytes, what: str) -> None:
    problem = _hash_problem(value, what)
    if problem:
        raise ValueError(problem)


def _hash_problem(value: object, what: str) -> str | None:
    if not isinstance(value, bytes):
        return f"expected a {HASH_SIZE}-byte {what}, got {type(value).__name__}"
    if len(value) != HASH_SIZE:
        return f"expected a {HASH_SIZE}-byte {what}, got {len(value)} bytes"
    return None
