"""The mirror's version: what a reading of it depends on, so a reader may keep one until it changes.

Everything the read API serves is a function of the chain's half, which the indexer commits together with its
checkpoint (a rollback or reindex rewrites the checkpoint too), and of the document store's half, whose generation
the store raises with each change. Rows edited by hand in SQL change neither; `procledger audit` finds those.
"""

from __future__ import annotations

from sqlalchemy import Connection, literal, select, true

from ledger.store.document_models import ROW_ID, DocumentStoreGeneration
from ledger.store.models import Checkpoint

MirrorVersion = tuple[tuple[object, ...], ...]

_GENERATION = select(DocumentStoreGeneration.generation).where(DocumentStoreGeneration.id == ROW_ID).subquery()
# One statement, as Core: it runs on every read of a kept response, where two ORM queries cost 0.2 ms.
_VERSION = (
    select(_GENERATION.c.generation, Checkpoint.chain_id, Checkpoint.block_number, Checkpoint.block_hash)
    .select_from(select(literal(1).label("one")).subquery().outerjoin(_GENERATION, true()))
    .outerjoin(Checkpoint, true())
    .order_by(Checkpoint.chain_id)
)


def mirror_version(connection: Connection) -> MirrorVersion:
    """The document store's generation and each mirrored chain's indexed block (id, number, hash), as one tuple."""
    return tuple(tuple(row) for row in connection.execute(_VERSION))
