"""Proof bundles exported from the demo chain by `procledger proof export`: they verify offline, and every
tampering is caught with a message naming what was expected and what was found."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rlp

from ledger.chain.client import connect
from ledger.chain.deployment import LEDGER, Deployment
from ledger.errors import (
    BlockHeaderError,
    BundleFormatError,
    BundleScopeError,
    DocumentProofError,
    LogNotInReceiptError,
    ReceiptProofError,
    VerificationError,
)
from ledger.indexer.decode import EventDecoder
from ledger.proofs.bundle import dump_bundle, load_bundle
from ledger.proofs.bundle_export import process_id_of, process_logs
from ledger.proofs.bundle_verify import verify_bundle
from ledger.proofs.headers import header_hash
from ledger.proofs.receipts import receipt_proofs
from tests.api.conftest import DemoChain
from tests.api.lifecycle import ANCHORED
from tests.proofs.conftest import DEMO_OCIDS, LIFECYCLE, without_block

Bundle = dict[str, Any]


def _verify(bundle: Bundle, decoder: EventDecoder) -> None:
    verify_bundle(load_bundle(json.dumps(bundle)), decoder)


def _rejects(bundle: Bundle, decoder: EventDecoder, error: type[VerificationError], message: str) -> None:
    with pytest.raises(error, match=message):
        _verify(bundle, decoder)


def _event_index(bundle: Bundle, decoder: EventDecoder, name: str) -> int:
    topic = decoder.topic_of(name)
    return next(index for index, event in enumerate(bundle["events"]) if event["topics"][0] == topic)


# Round trip


@pytest.mark.parametrize("ocid", DEMO_OCIDS)
def test_every_demo_process_exports_a_bundle_that_verifies_with_all_its_events_in_chain_order(
    ocid: str, bundle_files: dict[str, Path], decoder: EventDecoder, proof_chain: DemoChain
) -> None:
    verified = verify_bundle(load_bundle(bundle_files[ocid].read_text()), decoder)
    settings = proof_chain.settings
    deployment = Deployment.load(settings.deployment_file)
    assert deployment is not None
    w3 = connect(settings.rpc_url)
    on_chain = process_logs(w3, decoder, deployment.address_of(LEDGER), process_id_of(ocid), deployment.start_block)
    assert [event.log for event in verified.events] == on_chain
    assert verified.events[0].name in ("ProcessCreated", "BudgetCommitmentChanged")
    contract = deployment.address_of(LEDGER).lower()
    assert (verified.ocid, verified.chain_id, verified.contract) == (ocid, deployment.chain_id, contract)
    assert verified.documents  # each demo process names documents the demo anchored


def test_the_lifecycle_bundle_proves_its_anchored_documents_and_weighs_under_4_kb_per_event(
    bundle_files: dict[str, Path], decoder: EventDecoder
) -> None:
    text = bundle_files[LIFECYCLE].read_text()
    verified = verify_bundle(load_bundle(text), decoder)
    names = [event.name for event in verified.events]
    assert {"ProcessAwarded", "ContractSigned", "PaymentRecorded", "DocumentsAnchored"} <= set(names)
    assert {"0x" + doc.hex() for doc in ANCHORED} <= set(verified.documents)
    assert len(text.encode()) < 4_000 * (len(names) + 1)


def test_a_bundle_dumps_and_loads_unchanged(lifecycle_bundle: Callable[[], Bundle]) -> None:
    bundle = lifecycle_bundle()
    assert load_bundle(dump_bundle(bundle)) == bundle


# Tampering: headers, receipts, logs


def test_a_changed_header_field_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    block = bundle["blocks"][2]
    block["header"]["gasUsed"] = hex(int(block["header"]["gasUsed"], 16) + 1)
    number = int(block["header"]["number"], 16)
    _rejects(
        bundle, decoder, BlockHeaderError, rf"expected the header of block {number} to hash to {block['hash']}, got 0x"
    )


def test_a_swapped_block_hash_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    first, second = bundle["blocks"][0], bundle["blocks"][1]
    first["hash"], second["hash"] = second["hash"], first["hash"]
    _rejects(bundle, decoder, BlockHeaderError, rf"to hash to {first['hash']}, got {second['hash']}")


def test_a_changed_receipt_proof_node_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    receipt = bundle["receipts"][3]
    node = receipt["proof"][-1]
    receipt["proof"][-1] = node[:100] + ("0" if node[100] != "0" else "1") + node[101:]
    root = next(
        b["header"]["receiptsRoot"]
        for b in bundle["blocks"]
        if int(b["header"]["number"], 16) == receipt["block_number"]
    )
    _rejects(
        bundle,
        decoder,
        ReceiptProofError,
        rf"expected proof nodes leading from receiptsRoot {root} to the receipt of block "
        rf"{receipt['block_number']} tx index {receipt['tx_index']}",
    )


def test_a_missing_receipt_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    removed = bundle["receipts"].pop(4)
    _rejects(
        bundle,
        decoder,
        ReceiptProofError,
        rf"expected a proven receipt of block {removed['block_number']} tx index {removed['tx_index']}, got none",
    )


def test_a_receipt_status_byte_changed_to_failure_breaks_its_proof(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    payment = bundle["events"][_event_index(bundle, decoder, "PaymentRecorded")]
    where = (payment["block_number"], payment["tx_index"])
    receipt = next(r for r in bundle["receipts"] if (r["block_number"], r["tx_index"]) == where)
    leaf = rlp.decode(bytes.fromhex(receipt["proof"][-1][2:]))
    value = leaf[-1]
    typed = value[0] < 0x7F
    fields = rlp.decode(value[1:] if typed else value)
    assert fields[0] == b"\x01", "the payment's transaction succeeded"
    body = rlp.encode([b"", *fields[1:]])  # status 0: the transaction reverted
    leaf[-1] = (value[:1] + body) if typed else body
    receipt["proof"][-1] = "0x" + rlp.encode(leaf).hex()
    _rejects(
        bundle,
        decoder,
        ReceiptProofError,
        rf"expected proof nodes leading from receiptsRoot 0x[0-9a-f]{{64}} to the receipt of block "
        rf"{receipt['block_number']} tx index {receipt['tx_index']}, got nodes \[.*\] that do not",
    )


def test_a_failed_receipt_proven_under_a_rebuilt_header_is_caught_by_its_status(
    proof_chain: DemoChain, lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    # The forger rebuilds everything offline can check: the receipts trie with the payment's status set to 0, its
    # receiptsRoot in the header and the header's hash. Only the status check is left to catch it.
    bundle = lifecycle_bundle()
    payment = bundle["events"][_event_index(bundle, decoder, "PaymentRecorded")]
    number, index = payment["block_number"], payment["tx_index"]
    w3 = connect(proof_chain.settings.rpc_url)
    receipts = w3.provider.make_request("eth_getBlockReceipts", [hex(number)])["result"]  # type: ignore[arg-type]
    receipts[index] = {**receipts[index], "status": "0x0"}
    root, proofs = receipt_proofs(receipts, [index])
    entry = next(r for r in bundle["receipts"] if (r["block_number"], r["tx_index"]) == (number, index))
    entry["proof"] = proofs[index]
    block = next(b for b in bundle["blocks"] if int(b["header"]["number"], 16) == number)
    block["header"]["receiptsRoot"] = root
    block["hash"] = "0x" + header_hash(block["header"]).hex()
    _rejects(
        bundle,
        decoder,
        ReceiptProofError,
        rf"^expected a successful receipt at block {number} tx index {index}, got status 0$",
    )


def test_a_changed_log_data_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    index = _event_index(bundle, decoder, "PaymentRecorded")
    event = bundle["events"][index]
    original = event["data"]
    event["data"] = original[:-1] + ("1" if original[-1] != "1" else "2")
    _rejects(
        bundle,
        decoder,
        LogNotInReceiptError,
        rf"^event {index} \(block {event['block_number']} tx index \d+ log \d+\): "
        rf"expected data {event['data']} at log position \d+ in the receipt of block {event['block_number']} "
        rf"tx index \d+, got {original}$",
    )


def test_a_changed_log_topic_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    index = _event_index(bundle, decoder, "ProcessAwarded")
    bundle["events"][index]["topics"][2] = "0x" + "ab" * 32
    _rejects(
        bundle,
        decoder,
        LogNotInReceiptError,
        rf"^event {index} .*: expected topics \(.*abab.*\) at log position \d+ in the receipt .*, got \(",
    )


def test_an_event_moved_to_another_tx_index_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    event = bundle["events"][5]
    event["tx_index"] += 1
    _rejects(
        bundle,
        decoder,
        ReceiptProofError,
        rf"event 5 \(block {event['block_number']} tx index {event['tx_index']} .*expected a proven receipt of "
        rf"block {event['block_number']} tx index {event['tx_index']}, got none",
    )


def test_an_event_moved_to_another_position_in_its_receipt_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    index = _event_index(bundle, decoder, "ProcessAwarded") - 1  # the award's budget change, in the same receipt
    assert bundle["events"][index]["position"] == 0 and bundle["events"][index + 1]["position"] == 1
    bundle["events"][index]["position"] += 1
    _rejects(
        bundle,
        decoder,
        LogNotInReceiptError,
        rf"^event {index} .*: expected topics .* at log position 1 in the receipt",
    )
    bundle["events"][index]["position"] = 5
    _rejects(
        bundle,
        decoder,
        LogNotInReceiptError,
        rf"^event {index} .*: expected a log at position 5 in the receipt of block \d+ tx index \d+, got 2 log\(s\)$",
    )


def test_a_log_index_that_disagrees_with_its_receipt_position_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    index = _event_index(bundle, decoder, "ProcessAwarded")  # second log of its receipt
    bundle["events"][index]["log_index"] += 3
    _rejects(
        bundle,
        decoder,
        BundleScopeError,
        rf"^event {index} .*: expected log index \d+ \(position 1 in the transaction's receipt\), got \d+$",
    )


def test_reordered_events_are_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    bundle["events"][6], bundle["events"][7] = bundle["events"][7], bundle["events"][6]
    _rejects(bundle, decoder, BundleScopeError, r"event 7 .*expected events in chain order")


def test_a_duplicated_event_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    index = _event_index(bundle, decoder, "PaymentRecorded")
    bundle["events"].insert(index + 1, dict(bundle["events"][index]))
    event = bundle["events"][index]
    _rejects(
        bundle,
        decoder,
        BundleScopeError,
        rf"^event {index + 1} .*: expected events in chain order, after block {event['block_number']} tx index "
        rf"{event['tx_index']} log {event['log_index']}, got one that is not later$",
    )


def test_an_event_moved_into_another_block_of_the_bundle_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    index = _event_index(bundle, decoder, "PaymentRecorded")
    event, before = bundle["events"][index], bundle["events"][index - 1]
    assert before["block_number"] < event["block_number"] and (before["tx_index"], before["position"]) == (0, 0)
    event["block_number"] = before["block_number"]  # the block, and so the header and receipt, of the event before
    _rejects(bundle, decoder, BundleScopeError, rf"^event {index} .*: expected events in chain order")
    event["log_index"] = before["log_index"] + 1  # a later log of that block: its receipt holds another log there
    event["position"] = 1
    _rejects(
        bundle,
        decoder,
        LogNotInReceiptError,
        rf"^event {index} .*: expected .*at (log )?position 1 in the receipt of block {before['block_number']} "
        r"tx index 0",
    )


def test_a_block_swapped_for_another_block_of_the_chain_is_caught(
    bundle_files: dict[str, Path], lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    other = json.loads(bundle_files[DEMO_OCIDS[2]].read_text())
    ours = {int(b["header"]["number"], 16) for b in bundle["blocks"]}
    swapped_in = next(b for b in reversed(other["blocks"]) if int(b["header"]["number"], 16) not in ours)
    position = len(bundle["blocks"]) // 2
    swapped_out = int(bundle["blocks"][position]["header"]["number"], 16)
    bundle["blocks"][position] = swapped_in  # a real, correctly hashed header, of another block
    bundle["blocks"].sort(key=lambda b: int(b["header"]["number"], 16))
    tx_index = next(r["tx_index"] for r in bundle["receipts"] if r["block_number"] == swapped_out)
    _rejects(
        bundle,
        decoder,
        ReceiptProofError,
        rf"^expected a header for block {swapped_out} \(receipt of tx index {tx_index}\), got none$",
    )


def test_an_event_of_another_process_is_caught(
    bundle_files: dict[str, Path], lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    other = json.loads(bundle_files[DEMO_OCIDS[2]].read_text())
    last = other["events"][-1]
    bundle["events"].append(last)
    bundle["blocks"] += [b for b in other["blocks"] if int(b["header"]["number"], 16) == last["block_number"]]
    bundle["receipts"] += [r for r in other["receipts"] if r["block_number"] == last["block_number"]]
    bundle["blocks"].sort(key=lambda b: int(b["header"]["number"], 16))
    _rejects(
        bundle,
        decoder,
        BundleScopeError,
        rf"expected a \w+ of process {bundle['process_id']}, got one of {other['process_id']}",
    )


def test_a_bundle_without_the_process_creation_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    created = _event_index(bundle, decoder, "ProcessCreated")
    bundle = without_block(bundle, bundle["events"][created]["block_number"])
    _rejects(bundle, decoder, BundleScopeError, rf"expected one ProcessCreated event of process {LIFECYCLE}, got 0")


def test_a_block_no_event_needs_is_caught(
    bundle_files: dict[str, Path], lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    other = json.loads(bundle_files[DEMO_OCIDS[2]].read_text())
    extra = other["blocks"][-1]
    bundle["blocks"].append(extra)
    _rejects(
        bundle,
        decoder,
        BundleScopeError,
        rf"expected every block to hold an event, got block {int(extra['header']['number'], 16)}",
    )


def test_a_bundle_of_another_contract_or_chain_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = load_bundle(json.dumps(lifecycle_bundle()))
    with pytest.raises(
        BundleScopeError, match=rf"expected a bundle of chain id 1, got one of chain id {bundle['chain_id']}"
    ):
        verify_bundle(bundle, decoder, chain_id=1)
    other = "0x" + "12" * 20
    with pytest.raises(
        BundleScopeError, match=rf"expected a bundle of contract {other}, got one of {bundle['contract']}"
    ):
        verify_bundle(bundle, decoder, contract=other)
    bundle["contract"] = other  # claims another contract: its events say otherwise
    with pytest.raises(BundleScopeError, match=rf"expected a log of contract {other}, got 0x"):
        verify_bundle(bundle, decoder)


# Tampering: documents


def test_a_changed_document_hash_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    document = next(d for d in bundle["documents"] if d["sha256"] == "0x" + ANCHORED[1].hex())
    document["sha256"] = "0x" + "cd" * 32
    _rejects(
        bundle,
        decoder,
        DocumentProofError,
        r"document 0x(cd){32} \(leaf 1 of the batch anchored at block \d+ log \d+\): "
        r"expected root 0x[0-9a-f]{64}, got 0x",
    )


def test_a_changed_document_proof_sibling_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    document = next(d for d in bundle["documents"] if d["sha256"] == "0x" + ANCHORED[0].hex())
    document["audit_path"][0] = "0x" + "ef" * 32
    _rejects(
        bundle,
        decoder,
        DocumentProofError,
        rf"document {document['sha256']} \(leaf 0 .*\): expected root 0x[0-9a-f]{{64}}, got 0x",
    )


def test_a_document_proof_checked_against_another_anchored_root_is_caught(
    lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder
) -> None:
    bundle = lifecycle_bundle()
    document = next(d for d in bundle["documents"] if d["sha256"] == "0x" + ANCHORED[0].hex())
    other = next(d for d in bundle["documents"] if d["anchor"] != document["anchor"])
    document["anchor"] = other["anchor"]  # another batch the bundle proves anchored: its root, not this one's
    _rejects(
        bundle,
        decoder,
        DocumentProofError,
        rf"document {document['sha256']} \(leaf 0 of the batch anchored at block {other['anchor']['block_number']} "
        rf"log {other['anchor']['log_index']}\): expected (root 0x[0-9a-f]{{64}}, got 0x|a proof of \d+ hashes)",
    )


def test_a_reordered_document_proof_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    document = max(bundle["documents"], key=lambda d: len(d["audit_path"]))
    assert len(document["audit_path"]) > 1
    document["audit_path"].reverse()
    _rejects(
        bundle,
        decoder,
        DocumentProofError,
        rf"document {document['sha256']} \(leaf \d+ .*\): expected root 0x[0-9a-f]{{64}}, got 0x",
    )


def test_a_truncated_document_proof_is_caught(lifecycle_bundle: Callable[[], Bundle], decoder: EventDecoder) -> None:
    bundle = lifecycle_bundle()
    document = max(bundle["documents"], key=lambda d: len(d["audit_path"]))
    length = len(document["audit_path"])
    document["audit_path"].pop()
    _rejects(
        bundle,
        decoder,
        DocumentProofError,
        rf"expected a proof of {length} hashes for leaf \d+ of \d+, got {length - 1}",
    )


def test_a_document_no_event_of_the_process_names_is_caught(
    bundle_files: dict[str, Path], decoder: EventDecoder
) -> None:
    bundle = json.loads(bundle_files[DEMO_OCIDS[1]].read_text())
    other = json.loads(bundle_files[DEMO_OCIDS[2]].read_text())
    borrowed = next(d for d in other["documents"] if d["sha256"] not in {x["sha256"] for x in bundle["documents"]})
    assert bundle["anchors"] and borrowed["anchor"]["block_number"] == bundle["anchors"][0]["block_number"]
    bundle["documents"].append(borrowed)
    _rejects(bundle, decoder, DocumentProofError, rf"document {borrowed['sha256']}: expected a document of the process")


# The format


def test_a_bundle_missing_a_field_is_refused_by_its_schema(lifecycle_bundle: Callable[[], Bundle]) -> None:
    bundle = lifecycle_bundle()
    del bundle["events"][3]["data"]
    with pytest.raises(
        BundleFormatError,
        match=r"expected a bundle matching the version 1 schema, got at events/3: 'data' is a required property",
    ):
        load_bundle(json.dumps(bundle))


def test_a_bundle_of_another_version_is_refused_before_its_schema(lifecycle_bundle: Callable[[], Bundle]) -> None:
    bundle = {**lifecycle_bundle(), "version": 2}
    with pytest.raises(
        BundleFormatError,
        match=re.escape("version 1, got format 'application/vnd.procledger.proof-bundle+json' version 2"),
    ):
        load_bundle(json.dumps(bundle))


def test_text_that_is_not_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleFormatError, match="expected a JSON proof bundle, got text that is not JSON"):
        load_bundle("{'events': []")
