"""Document anchoring and inclusion proofs: the Python Merkle module and the contract agree on RFC 6962 roots.

Rules covered:
- anchorDocuments(root, count, processId): any registered organisation (purchaser, finance bureau, supplier,
  auditor, publisher) anchors its own documents; an account of no organisation reverts AccountNotRegistered. A zero
  root or count reverts AnchorInvalid. Anchors are keyed by (anchorer organisation, root): the same organisation
  sending a root again, from any of its accounts, reverts AnchorAlreadyRecorded, checked before every other check,
  while another organisation anchoring the same root first (a squatter, with a wrong count) blocks nothing.
- Filed under a process, an anchor may come only from that process's purchaser or finance bureau
  (AnchorNotProcessParty otherwise), and the process must exist (ProcessUnknown).
- DocumentsAnchored(processId, root, anchorerOrg, count); anchorOf(anchorerOrg, root) is (count, blockNumber).
- verifyDocument(anchorerOrg, root, docHash, index, proof): roots are built with `ledger.proofs.merkle`, and every
  document's proof is checked both on chain and by `verify_inclusion` in Python, as are the shared vectors of
  tests/assets; a wrong document, index, proof hash or root gives false on chain and VerificationError in Python.
  The tree size always comes from the anchor: an index beyond it reverts MerkleIndexOutOfRange, a proof of the
  wrong length MerkleProofLengthMismatch, and a root the organisation never anchored AnchorUnknown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from hexbytes import HexBytes
from web3.exceptions import ContractCustomError

from ledger.errors import VerificationError
from ledger.proofs.merkle import inclusion_proof, merkle_root, verify_inclusion
from tests.contracts.conftest import (
    AUDITOR_ORG,
    FINANCE_ORG,
    ORGS,
    PUBLISHER_ORG,
    PURCHASER_ORG,
    SUPPLIER_A_ORG,
    UNKNOWN_PROCESS,
    ZERO_HASH,
    doc,
    reverts,
    single_event,
)

ROOT = keccak(text="a stand-in root")
ALL_SIZES = [*range(1, 18), 100]
BATCH_SIZES = [1, 3, 16, 17]
VECTORS = json.loads((Path(__file__).parents[1] / "assets" / "merkle_rfc6962_vectors.json").read_text())


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


def batch(size: int, label: str = "batch") -> list[bytes]:
    """`size` distinct document hashes."""
    return [doc(f"{label} of {size}, document {index}") for index in range(size)]


def anchor_of(ledger: Any, anchorer_org: bytes, root: bytes) -> tuple[int, int]:
    """(count, blockNumber) of the anchor of `root` by `anchorer_org`."""
    anchor = ledger.anchorOf(anchorer_org, root)
    return anchor.count, anchor.blockNumber


@pytest.fixture
def anchored(ledger: Any, purchaser: Any) -> Callable[..., tuple[list[bytes], bytes]]:
    """Anchor a batch of `size` documents of PURCHASER_ORG under its Python-computed root; returns docs and root."""

    def anchor(size: int, label: str = "batch") -> tuple[list[bytes], bytes]:
        docs = batch(size, label)
        root = merkle_root(docs)
        ledger.anchorDocuments(root, size, ZERO_HASH, sender=purchaser)
        return docs, root

    return anchor


# ─── anchorDocuments ─────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("anchorer", ["purchaser", "finance", "supplier_a", "auditor", "publisher"])
def test_any_registered_organisation_anchors_its_documents_with_count_and_block_number(
    ledger, chain, request, anchorer
):
    account = request.getfixturevalue(anchorer)
    anchorer_org = ORGS[anchorer][0]
    chain.mine(3)  # the anchoring block is then neither 0 nor 1, and differs from a block timestamp

    tx = ledger.anchorDocuments(ROOT, 17, ZERO_HASH, sender=account)

    assert single_event(tx, ledger.DocumentsAnchored) == {
        "processId": ZERO_HASH,
        "root": ROOT,
        "anchorerOrg": anchorer_org,
        "count": 17,
    }
    assert anchor_of(ledger, anchorer_org, ROOT) == (17, tx.block_number)
    assert tx.block_number == chain.blocks.head.number
    other_org = AUDITOR_ORG if anchorer_org != AUDITOR_ORG else PUBLISHER_ORG
    assert anchor_of(ledger, other_org, ROOT) == (0, 0)


def test_anchor_struct_holds_the_count_and_the_block_number(ledger):
    (abi,) = ledger.anchorOf.abis
    (output,) = abi.outputs

    assert [(field.name, field.type) for field in abi.inputs] == [("anchorerOrg", "bytes32"), ("root", "bytes32")]
    assert [(field.name, field.type) for field in output.components] == [("count", "uint32"), ("blockNumber", "uint64")]


def test_root_never_anchored_has_a_zero_anchor(ledger):
    assert anchor_of(ledger, PURCHASER_ORG, ROOT) == (0, 0)


@pytest.mark.parametrize("sender", ["outsider", "relayer", "admin"])
def test_anchor_by_an_account_of_no_organisation_reverts_account_not_registered(
    ledger, request, create_process, sender
):
    account = request.getfixturevalue(sender)
    pid = create_process("ocds-test-anchor-1")

    with reverts(ledger.AccountNotRegistered, account=account):
        ledger.anchorDocuments(ROOT, 3, ZERO_HASH, sender=account)
    with reverts(ledger.AccountNotRegistered, account=account):
        ledger.anchorDocuments(ROOT, 3, pid, sender=account)
    with reverts(ledger.AccountNotRegistered, account=account):  # checked before the arguments
        ledger.anchorDocuments(ZERO_HASH, 0, UNKNOWN_PROCESS, sender=account)


@pytest.mark.parametrize(
    ("root", "count"), [(ZERO_HASH, 3), (ROOT, 0), (ZERO_HASH, 0)], ids=["zero-root", "zero-count", "both-zero"]
)
def test_anchor_with_zero_root_or_zero_count_reverts_anchor_invalid(ledger, purchaser, root, count):
    with reverts(ledger.AnchorInvalid, root=root, count=count):
        ledger.anchorDocuments(root, count, ZERO_HASH, sender=purchaser)

    assert anchor_of(ledger, PURCHASER_ORG, root) == (0, 0)


@pytest.mark.parametrize(
    ("count", "process"),
    [(3, "none"), (5, "none"), (0, "none"), (3, "unknown"), (3, "not-party")],
    ids=["same", "another-count", "zero-count", "unknown-process", "process-of-another-party"],
)
def test_resending_an_anchor_reverts_already_recorded_before_any_other_check(
    ledger, supplier_a, create_process, count, process
):
    first = ledger.anchorDocuments(ROOT, 3, ZERO_HASH, sender=supplier_a)
    process_id = {"none": ZERO_HASH, "unknown": UNKNOWN_PROCESS, "not-party": create_process("ocds-test-anchor-1")}

    with reverts(ledger.AnchorAlreadyRecorded, anchorerOrg=SUPPLIER_A_ORG, root=ROOT):
        ledger.anchorDocuments(ROOT, count, process_id[process], sender=supplier_a)

    assert anchor_of(ledger, SUPPLIER_A_ORG, ROOT) == (3, first.block_number)


def test_second_account_of_the_organisation_resending_the_root_reverts_already_recorded(
    ledger, supplier_a, supplier_a2
):
    first = ledger.anchorDocuments(ROOT, 3, ZERO_HASH, sender=supplier_a)

    with reverts(ledger.AnchorAlreadyRecorded, anchorerOrg=SUPPLIER_A_ORG, root=ROOT):
        ledger.anchorDocuments(ROOT, 3, ZERO_HASH, sender=supplier_a2)

    assert anchor_of(ledger, SUPPLIER_A_ORG, ROOT) == (3, first.block_number)


@pytest.mark.parametrize("squatter", ["other_purchaser", "supplier_b"])
def test_another_organisation_anchoring_the_root_first_does_not_block_the_honest_anchor(
    ledger, chain, purchaser, request, squatter
):
    docs = batch(17)
    root = merkle_root(docs)
    squatter_org = ORGS[squatter][0]
    squatted = ledger.anchorDocuments(root, 1, ZERO_HASH, sender=request.getfixturevalue(squatter))  # wrong count

    honest = ledger.anchorDocuments(root, 17, ZERO_HASH, sender=purchaser)

    assert single_event(honest, ledger.DocumentsAnchored) == {
        "processId": ZERO_HASH,
        "root": root,
        "anchorerOrg": PURCHASER_ORG,
        "count": 17,
    }
    assert anchor_of(ledger, PURCHASER_ORG, root) == (17, honest.block_number)
    assert anchor_of(ledger, squatter_org, root) == (1, squatted.block_number)
    for index, document in enumerate(docs):
        assert ledger.verifyDocument(PURCHASER_ORG, root, document, index, inclusion_proof(docs, index)) is True
    # The squatter's anchor stays its own, with its own size: the honest proofs do not fit it.
    with reverts(ledger.MerkleProofLengthMismatch, expected=0, got=5):
        verify_raw(ledger, chain, squatter_org, root, docs[0], 0, inclusion_proof(docs, 0))
    with reverts(ledger.MerkleIndexOutOfRange, index=1, size=1):
        verify_raw(ledger, chain, squatter_org, root, docs[1], 1, inclusion_proof(docs, 1))


# ─── Filing an anchor under a process ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("anchorer", ["purchaser", "finance"])
def test_purchaser_or_finance_bureau_of_a_process_files_an_anchor_under_it(ledger, request, create_process, anchorer):
    pid = create_process("ocds-test-anchor-1")
    anchorer_org = ORGS[anchorer][0]

    tx = ledger.anchorDocuments(ROOT, 3, pid, sender=request.getfixturevalue(anchorer))

    assert single_event(tx, ledger.DocumentsAnchored) == {
        "processId": pid,
        "root": ROOT,
        "anchorerOrg": anchorer_org,
        "count": 3,
    }
    assert anchor_of(ledger, anchorer_org, ROOT) == (3, tx.block_number)


@pytest.mark.parametrize(
    "anchorer", ["other_purchaser", "other_finance", "supplier_a", "supplier_b", "supplier_c", "auditor", "publisher"]
)
def test_anchor_under_a_process_by_a_non_party_reverts_not_process_party(ledger, request, create_process, anchorer):
    account = request.getfixturevalue(anchorer)
    anchorer_org = ORGS[anchorer][0]
    pid = create_process("ocds-test-anchor-1")

    with reverts(ledger.AnchorNotProcessParty, processId=pid, anchorerOrg=anchorer_org):
        ledger.anchorDocuments(ROOT, 3, pid, sender=account)

    assert anchor_of(ledger, anchorer_org, ROOT) == (0, 0)
    tx = ledger.anchorDocuments(ROOT, 3, ZERO_HASH, sender=account)  # under no process, it may
    assert single_event(tx, ledger.DocumentsAnchored)["anchorerOrg"] == anchorer_org


def test_awarded_supplier_cannot_file_an_anchor_under_its_process(ledger, purchaser, supplier_a, awarded):
    pid = awarded()  # awarded to SUPPLIER_A_ORG

    with reverts(ledger.AnchorNotProcessParty, processId=pid, anchorerOrg=SUPPLIER_A_ORG):
        ledger.anchorDocuments(ROOT, 3, pid, sender=supplier_a)

    tx = ledger.anchorDocuments(ROOT, 3, pid, sender=purchaser)
    assert single_event(tx, ledger.DocumentsAnchored)["processId"] == pid


@pytest.mark.parametrize("anchorer", ["purchaser", "finance", "supplier_a"])
def test_anchor_under_an_unknown_process_reverts_process_unknown(ledger, request, anchorer):
    with reverts(ledger.ProcessUnknown, processId=UNKNOWN_PROCESS):
        ledger.anchorDocuments(ROOT, 3, UNKNOWN_PROCESS, sender=request.getfixturevalue(anchorer))

    assert anchor_of(ledger, ORGS[anchorer][0], ROOT) == (0, 0)


# ─── verifyDocument against Python's merkle module ───────────────────────────────────────────────────────


@pytest.mark.parametrize("size", ALL_SIZES)
def test_every_document_of_an_anchored_batch_verifies_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)

    for index, document in enumerate(docs):
        proof = inclusion_proof(docs, index)
        assert ledger.verifyDocument(PURCHASER_ORG, root, document, index, proof) is True, f"leaf {index} of {size}"
        assert verify_inclusion(document, index, size, proof, root) is None


def test_every_shared_vector_proof_verifies_against_its_anchored_root(ledger, publisher):
    checked = 0
    for tree in VECTORS["trees"]:
        root = HexBytes(tree["root"])
        ledger.anchorDocuments(root, tree["size"], ZERO_HASH, sender=publisher)
        for vector in tree["proofs"]:
            document, proof = HexBytes(vector["doc_sha256"]), [HexBytes(node) for node in vector["proof"]]
            assert ledger.verifyDocument(PUBLISHER_ORG, root, document, vector["index"], proof) is True, (
                f"leaf {vector['index']} of {tree['size']}"
            )
            checked += 1

    assert checked == sum(len(tree["proofs"]) for tree in VECTORS["trees"]) > 0


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_wrong_document_fails_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)
    stranger = doc("a document outside the batch")

    for index in range(size):
        proof = inclusion_proof(docs, index)
        assert ledger.verifyDocument(PURCHASER_ORG, root, stranger, index, proof) is False, f"leaf {index} of {size}"
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
            assert ledger.verifyDocument(PURCHASER_ORG, root, document, other, proof) is False, f"{index} as {other}"
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
            assert ledger.verifyDocument(PURCHASER_ORG, root, document, index, forged) is False, (
                f"leaf {index}, hash {position}"
            )
            with pytest.raises(VerificationError, match="expected root"):
                verify_inclusion(document, index, size, forged, root)


@pytest.mark.parametrize("size", [1, 3, 17])
def test_proof_against_another_root_of_the_same_anchorer_fails_on_chain_and_in_python(ledger, anchored, size):
    docs, root = anchored(size)
    _, other_root = anchored(size, "another batch")

    for index, document in enumerate(docs):
        proof = inclusion_proof(docs, index)
        assert ledger.verifyDocument(PURCHASER_ORG, other_root, document, index, proof) is False, f"leaf {index}"
        with pytest.raises(VerificationError, match="expected root"):
            verify_inclusion(document, index, size, proof, other_root)
        assert ledger.verifyDocument(PURCHASER_ORG, root, document, index, proof) is True, f"leaf {index}"


@pytest.mark.parametrize(
    ("size", "index", "change"),
    [(1, 0, "one-extra"), (3, 2, "one-short"), (3, 2, "one-extra"), (17, 0, "one-short"), (17, 16, "one-extra")],
)
def test_proof_of_wrong_length_reverts_length_mismatch(ledger, chain, anchored, size, index, change):
    docs, root = anchored(size)
    proof = inclusion_proof(docs, index)
    wrong = proof[:-1] if change == "one-short" else [*proof, doc("extra hash")]

    with reverts(ledger.MerkleProofLengthMismatch, expected=len(proof), got=len(wrong)):
        verify_raw(ledger, chain, PURCHASER_ORG, root, docs[index], index, wrong)
    with pytest.raises(VerificationError, match=f"expected a proof of {len(proof)} hashes"):
        verify_inclusion(docs[index], index, size, wrong, root)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_index_at_or_beyond_the_anchored_count_reverts_index_out_of_range(ledger, chain, anchored, size):
    docs, root = anchored(size)

    for index in (size, size + 1, 2**256 - 1):
        with reverts(ledger.MerkleIndexOutOfRange, index=index, size=size):
            verify_raw(ledger, chain, PURCHASER_ORG, root, docs[0], index, inclusion_proof(docs, 0))
    last = size - 1
    assert ledger.verifyDocument(PURCHASER_ORG, root, docs[last], last, inclusion_proof(docs, last)) is True


def test_verify_against_a_root_never_anchored_reverts_anchor_unknown(ledger, chain, anchored):
    docs, root = anchored(3)
    unknown = merkle_root(docs[:2])

    with reverts(ledger.AnchorUnknown, anchorerOrg=PURCHASER_ORG, root=unknown):
        verify_raw(ledger, chain, PURCHASER_ORG, unknown, docs[0], 0, inclusion_proof(docs[:2], 0))
    assert ledger.verifyDocument(PURCHASER_ORG, root, docs[0], 0, inclusion_proof(docs, 0)) is True


@pytest.mark.parametrize("anchorer_org", [FINANCE_ORG, SUPPLIER_A_ORG, ZERO_HASH], ids=["finance", "supplier", "zero"])
def test_verify_against_an_anchor_of_another_organisation_reverts_anchor_unknown(ledger, chain, anchored, anchorer_org):
    docs, root = anchored(3)  # anchored by PURCHASER_ORG only
    proof = inclusion_proof(docs, 0)

    with reverts(ledger.AnchorUnknown, anchorerOrg=anchorer_org, root=root):
        verify_raw(ledger, chain, anchorer_org, root, docs[0], 0, proof)
    assert ledger.verifyDocument(PURCHASER_ORG, root, docs[0], 0, proof) is True
