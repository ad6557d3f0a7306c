"""`procledger ocds proof RELEASE_ID --out FILE` and `procledger verify ocds-release FILE|RELEASE_ID`: an imported
OCDS release's inclusion proof, written out, and checked against the chain.

This is the composition layer: the proof's claims (the release text, the batches' leaves) come from this operator's
store; ledger.verify.ocds_release checks them against the chain alone and never reads the store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from ledger.chain.client import connect
from ledger.errors import ConfigurationError, NotFoundError
from ledger.settings import Settings, settings_from_environment
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore
from ledger.store.ocds_imports import release_proof, releases_with_id
from ledger.verify import chain_source
from ledger.verify.ocds_release import verify_release_proof

OcidOption = Annotated[str | None, typer.Option("--ocid", help="the release's ocid, when several share its id")]
out = Console(soft_wrap=True)


def proof_command(
    release_id: Annotated[str, typer.Argument(help="the imported release's id")],
    proof_file: Annotated[Path, typer.Option("--out", help="where to write the proof (JSON)")],
    ocid: OcidOption = None,
) -> None:
    """Write an imported release's inclusion proof: its text as published and the audit paths of it and of each
    document it lists, for `procledger verify ocds-release FILE` anywhere."""
    proof = _proof_of(settings_from_environment(), release_id, ocid)
    proof_file.write_text(json.dumps(proof, indent=2, ensure_ascii=False) + "\n")
    out.print(f"wrote {proof_file}: release {release_id} of {proof['ocid']}, {len(proof['leaves'])} leaf proof(s)")


def verify_release_command(
    target: Annotated[str, typer.Argument(help="a proof file from `procledger ocds proof`, or an imported release id")],
    ocid: OcidOption = None,
) -> None:
    """Check an imported OCDS release against the chain: its hash and its documents' hashes, their audit paths, and
    the anchored roots and leaf counts on chain."""
    settings = settings_from_environment()
    path = Path(target)
    if path.is_file():
        try:
            proof = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"cannot read {path} as a release proof (JSON): {error}") from None
    else:
        proof = _proof_of(settings, target, ocid)
    verified = verify_release_proof(chain_source(settings, connect(settings.rpc_url)), proof)
    table = Table("hash of", "SHA-256", "leaf", "anchored root", "anchoring tx", "block", title="anchored leaves")
    for leaf in verified.leaves:
        place = f"{leaf.leaf_index}/{leaf.tree_size}"
        table.add_row(leaf.of, leaf.sha256, place, leaf.root, leaf.tx_hash, str(leaf.block_number))
    out.print(table)
    out.print(
        f"verified: release {verified.release_id} of {verified.ocid} and its {len(verified.leaves) - 1} listed "
        f"document(s) are anchored on chain by {verified.anchorer_org}"
    )


def _proof_of(settings: Settings, release_id: str, ocid: str | None) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    try:
        with Session(engine) as session:
            rows = releases_with_id(session, release_id, ocid)
            ocids = sorted({row.ocid for row in rows})
            if not rows:
                raise NotFoundError(
                    f"no imported OCDS release has id {release_id!r}{f' under {ocid}' if ocid else ''}; "
                    "`procledger ocds import FILE` imports one"
                )
            if len(ocids) > 1:
                raise ConfigurationError(
                    f"releases of {len(ocids)} ocids have id {release_id!r} ({', '.join(ocids[:3])}); say which with "
                    "--ocid"
                )
            return release_proof(session, DocumentStore(DocumentFiles(settings.documents_dir)), rows[0])
    finally:
        engine.dispose()
