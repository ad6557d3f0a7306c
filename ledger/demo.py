"""Demo data: a few procurement processes with their documents, loaded once and skipped when present."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ledger.chain.accounts import PURCHASER_INDEX, deployer_account, derive_account
from ledger.chain.registry import Registry
from ledger.settings import Settings


@dataclass(frozen=True)
class DemoProcess:
    """One fictional procurement, with the notice document behind its opening."""

    ocid: str
    title: str
    notice: str

    @property
    def document(self) -> bytes:
        """The notice as the bytes whose SHA-256 goes on chain."""
        return f"{self.title}\n\n{self.notice}\n".encode()

    @property
    def doc_hash(self) -> bytes:
        """SHA-256 of the notice."""
        return hashlib.sha256(self.document).digest()


DEMO_PROCESSES = (
    DemoProcess(
        "ocds-pl0001-2026-0001",
        "Resurfacing of Riverside Road (2.4 km)",
        "Open tender. Budget line 2026-ROADS-014. Works to be completed within 120 days of signature.",
    ),
    DemoProcess(
        "ocds-pl0001-2026-0002",
        "School laptops for the 2026/27 year (1,200 units)",
        "Open tender in two lots. Budget line 2026-EDU-003. Delivery and three years of maintenance.",
    ),
    DemoProcess(
        "ocds-pl0001-2026-0003",
        "市政府办公楼物业管理服务 (Facility management of the city hall)",
        "公开招标。预算编号 2026-ADM-021。服务期三年。",
    ),
)


def load_demo_data(settings: Settings, registry: Registry) -> int:
    """Grant the demo purchaser its role and open the demo processes that are not on chain yet."""
    admin = registry.sender(deployer_account(settings))
    purchaser = registry.sender(derive_account(settings, PURCHASER_INDEX))
    if not registry.is_purchaser(purchaser.address):
        registry.grant_purchaser(admin, purchaser.address)
    created = 0
    for process in DEMO_PROCESSES:
        _keep_document(settings.data_dir / "documents", process)
        if not registry.process_exists(process.ocid):
            registry.create_process(purchaser, process.ocid, process.doc_hash)
            created += 1
    return created


def _keep_document(folder: Path, process: DemoProcess) -> None:
    # Documents live off chain, named by their fingerprint, so anyone can recompute and compare.
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{process.doc_hash.hex()}.txt"
    if not path.exists():
        path.write_bytes(process.document)
