"""A proof bundle's events, once proven, replay with the verifier's rules: the state they fold to, and a broken
rule caught with the event that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ledger.errors import PaymentBoundError
from ledger.indexer.decode import EventDecoder
from ledger.proofs.bundle import load_bundle
from ledger.proofs.bundle_verify import VerifiedBundle, verify_bundle
from ledger.store.database import make_engine
from ledger.store.queries import find_process
from ledger.verify import verify_proven_events
from tests.api.conftest import DemoChain
from tests.proofs.conftest import DEMO_OCIDS, LIFECYCLE


def _verified(bundle_files: dict[str, Path], decoder: EventDecoder, ocid: str) -> VerifiedBundle:
    return verify_bundle(load_bundle(bundle_files[ocid].read_text()), decoder)


@pytest.mark.parametrize("ocid", DEMO_OCIDS)
def test_every_demo_bundle_replays_to_the_stage_the_mirror_holds(
    ocid: str, bundle_files: dict[str, Path], decoder: EventDecoder, proof_chain: DemoChain
) -> None:
    verified = _verified(bundle_files, decoder, ocid)
    state = verify_proven_events(verified.chain_id, verified.events, verified.block_times)
    (process,) = state.rows("processes")
    assert process["ocid"] == ocid
    assert state.events == len(verified.events)
    engine = make_engine(proof_chain.settings.database_url)
    try:
        with Session(engine) as session:
            mirrored = find_process(session, ocid)
            assert mirrored is not None and process["stage"] == mirrored.stage
    finally:
        engine.dispose()


def test_a_payment_without_its_acceptance_breaks_paid_at_most_accepted(
    bundle_files: dict[str, Path], decoder: EventDecoder
) -> None:
    verified = _verified(bundle_files, decoder, LIFECYCLE)
    events = [event for event in verified.events if event.name != "MilestoneAccepted"]
    assert len(events) < len(verified.events)
    with pytest.raises(PaymentBoundError, match=r"paid <= accepted <= value: expected .*, got "):
        verify_proven_events(verified.chain_id, events, verified.block_times)
