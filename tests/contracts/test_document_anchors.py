"""Document anchoring and inclusion proofs: the Python Merkle module and the contract agree on RFC 6962 roots.

Roots are built with `ledger.proofs.merkle`, anchored on chain, and every document's proof is checked both by
`verifyDocument` on chain and by `verify_inclusion` in Python; forged proofs fail on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak
from hexbytes import HexBytes
from web3.exceptions import ContractCustomError

from ledger.errors import VerificationError
from ledger.proofs.merkle import inclusion_proof, merkle_root, verify_inclusion
from tests.contracts.conftest import (
    AUDITOR_ROLE,
    FINANCE_ROLE,
    PURCHASER_ROLE,
    SUPPLIER_ROLE,
    doc,
    org,
    reverts,
    single_event,
)

BATCH_SIZES = [1, 3, 16, 17]
ROOT = keccak(text="a stand-in root")
UNKNOWN_PROCESS = keccak(text="ocds-never-created")


def verify_raw(ledger: Any, chain: Any, *args: Any) -> HexBytes:
    """Call verifyDocument by a raw eth_call, raising the decoded custom error if it reverts.

    ape's own call loses the revert data of a reverting eth_call on anvil (it raises a bare ContractLogicError),
    and ape.reverts does not check the error type or arguments of such an exception, so it could not fail.
    """
    data = ledger.verifyDocument.encode_input(*args)
    try:
        return chain.provider.web3.eth.call({"to": ledger.address, "data": data})
    except ContractCustomError as exc:
        error = chain.provider.network.ecosystem.decode_custom_error(HexBytes(exc.data), ledger.address)
        assert error is not None, f"expected a custom error of ProcurementLedger, got revert data {exc.data}"
        raise error from exc


def batch(size: int) -> list[bytes]:
    """`size` distinct document hashes."""
    return [doc(f"batch of {size}, document {index}") for index in range(size)]


@pytest.fixture
def anchored(ledger: Any, purchaser: Any) -> Callable[[int], tuple[list[bytes], bytes]]:
    """Anchor a batch of `size` documents under its Python-computed root; returns the documents and the root."""

    def anchor(size: int) -> tuple[list[bytes], bytes]:
        docs = batch(size)
        root = merkle_root(docs)
        ledger.anchorDocuments(root, size, bytes(32), sender=purchaser)
        return docs, root

    return anchor


# ─── anchorDocuments ─────────────────────────────────────────────────────────────────────────────────────


def test_purchaser_anchors_a_root_with_its_count_and_block_number(ledger, chain, purchaser):
    chain.mine(3)  # the anchoring block is then neither 0 nor 1, and differs from a block timestamp
    tx = ledger.anchorDocuments(ROOT, 17, bytes(32), sender=purchaser)

    assert single_event(tx, ledger.DocumentsAnchored) == {
        "root": ROOT,
        "processId": bytes(32),
        "anchorerOrg": org("PURCHASER-ORG"),
        "count": 17,
    }
    anchor = ledger.anchorOf(ROOT)
    assert (anchor.count, anchor.blockNumber) == (17, tx.block_number)
    assert tx.block_number == chain.blocks.head.number


def test_anchor_struct_holds_the_count_and_the_block_number(ledger):
    (abi,) = ledger.anchorOf.abis
    (output,) = abi.outputs

    assert [(field.name, field.type) for field in output.components] == [("count", "uint32"), ("blockNumber", "uint64")]


def test_anchor_for_an_existing_process_carries_its_id(ledger, purchaser, create_process):
    pid = create_process("ocds-anchor-1")

    tx = ledger.anchorDocuments(ROOT, 3, pid, sender=purchaser)

    assert single_event(tx, ledger.DocumentsAnchored) == {
        "root": ROOT,
        "processId": pid,
        "anchorerOrg": org("PURCHASER-ORG"),
        "count": 3,
    }
    anchor = ledger.anchorOf(ROOT)
    assert (anchor.count, anchor.blockNumber) == (3, tx.block_number)


def test_anchor_under_another_organisations_process_reverts_not_purchaser(
    ledger, purchaser, other_purchaser, create_process
):
    pid = create_process("ocds-anchor-1")  # a process of purchaser's organisation

    with reverts(ledger.ProcessNotPurchaser, processId=pid, account=other_purchaser):
        ledger.anchorDocuments(ROOT, 3, pid, sender=other_purchaser)

    assert (ledger.anchorOf(ROOT).count, ledger.anchorOf(ROOT).blockNumber) == (0, 0)
    tx = ledger.anchorDocuments(ROOT, 3, bytes(32), sender=other_purchaser)  # under no process, it may
    assert single_event(tx, ledger.DocumentsAnchored)["anchorerOrg"] == org("OTHER-PURCHASER-ORG")


def test_root_never_anchored_has_a_zero_anchor(ledger):
    anchor = ledger.anchorOf(ROOT)

    assert (anchor.count, anchor.blockNumber) == (0, 0)


@pytest.mark.parametrize(
    ("anchorer", "role"),
    [("supplier_a", SUPPLIER_ROLE), ("finance", FINANCE_ROLE), ("auditor", AUDITOR_ROLE), ("outsider", None)],
)
def test_anchor_by_anyone_but_a_purchaser_reverts_unauthorized(ledger, request, anchorer, role):
    account = request.getfixturevalue(anchorer)
    assert role is None or ledger.hasRole(role, account)

    with reverts(ledger.AccessControlUnauthorizedAccount, account=account, neededRole=PURCHASER_ROLE):
        ledger.anchorDocuments(ROOT, 3, bytes(32), sender=account)

    assert ledger.anchorOf(ROOT).count == 0


@pytest.mark.parametrize(("root", "count"), [(bytes(32), 3), (ROOT, 0)], ids=["zero-root", "zero-count"])
def test_anchor_with_zero_root_or_zero_count_reverts_anchor_invalid(ledger, purchaser, root, count):
    with reverts(ledger.AnchorInvalid, root=root, count=count):
        ledger.anchorDocuments(root, count, bytes(32), sender=purchaser)


@pytest.mark.parametrize("second", ["purchaser", "other_purchaser"])
def test_anchoring_a_root_again_reverts_already_exists_and_keeps_the_first_anchor(ledger, purchaser, request, second):
    first = ledger.anchorDocuments(ROOT, 3, bytes(32), sender=purchaser)

    with reverts(ledger.AnchorAlreadyExists, root=ROOT):
        ledger.anchorDocuments(ROOT, 5, bytes(32), sender=request.getfixturevalue(second))

    anchor = ledger.anchorOf(ROOT)
    assert (anchor.count, anchor.blockNumber) == (3, first.block_number)


def test_anchor_for_unknown_process_reverts_process_unknown(ledger, purchaser):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.anchorDocuments(ROOT, 3, UNKNOWN_PROCESS, sender=purchaser)


# ─── verifyDocument against Python's merkle module ───────────────────────────────────────────────────────


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_every_document_of_an_anchored_batch_verifies_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)

    for index, document in enumerate(docs):
        proof = inclusion_proof(docs, index)
        assert ledger.verifyDocument(root, document, index, proof) is True, f"leaf {index} of {size}"
        assert verify_inclusion(document, index, size, proof, root) is None


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_wrong_document_fails_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)
    stranger = doc("a document outside the batch")

    for index in range(size):
        proof = inclusion_proof(docs, index)
        assert ledger.verifyDocument(root, stranger, index, proof) is False, f"leaf {index} of {size}"
        with pytest.raises(VerificationError, match="expected root"):
            verify_inclusion(stranger, index, size, proof, root)


@pytest.mark.parametrize("size", [3, 16, 17])
def test_proof_presented_at_another_index_fails_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)
    checked = 0

    for index, document in enumerate(docs):
        proof = inclusion_proof(docs, index)
        # Another index whose audit path has the same length, so the proof reaches the root computation.
        others = [j for j in range(size) if j != index and len(inclusion_proof(docs, j)) == len(proof)]
        for other in others[:2]:
            assert ledger.verifyDocument(root, document, other, proof) is False, f"leaf {index} as {other}"
            with pytest.raises(VerificationError, match="expected root"):
                verify_inclusion(document, other, size, proof, root)
            checked += 1

    assert checked >= size - 1


@pytest.mark.parametrize("size", [3, 16, 17])
def test_tampered_proof_element_fails_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)

    for index, document in enumerate(docs):
        proof = inclusion_proof(docs, index)
        assert proof, f"leaf {index} of {size} has an empty proof"
        for position in range(len(proof)):
            forged = list(proof)
            forged[position] = bytes([forged[position][0] ^ 0x01]) + forged[position][1:]
            assert ledger.verifyDocument(root, document, index, forged) is False, f"leaf {index}, hash {position}"
            with pytest.raises(VerificationError, match="expected root"):
                verify_inclusion(document, index, size, forged, root)


@pytest.mark.parametrize(
    ("size", "index", "change"),
    [(1, 0, "one-extra"), (3, 2, "one-short"), (3, 2, "one-extra"), (17, 0, "one-short"), (17, 16, "one-extra")],
)
def test_proof_of_wrong_length_reverts_length_mismatch(ledger, chain, anchored, size, index, change):
    docs, root = anchored(size)
    proof = inclusion_proof(docs, index)
    wrong = proof[:-1] if change == "one-short" else [*proof, doc("extra hash")]

    with reverts(ledger.MerkleProofLengthMismatch, expected=len(proof), got=len(wrong)):
        verify_raw(ledger, chain, root, docs[index], index, wrong)
    with pytest.raises(VerificationError, match=f"expected a proof of {len(proof)} hashes"):
        verify_inclusion(docs[index], index, size, wrong, root)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_index_at_or_beyond_the_anchored_count_reverts_index_out_of_range(ledger, chain, anchored, size):
    docs, root = anchored(size)

    for index in (size, size + 1, 2**256 - 1):
        with reverts(ledger.MerkleIndexOutOfRange, index=index, size=size):
            verify_raw(ledger, chain, root, docs[0], index, inclusion_proof(docs, 0))


def test_verify_against_unknown_root_reverts_anchor_unknown(ledger, chain, anchored):
    docs, root = anchored(3)
    unknown = merkle_root(docs[:2])

    with reverts(ledger.AnchorUnknown, root=unknown):
        verify_raw(ledger, chain, unknown, docs[0], 0, inclusion_proof(docs[:2], 0))
    assert ledger.verifyDocument(root, docs[0], 0, inclusion_proof(docs, 0)) is True
