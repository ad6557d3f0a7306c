"""The demo chain of the API tests (the demo and the full lifecycle, on a real anvil), mirrored into SQLite with
the lifecycle's anchored leaf list recorded, and a proof bundle exported from it for each demo process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session
from typer.main import get_command

from ledger.chain.artifacts import load_artifact
from ledger.chain.client import connect
from ledger.chain.deployment import LEDGER
from ledger.cli import app
from ledger.demo import DEMO_PROCESSES, PURCHASER
from ledger.indexer.decode import EventDecoder
from ledger.indexer.runner import build_indexer
from ledger.proofs.merkle import merkle_root
from ledger.settings import Settings
from ledger.store.anchoring import record_anchored_leaves
from ledger.store.database import make_engine, upgrade_schema
from tests.api.conftest import DemoChain, demo_chain
from tests.api.lifecycle import ANCHORED, TENDER

__all__ = ["demo_chain"]

LIFECYCLE = TENDER.ocid
DEMO_OCIDS = tuple(process.ocid for process in DEMO_PROCESSES)


def environment(settings: Settings) -> dict[str, str]:
    """The variables that point `procledger` at a chain's data directory and port, as a shell would set them."""
    return {
        "PROCLEDGER_DATA_DIR": str(settings.data_dir),
        "PROCLEDGER_CHAIN_PORT": str(settings.chain_port),
        "COLUMNS": "300",
    }


def export(settings: Settings, ocid: str, out: Path) -> Path:
    """Run `procledger proof export OCID --out OUT` against the chain of `settings`."""
    runner = CliRunner(mix_stderr=False)
    args = ["proof", "export", ocid, "--out", str(out)]
    result = runner.invoke(get_command(app), args, env=environment(settings))
    assert result.exit_code == 0, f"{result.stdout}{result.stderr}{result.exception!r}"
    return out


def without_block(bundle: dict[str, Any], block: int) -> dict[str, Any]:
    """The bundle with block `block` cut out: its header, its receipts and its events."""
    return {
        **bundle,
        "events": [event for event in bundle["events"] if event["block_number"] != block],
        "blocks": [entry for entry in bundle["blocks"] if int(entry["header"]["number"], 16) != block],
        "receipts": [receipt for receipt in bundle["receipts"] if receipt["block_number"] != block],
    }


@pytest.fixture(scope="module")
def proof_chain(demo_chain: DemoChain) -> DemoChain:
    """The demo chain mirrored into its data directory's SQLite, with the lifecycle's leaf list recorded as its
    anchorer would: what `procledger proof export` reads documents from."""
    settings = demo_chain.settings
    w3 = connect(settings.rpc_url)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    with Session(engine) as session:
        record_anchored_leaves(session, w3.eth.chain_id, PURCHASER.org_id, merkle_root(list(ANCHORED)), ANCHORED)
        session.commit()
    build_indexer(settings, w3, engine).catch_up()
    engine.dispose()
    return demo_chain


@pytest.fixture(scope="module")
def bundle_files(proof_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A bundle exported by the CLI for each demo process, the lifecycle's included."""
    folder = tmp_path_factory.mktemp("bundles")
    return {ocid: export(proof_chain.settings, ocid, folder / f"{ocid}.json") for ocid in DEMO_OCIDS}


@pytest.fixture(scope="module")
def decoder(proof_chain: DemoChain) -> EventDecoder:
    """The decoder of the ledger's events, from the compiled artifact, as `procledger proof verify` builds it."""
    return EventDecoder([load_artifact(proof_chain.settings.artifacts_dir, LEDGER).abi])


@pytest.fixture
def lifecycle_bundle(bundle_files: dict[str, Path]) -> Callable[[], dict[str, Any]]:
    """A fresh copy of the lifecycle process's bundle (JSON), to tamper with."""
    return lambda: dict(json.loads(bundle_files[LIFECYCLE].read_text()))
