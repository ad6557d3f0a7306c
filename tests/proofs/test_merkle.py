"""The document-anchoring Merkle scheme: Python and Solidity reproduce the shared RFC 6962 vectors and agree."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import solcx
import solcx.wrapper
from eth_abi.abi import decode as abi_decode
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from ledger.chain.accounts import deployer_account
from ledger.chain.compile import CompilerConfig
from ledger.chain.reverts import RevertDecoder
from ledger.chain.sender import TransactionSender
from ledger.chain.toolchain import find_solc
from ledger.errors import VerificationError
from ledger.proofs.merkle import (
    inclusion_proof,
    inclusion_proofs,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_inclusion,
)
from ledger.settings import Settings
from tests.helpers import PROJECT_DIR

VECTORS_PATH = PROJECT_DIR / "tests" / "assets" / "merkle_rfc6962_vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text())
LIBRARY_SOURCE = "contracts/libraries/MerkleRFC6962.sol"
HARNESS_SOURCE = "tests/assets/MerkleHarness.sol"


def _docs(size: int) -> list[bytes]:
    return [hashlib.sha256(b"document-%d" % i).digest() for i in range(size)]


def _b(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def _cases() -> list[tuple[int, int, bytes, list[bytes], bytes]]:
    return [
        (case["index"], tree["size"], _b(case["doc_sha256"]), [_b(node) for node in case["proof"]], _b(tree["root"]))
        for tree in VECTORS["trees"]
        for case in tree["proofs"]
    ]


# A reference written straight from the recursive definitions of RFC 6962 §2.1 (MTH) and §2.1.1 (PATH),
# independent of the module's bottom-up construction.
def _ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _ref_mth(docs: Sequence[bytes]) -> bytes:
    if len(docs) == 1:
        return hashlib.sha256(b"\x00" + docs[0]).digest()
    k = _ref_split(len(docs))
    return hashlib.sha256(b"\x01" + _ref_mth(docs[:k]) + _ref_mth(docs[k:])).digest()


def _ref_path(m: int, docs: Sequence[bytes]) -> list[bytes]:
    if len(docs) == 1:
        return []
    k = _ref_split(len(docs))
    if m < k:
        return [*_ref_path(m, docs[:k]), _ref_mth(docs[k:])]
    return [*_ref_path(m - k, docs[k:]), _ref_mth(docs[:k])]


# --- the vectors ---------------------------------------------------------------------------------------------


def test_vectors_cover_the_agreed_sizes_and_state_the_scheme() -> None:
    assert [tree["size"] for tree in VECTORS["trees"]] == [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 255, 256, 1024]
    for tree in VECTORS["trees"]:
        assert {0, tree["size"] // 2, tree["size"] - 1} <= {case["index"] for case in tree["proofs"]}
    assert VECTORS["scheme"]["leaf_hash"] == "SHA256(0x00 || doc_sha256)"
    assert VECTORS["scheme"]["node_hash"] == "SHA256(0x01 || left || right)"


@pytest.mark.parametrize("tree", VECTORS["trees"], ids=lambda tree: f"size{tree['size']}")
def test_python_reproduces_every_vector(tree: dict[str, Any]) -> None:
    docs = _docs(tree["size"])
    assert merkle_root(docs) == _b(tree["root"]) == _ref_mth(docs)
    for case in tree["proofs"]:
        index = case["index"]
        assert docs[index] == _b(case["doc_sha256"])
        assert leaf_hash(docs[index]) == _b(case["leaf_hash"])
        assert inclusion_proof(docs, index) == [_b(node) for node in case["proof"]] == _ref_path(index, docs)


@pytest.mark.parametrize(("index", "size", "doc", "proof", "root"), _cases())
def test_every_vector_proof_verifies(index: int, size: int, doc: bytes, proof: list[bytes], root: bytes) -> None:
    verify_inclusion(doc, index, size, proof, root)  # raises on any mismatch


def test_module_matches_recursive_reference_for_every_leaf_of_small_trees() -> None:
    for size in range(1, 70):
        docs = _docs(size)
        root = _ref_mth(docs)
        assert merkle_root(docs) == root, size
        proofs = inclusion_proofs(docs)
        for index in range(size):
            assert proofs[index] == inclusion_proof(docs, index) == _ref_path(index, docs), (size, index)
            verify_inclusion(docs[index], index, size, proofs[index], root)


def test_hundred_thousand_leaves_are_built_and_proved_quickly() -> None:
    docs = _docs(100_000)
    root = merkle_root(docs)
    proofs = inclusion_proofs(docs)
    assert len(proofs) == 100_000
    for index in (0, 1, 65_535, 65_536, 99_998, 99_999):
        assert proofs[index] == inclusion_proof(docs, index)
        verify_inclusion(docs[index], index, len(docs), proofs[index], root)


# --- tampering ------------------------------------------------------------------------------------------------

SIZE, INDEX = 17, 5
DOCS = _docs(SIZE)
ROOT = merkle_root(DOCS)
PROOF = inclusion_proof(DOCS, INDEX)


def _flip_bit(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def _root_of(doc: bytes, index: int, size: int, proof: list[bytes]) -> str:
    """The root a proof really leads to, taken from the error of verifying it against an impossible root."""
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(doc, index, size, proof, bytes(32))
    return str(caught.value).rpartition("got ")[2]


@pytest.mark.parametrize(
    ("doc", "index", "size", "proof"),
    [
        pytest.param(_flip_bit(DOCS[INDEX]), INDEX, SIZE, PROOF, id="flipped-bit-in-document"),
        pytest.param(DOCS[INDEX], INDEX + 1, SIZE, PROOF, id="wrong-index"),
        pytest.param(DOCS[INDEX], INDEX, SIZE, [*PROOF[:2], _flip_bit(PROOF[2], 7), *PROOF[3:]], id="proof-changed"),
        pytest.param(DOCS[INDEX], INDEX, SIZE, PROOF[::-1], id="proof-reordered"),
    ],
)
def test_tampered_input_leads_to_another_root(doc: bytes, index: int, size: int, proof: list[bytes]) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(doc, index, size, proof, ROOT)
    computed = _root_of(doc, index, size, proof)
    assert computed != "0x" + ROOT.hex()
    assert str(caught.value) == f"expected root 0x{ROOT.hex()}, got {computed}"


def test_forged_root_is_refused_naming_both_roots() -> None:
    forged = _flip_bit(ROOT, 3)
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(DOCS[INDEX], INDEX, SIZE, PROOF, forged)
    assert str(caught.value) == f"expected root 0x{forged.hex()}, got 0x{ROOT.hex()}"


def test_a_valid_proof_checked_against_another_batchs_root_is_refused_naming_both_roots() -> None:
    # Another real batch of the same size, holding the same document at the same index: only its last leaf differs.
    other_root = merkle_root([*DOCS[:-1], hashlib.sha256(b"another last document").digest()])
    assert other_root != ROOT
    verify_inclusion(DOCS[INDEX], INDEX, SIZE, PROOF, ROOT)
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(DOCS[INDEX], INDEX, SIZE, PROOF, other_root)
    assert str(caught.value) == f"expected root 0x{other_root.hex()}, got 0x{ROOT.hex()}"


@pytest.mark.parametrize(
    ("index", "size", "proof", "message"),
    [
        pytest.param(INDEX, SIZE, PROOF[:-1], "expected a proof of 5 hashes for leaf 5 of 17, got 4", id="truncated"),
        pytest.param(
            INDEX, SIZE, [*PROOF, ROOT], "expected a proof of 5 hashes for leaf 5 of 17, got 6", id="extended"
        ),
        pytest.param(INDEX, 16, PROOF, "expected a proof of 4 hashes for leaf 5 of 16, got 5", id="wrong-size"),
        pytest.param(SIZE, SIZE, PROOF, "expected a leaf index in [0, 17), got 17", id="index-equal-to-size"),
        pytest.param(-1, SIZE, PROOF, "expected a leaf index in [0, 17), got -1", id="negative-index"),
        pytest.param(0, 0, [], "expected a tree size of at least 1, got 0", id="empty-tree"),
    ],
)
def test_malformed_proof_is_refused_before_hashing(index: int, size: int, proof: list[bytes], message: str) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(DOCS[INDEX], index, size, proof, ROOT)
    assert str(caught.value) == message


def test_size_is_checked_only_through_the_path_length_so_it_must_come_from_the_anchor() -> None:
    # For a fixed index the RFC 9162 walk depends on the size only through the path length: leaf 5 of 17 has
    # the same 5-hash path shape in every tree of 17 to 32 leaves, and another length is refused outright.
    for size in range(17, 33):
        verify_inclusion(DOCS[INDEX], INDEX, size, PROOF, ROOT)
    for size, expected in ((16, 4), (33, 6)):
        with pytest.raises(VerificationError, match=f"expected a proof of {expected} hashes for leaf 5 of {size}"):
            verify_inclusion(DOCS[INDEX], INDEX, size, PROOF, ROOT)


@pytest.mark.parametrize(
    ("doc", "proof", "root", "message"),
    [
        (DOCS[INDEX][:31], PROOF, ROOT, "expected a 32-byte document hash, got 31 bytes"),
        (DOCS[INDEX], PROOF, ROOT + b"\x00", "expected a 32-byte root, got 33 bytes"),
        (
            DOCS[INDEX],
            [*PROOF[:1], PROOF[1][:16], *PROOF[2:]],
            ROOT,
            "expected a 32-byte proof hash at position 1, got 16 bytes",
        ),
        (DOCS[INDEX].hex(), PROOF, ROOT, "expected a 32-byte document hash, got str"),
    ],
)
def test_hashes_of_the_wrong_shape_are_refused(doc: Any, proof: list[bytes], root: bytes, message: str) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(doc, INDEX, SIZE, proof, root)
    assert str(caught.value) == message


def test_builders_refuse_empty_batches_bad_hashes_and_bad_indexes() -> None:
    with pytest.raises(ValueError, match="expected at least one document hash, got an empty batch"):
        merkle_root([])
    with pytest.raises(ValueError, match="expected a 32-byte document hash, got 20 bytes"):
        merkle_root([DOCS[0], b"x" * 20])
    with pytest.raises(IndexError, match=r"expected a leaf index in \[0, 17\), got 17"):
        inclusion_proof(DOCS, SIZE)
    with pytest.raises(ValueError, match="expected a 32-byte left child hash, got 0 bytes"):
        node_hash(b"", ROOT)


# --- domain separation ----------------------------------------------------------------------------------------


def test_interior_node_cannot_be_passed_off_as_a_document() -> None:
    docs = _docs(4)
    root = merkle_root(docs)
    left_pair = merkle_root(docs[:2])  # node_hash(leaf 0, leaf 1): an interior node of the 4-leaf tree
    right_pair = merkle_root(docs[2:])
    # Without the 0x00 leaf prefix this forgery would hold: the node as leaf 0 of a 2-leaf tree gives the root.
    assert node_hash(left_pair, right_pair) == root
    with pytest.raises(VerificationError) as caught:
        verify_inclusion(left_pair, 0, 2, [right_pair], root)
    assert (
        str(caught.value) == f"expected root 0x{root.hex()}, got 0x{node_hash(leaf_hash(left_pair), right_pair).hex()}"
    )
    assert leaf_hash(left_pair) != left_pair


# --- Solidity -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def harness_build() -> dict[str, Any]:
    """The MerkleHarness contract compiled with the project's pinned compiler settings."""
    config = CompilerConfig.from_ape_config(PROJECT_DIR)
    assert (config.version, config.evm_version, config.optimize, config.optimization_runs) == (
        "0.8.28",
        "cancun",
        True,
        200,
    )
    solc = find_solc(PROJECT_DIR)
    assert str(solcx.wrapper.get_solc_version(solc)) == config.version
    compiler_input = {
        "language": "Solidity",
        "sources": {key: {"content": (PROJECT_DIR / key).read_text()} for key in (LIBRARY_SOURCE, HARNESS_SOURCE)},
        "settings": {
            "evmVersion": config.evm_version,
            "optimizer": {"enabled": config.optimize, "runs": config.optimization_runs},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    output = solcx.compile_standard(
        compiler_input, solc_binary=solc, base_path=str(PROJECT_DIR), allow_paths=[str(PROJECT_DIR)]
    )
    warnings = [error["formattedMessage"] for error in output.get("errors", []) if error["severity"] != "info"]
    assert warnings == []
    compiled: dict[str, Any] = output["contracts"][HARNESS_SOURCE]["MerkleHarness"]
    return compiled


@pytest.fixture
def harness(harness_build: dict[str, Any], settings: Settings, w3: Web3) -> Contract:
    """MerkleHarness deployed on this test's anvil."""
    abi = harness_build["abi"]
    factory = w3.eth.contract(abi=abi, bytecode="0x" + harness_build["evm"]["bytecode"]["object"])
    sender = TransactionSender(w3, deployer_account(settings), RevertDecoder([abi]))
    receipt = sender.transact(factory.constructor())
    deployed = w3.eth.contract(address=receipt["contractAddress"], abi=abi)
    assert isinstance(deployed, Contract)
    return deployed


def _revert_data(call: Callable[[], Any]) -> bytes:
    with pytest.raises(ContractLogicError) as caught:
        call()
    data = caught.value.data
    assert isinstance(data, str) and data.startswith("0x"), data
    return bytes.fromhex(data[2:])


def test_solidity_gives_every_vector_root(harness: Contract) -> None:
    functions = harness.functions
    for index, size, doc, proof, root in _cases():
        leaf = leaf_hash(doc)
        assert functions.leafHash(doc).call() == leaf
        assert functions.rootFromProof(index, size, leaf, proof).call() == root, (size, index)
        assert functions.rootOfDocument(doc, index, size, proof).call() == root, (size, index)
    assert functions.nodeHash(DOCS[0], DOCS[1]).call() == node_hash(DOCS[0], DOCS[1])


def test_solidity_agrees_with_python_for_every_leaf_of_small_trees(harness: Contract) -> None:
    for size in range(1, 34):
        docs = _docs(size)
        root = merkle_root(docs)
        for index, proof in enumerate(inclusion_proofs(docs)):
            assert harness.functions.rootOfDocument(docs[index], index, size, proof).call() == root, (size, index)


def test_solidity_tampered_proof_leads_to_python_root_of_the_same_tamper(harness: Contract) -> None:
    forged_doc = merkle_root(_docs(4)[:2])
    right_pair = merkle_root(_docs(4)[2:])
    assert harness.functions.rootOfDocument(forged_doc, 0, 2, [right_pair]).call() != merkle_root(_docs(4))
    tampered = [*PROOF[:2], _flip_bit(PROOF[2], 7), *PROOF[3:]]
    on_chain = harness.functions.rootOfDocument(DOCS[INDEX], INDEX, SIZE, tampered).call()
    assert on_chain != ROOT
    assert "0x" + on_chain.hex() == _root_of(DOCS[INDEX], INDEX, SIZE, tampered)


@pytest.mark.parametrize(
    ("index", "size", "proof", "error", "args"),
    [
        pytest.param(
            SIZE, SIZE, PROOF, "MerkleIndexOutOfRange(uint256,uint256)", (SIZE, SIZE), id="index-equal-to-size"
        ),
        pytest.param(0, 0, [], "MerkleIndexOutOfRange(uint256,uint256)", (0, 0), id="empty-tree"),
        pytest.param(INDEX, SIZE, PROOF[:-1], "MerkleProofLengthMismatch(uint256,uint256)", (5, 4), id="truncated"),
        pytest.param(INDEX, SIZE, [*PROOF, ROOT], "MerkleProofLengthMismatch(uint256,uint256)", (5, 6), id="extended"),
        pytest.param(INDEX, 16, PROOF, "MerkleProofLengthMismatch(uint256,uint256)", (4, 5), id="wrong-size"),
    ],
)
def test_solidity_reverts_malformed_proofs_with_custom_errors(
    harness: Contract, index: int, size: int, proof: list[bytes], error: str, args: tuple[int, int]
) -> None:
    data = _revert_data(harness.functions.rootFromProof(index, size, leaf_hash(DOCS[INDEX]), proof).call)
    assert data[:4] == function_signature_to_4byte_selector(error)
    assert abi_decode(["uint256", "uint256"], data[4:]) == args
    decoded = RevertDecoder([[dict(entry) for entry in harness.abi]]).decode(data, "rootFromProof")
    assert (decoded.error_name, tuple(decoded.error_args.values())) == (error.partition("(")[0], args)
