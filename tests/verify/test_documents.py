"""A folder of documents against the chain's anchors: each file's SHA-256 and its inclusion proof to the root."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ledger.errors import DocumentVerificationError
from ledger.proofs.merkle import merkle_root
from ledger.verify import MANIFEST, ChainSource, verify_documents
from tests.api.lifecycle import ANCHORED
from tests.verify.folder import write_demo_documents


def test_every_demo_document_is_a_leaf_of_the_anchored_root(source: ChainSource, tmp_path: Path) -> None:
    files = write_demo_documents(tmp_path)
    verified = verify_documents(source, tmp_path)
    assert sorted(document.file for document in verified) == sorted(files)
    assert {document.tree_size for document in verified} == {len(files) + 1}, "the withdrawn bid keeps its leaf"


def test_a_file_changed_by_one_byte_is_named_with_its_expected_and_actual_hash(
    source: ChainSource, tmp_path: Path
) -> None:
    name = sorted(write_demo_documents(tmp_path))[3]
    content = bytearray((tmp_path / name).read_bytes())
    content[0] ^= 1
    (tmp_path / name).write_bytes(bytes(content))
    with pytest.raises(
        DocumentVerificationError,
        match=rf"expected {name} to have SHA-256 0x[0-9a-f]{{64}} \(leaf 3 of root 0x[0-9a-f]{{64}}\), got 0x",
    ):
        verify_documents(source, tmp_path)


def test_a_leaf_list_reordered_in_the_manifest_gives_another_root_and_is_refused(
    source: ChainSource, tmp_path: Path
) -> None:
    write_demo_documents(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    leaves = manifest["batches"][0]["leaves"]
    leaves[0], leaves[1] = leaves[1], leaves[0]
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DocumentVerificationError, match=r"expected the leaves of .* to give root 0x.*, got 0x"):
        verify_documents(source, tmp_path)


def test_a_batch_claiming_another_anchored_root_is_refused_naming_both_roots(
    source: ChainSource, tmp_path: Path
) -> None:
    write_demo_documents(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    batch = manifest["batches"][0]
    ours = batch["root"]
    batch["root"] = "0x" + merkle_root(list(ANCHORED)).hex()  # the lifecycle's batch, anchored by the same purchaser
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    expected = f"expected the leaves of {MANIFEST} to give root {batch['root']}, got {ours}"
    with pytest.raises(DocumentVerificationError, match=f"^{re.escape(expected)}$"):
        verify_documents(source, tmp_path)


def test_a_root_never_anchored_on_chain_is_refused(source: ChainSource, tmp_path: Path) -> None:
    write_demo_documents(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    batch = manifest["batches"][0]
    dropped = batch["leaves"].pop()  # a self-consistent batch, but not the one on chain
    (tmp_path / dropped["file"]).unlink()
    batch["root"] = "0x" + merkle_root([bytes.fromhex(leaf["sha256"][2:]) for leaf in batch["leaves"]]).hex()
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DocumentVerificationError, match=r"anchored on chain by 0x.*, got no DocumentsAnchored event"):
        verify_documents(source, tmp_path)


def test_a_file_the_manifest_does_not_list_is_refused(source: ChainSource, tmp_path: Path) -> None:
    write_demo_documents(tmp_path)
    (tmp_path / "extra.pdf").write_bytes(b"not anchored")
    with pytest.raises(DocumentVerificationError, match=r"got unlisted file\(s\) extra\.pdf"):
        verify_documents(source, tmp_path)
