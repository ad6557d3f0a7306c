"""`procledger proof …`: export a process's proof bundle, and verify one offline.

This is the composition layer: ledger.proofs never reads the database, so export reads the anchored batches'
leaf lists from the document store here and hands them over as plain hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.client import connect
from ledger.chain.deployment import LEDGER
from ledger.chain.setup import live_deployment
from ledger.errors import ConfigurationError, VerificationError
from ledger.indexer.decode import DecodedEvent, EventDecoder
from ledger.proofs.bundle import dump_bundle, load_bundle
from ledger.proofs.bundle_export import (
    DOCUMENTS_ANCHORED,
    DocumentBatch,
    export_bundle,
    process_id_of,
    process_logs,
)
from ledger.proofs.bundle_verify import VerifiedBundle, verify_bundle
from ledger.proofs.canonical import verify_canonical
from ledger.read.facts import ZERO_HASH
from ledger.read.labels import DOCUMENT_FIELDS
from ledger.settings import Settings, settings_from_environment
from ledger.store.anchoring import anchored_leaves, document_anchors
from ledger.store.database import make_engine, upgrade_schema
from ledger.verify import ReplayedState, verify_proven_events

proof_app = typer.Typer(help="Export a process's proof bundle, or verify one without trusting anybody.")
console = Console(stderr=True)


class BundleRejectedError(VerificationError):
    """A bundle failed verification; the message says which check and what to do next."""


@proof_app.command("export")
def export(
    ocid: Annotated[str, typer.Argument(help="the process's ocid, e.g. ocds-pl0001-2026-0001")],
    out: Annotated[Path, typer.Option("--out", help="where to write the bundle (JSON)")],
) -> None:
    """Write one self-contained JSON file that proves the process's events and its anchored documents."""
    settings = settings_from_environment()
    w3 = connect(settings.rpc_url)
    with console.status(f"Gathering the events of {ocid} and proving their receipts…"):
        bundle, text = export_process(settings, w3, ocid)
    out.write_text(text)
    console.print(
        f"wrote {out}: {len(bundle['events'])} event(s) in {len(bundle['blocks'])} block(s), "
        f"{len(bundle['documents'])} document proof(s), {len(text.encode()):,} bytes"
    )


@proof_app.command("verify")
def verify(
    bundle_file: Annotated[Path, typer.Argument(help="a bundle written by `procledger proof export`")],
    rpc: Annotated[str | None, typer.Option("--rpc", help="also check the blocks are canonical on this node")] = None,
    chain_id: Annotated[int | None, typer.Option("--chain-id", help="the chain id the bundle must name")] = None,
    contract: Annotated[str | None, typer.Option("--contract", help="the ledger address the bundle must name")] = None,
) -> None:
    """Check a bundle offline: headers, receipt proofs, logs, events and document proofs (--rpc: canonical too)."""
    settings = settings_from_environment()
    decoder = bundle_decoder(settings)
    try:
        bundle = load_bundle(bundle_file.read_text())
        verified = verify_bundle(bundle, decoder, chain_id=chain_id, contract=contract)
        if rpc is not None:
            verify_canonical(connect(rpc), verified, decoder, settings.index_batch_blocks)
        state = verify_proven_events(verified.chain_id, verified.events, verified.block_times)
    except VerificationError as error:
        raise BundleRejectedError(
            f"{bundle_file} does not verify: {error}. Do not rely on it; ask its sender for a fresh "
            "`procledger proof export`, or check the process against a node you trust with --rpc"
        ) from error
    except OSError as error:
        raise ConfigurationError(f"cannot read {bundle_file} ({error.strerror}); check the path") from error
    _summary(verified, state, rpc)


def export_process(settings: Settings, w3: Web3, ocid: str) -> tuple[dict[str, Any], str]:
    """The bundle of process `ocid` from the node `w3` (its anchored batches' leaves from the document store), and
    its JSON text."""
    deployment = live_deployment(settings, w3)
    decoder = bundle_decoder(settings)
    contract = deployment.address_of(LEDGER)
    process_id, batch = process_id_of(ocid), settings.index_batch_blocks
    events = process_logs(w3, decoder, contract, process_id, deployment.start_block, batch)
    batches = _document_batches(settings, deployment.chain_id, [decoder.decode(log) for log in events])
    bundle = export_bundle(w3, decoder, deployment.chain_id, contract, ocid, events, batches)
    return bundle, dump_bundle(bundle)


def _summary(verified: VerifiedBundle, state: ReplayedState, rpc: str | None) -> None:
    table = Table("checked", "result", title=f"proof bundle of {verified.ocid}: verified")
    table.add_row("chain id · contract", f"{verified.chain_id} · {verified.contract}")
    table.add_row("block headers (keccak256 of RLP)", f"{len(verified.blocks)} block(s)")
    table.add_row("events (receipt proof, log, decoding)", f"{len(verified.events)} event(s)")
    table.add_row("documents (RFC 6962 to anchored roots)", f"{len(verified.documents)} document(s)")
    (process,) = state.rows("processes")
    table.add_row(
        "state replay (ledger.verify)",
        f"stage {process['stage']}; stages forward, paid ≤ accepted ≤ value, amendment cap, awards at revealed bids "
        "hold (bid commitments need the reveals' salts: `procledger verify process`)",
    )
    where = f"canonical on {rpc}, no event left out" if rpc else "not checked (offline); add --rpc URL"
    table.add_row("canonical chain", where)
    Console().print(table)


def bundle_decoder(settings: Settings) -> EventDecoder:
    """The decoder bundles are checked with: the ledger's ABI."""
    return EventDecoder([load_artifact(settings.artifacts_dir, LEDGER).abi])


def _document_batches(settings: Settings, chain_id: int, events: Sequence[DecodedEvent | None]) -> list[DocumentBatch]:
    """The anchored batches the bundle proves documents of, read from the document store: every batch anchored
    under the process (all its leaves), and each batch holding a document one of its events names (those leaves)."""
    proven = [event for event in events if event is not None]
    # (block, log index) of the anchoring event -> anchorer, root, leaf indices to prove (None: all)
    wanted: dict[tuple[int, int], tuple[str, str, set[int] | None]] = {
        (event.log.block_number, event.log.log_index): (str(event.args["anchorerOrg"]), str(event.args["root"]), None)
        for event in proven
        if event.name == DOCUMENTS_ANCHORED
    }
    named = {str(event.args[field]) for event in proven for field in DOCUMENT_FIELDS if field in event.args}
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    batches = []
    try:
        with Session(engine) as session:
            for anchor in [anchor for doc in sorted(named - {ZERO_HASH}) for anchor in document_anchors(session, doc)]:
                if anchor.chain_id == chain_id:
                    entry: tuple[str, str, set[int] | None] = (anchor.anchorer_org, anchor.root, set())
                    leaves = wanted.setdefault((anchor.block_number, anchor.log_index), entry)[2]
                    if leaves is not None:
                        leaves.add(anchor.leaf_index)
            for (block, log_index), (anchorer, root, prove) in sorted(wanted.items()):
                rows = anchored_leaves(session, chain_id, anchorer, root)
                if not rows:
                    console.print(f"[yellow]note:[/] no leaf list of root {root} (block {block}) in the document store")
                    continue
                hashes = [doc_hash for _, doc_hash in rows]
                batches.append(DocumentBatch(block, log_index, hashes, None if prove is None else sorted(prove)))
    finally:
        engine.dispose()
    return batches
