"""A documents folder as an auditor receives it: the demo's anchored documents and the manifest of their batch."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.demo import PURCHASER, WITHDRAWN_BID, anchored_documents
from ledger.proofs.merkle import merkle_root
from ledger.verify import MANIFEST


def write_demo_documents(folder: Path) -> dict[str, bytes]:
    """Write every demo document but the withdrawn bid (its leaf stays, with no file) and the manifest; returns
    the files written, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    documents = anchored_documents()
    files, leaves = {}, []
    for index, document in enumerate(documents):
        name = None if document is WITHDRAWN_BID else f"{index:02d}-{document.digest.hex()[:8]}.txt"
        if name is not None:
            (folder / name).write_bytes(document.content)
            files[name] = document.content
        leaves.append({"sha256": "0x" + document.digest.hex(), "file": name})
    root = merkle_root([document.digest for document in documents])
    batch = {"anchorer_org": "0x" + PURCHASER.org_id.hex(), "root": "0x" + root.hex(), "leaves": leaves}
    manifest = {"format": "procledger-documents/1", "batches": [batch]}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return files
