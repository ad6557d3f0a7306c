"""Write tests/assets/merkle_rfc6962_vectors.json: RFC 6962 roots and inclusion proofs for the document scheme.

Run `.venv/bin/python scripts/make_merkle_vectors.py`. Every vector comes from `ledger.proofs.merkle` and is
checked, before anything is written, against a recursive implementation taken straight from the definitions of
RFC 6962 §2.1 and §2.1.1; a disagreement stops the script and leaves the file as it was.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from ledger.proofs.merkle import inclusion_proof, leaf_hash, merkle_root, verify_inclusion  # noqa: E402

OUTPUT = PROJECT_DIR / "tests" / "assets" / "merkle_rfc6962_vectors.json"
SIZES = (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 255, 256, 1024)
SCHEME = {
    "name": "RFC 6962 / RFC 9162 Merkle tree over SHA-256 with domain separation",
    "document": "doc_sha256 = SHA256(document bytes), 32 bytes",
    "leaf_hash": "SHA256(0x00 || doc_sha256)",
    "node_hash": "SHA256(0x01 || left || right)",
    "root": "MTH of RFC 6962 §2.1: k = largest power of two < n, MTH(D[0:n]) = node_hash(MTH(D[0:k]), MTH(D[k:n])); "
    "n >= 1",
    "proof": "audit path of RFC 6962 §2.1.1, leaf level first; verified with RFC 9162 §2.1.3.2 "
    "(index, size, leaf_hash, proof -> root)",
    "test_documents": "doc_sha256[i] = SHA256(ASCII 'document-%d' % i), i = 0 .. size - 1",
    "encoding": "hashes are 0x-prefixed lowercase hex",
    "implementations": ["ledger/proofs/merkle.py", "contracts/libraries/MerkleRFC6962.sol"],
    "generator": "scripts/make_merkle_vectors.py",
}


def document_hashes(size: int) -> list[bytes]:
    """The SHA-256 of the test documents 'document-0' .. 'document-<size-1>'."""
    return [hashlib.sha256(b"document-%d" % i).digest() for i in range(size)]


def indexes_for(size: int) -> list[int]:
    """First, second, middle, second-to-last and last, without repeats."""
    return sorted({i for i in (0, 1, size // 2, size - 2, size - 1) if 0 <= i < size})


def _ref_mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _ref_split(len(leaves))
    return hashlib.sha256(b"\x01" + _ref_mth(leaves[:k]) + _ref_mth(leaves[k:])).digest()


def _ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _ref_split(len(leaves))
    if m < k:
        return [*_ref_path(m, leaves[:k]), _ref_mth(leaves[k:])]
    return [*_ref_path(m - k, leaves[k:]), _ref_mth(leaves[:k])]


def _ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def build() -> dict[str, Any]:
    """The vectors, cross-checked against the recursive reference."""
    trees = []
    for size in SIZES:
        docs = document_hashes(size)
        root = merkle_root(docs)
        if root != _ref_mth(docs):
            raise SystemExit(f"size {size}: merkle_root disagrees with the RFC 6962 reference")
        proofs = []
        for index in indexes_for(size):
            proof = inclusion_proof(docs, index)
            if proof != _ref_path(index, docs):
                raise SystemExit(f"size {size}, index {index}: inclusion_proof disagrees with the RFC 6962 reference")
            verify_inclusion(docs[index], index, size, proof, root)
            proofs.append(
                {
                    "index": index,
                    "doc_sha256": _hex(docs[index]),
                    "leaf_hash": _hex(leaf_hash(docs[index])),
                    "proof": [_hex(node) for node in proof],
                }
            )
        trees.append({"size": size, "root": _hex(root), "proofs": proofs})
    return {"scheme": SCHEME, "trees": trees}


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def main() -> None:
    """Rebuild the vectors file."""
    vectors = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n")
    count = sum(len(tree["proofs"]) for tree in vectors["trees"])
    print(f"wrote {OUTPUT.relative_to(PROJECT_DIR)}: {len(SIZES)} trees, {count} proofs, cross-checked")


if __name__ == "__main__":
    main()
