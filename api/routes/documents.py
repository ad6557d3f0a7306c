"""Documents: their metadata and bytes from the store, where they are anchored, and proofs anyone can check."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, BinaryIO
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.schemas import ErrorOut
from api.schemas_documents import (
    SHA256_PATTERN,
    AnchorChainReference,
    AnchorOut,
    DocumentOut,
    DocumentProofOut,
    InclusionProofOut,
    VerificationOut,
    VerifyRequest,
)
from api.uploads import hash_multipart_upload, read_small_body
from ledger.errors import DocumentHashMismatchError, NotFoundError
from ledger.store.anchoring import DocumentAnchor, DocumentProof, document_anchors, document_proofs
from ledger.store.document_files import CHUNK_BYTES, DocumentFiles, as_sha256
from ledger.store.documents import DocumentStore, OrganisationName, find_document, organisation_names

router = APIRouter(prefix="/documents", tags=["documents"])

Sha256 = Annotated[
    str, Path(pattern=SHA256_PATTERN, description="the document's SHA-256: 64 hex digits, optionally 0x-prefixed")
]
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def get_store(request: Request) -> DocumentStore:
    """The document store under the settings' data directory."""
    return DocumentStore(DocumentFiles(request.app.state.settings.documents_dir))


StoreDep = Annotated[DocumentStore, Depends(get_store)]


@router.get("/{sha256}", response_model=DocumentOut, responses=_ERRORS)
def document(sha256: Sha256, session: SessionDep) -> DocumentOut:
    """A stored document's metadata, withdrawn or not, and every root on chain that anchors it."""
    record = find_document(session, sha256)
    if record is None:
        raise NotFoundError(
            f"no document with SHA-256 {as_sha256(sha256)} is in the store; POST /documents/verify tells whether "
            "it is anchored on chain all the same"
        )
    anchors = document_anchors(session, record.sha256)
    names = organisation_names(session, {anchor.anchorer_org for anchor in anchors})
    return DocumentOut(
        sha256=record.sha256, title=record.title, description=record.description, media_type=record.media_type,
        size=record.size, language=record.language, added_at=record.added_at, available=record.available,
        withdrawn_at=record.withdrawn_at, withdrawal_reason=record.withdrawal_reason,
        anchors=[AnchorOut(**_anchor_fields(anchor, names)) for anchor in anchors],
    )  # fmt: skip


@router.get(
    "/{sha256}/content",
    response_class=StreamingResponse,
    responses={
        # Any media type: the bytes go out as the type they were stored with (text/plain, application/pdf, ...).
        200: {
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "the bytes, with the media type they were stored with",
        },
        410: {"model": ErrorOut, "description": "withdrawn: the message says when and why"},
        **_ERRORS,
    },
)
def content(sha256: Sha256, session: SessionDep, store: StoreDep) -> StreamingResponse:
    """The document's bytes; 410 Gone, with when and why, once withdrawn."""
    record, stream = store.open_content(session, sha256)
    # Length of the file itself: a tampered file of another size must not break the response (the verifier reports it).
    headers = {"Content-Length": str(os.fstat(stream.fileno()).st_size), "ETag": f'"{record.sha256}"'}
    return StreamingResponse(_chunks(stream), media_type=record.media_type, headers=headers)


@router.get("/{sha256}/proof", response_model=DocumentProofOut, responses=_ERRORS)
def proof(sha256: Sha256, session: SessionDep) -> DocumentProofOut:
    """The document's RFC 6962 inclusion proof to every root on chain that anchors it, withdrawn or not."""
    proofs = document_proofs(session, sha256)
    if not proofs:
        raise NotFoundError(
            f"document {as_sha256(sha256)} is not anchored on chain: no root the mirror holds has it among its "
            "leaves. If it was anchored moments ago, wait for the indexer (see /health for its lag)"
        )
    return DocumentProofOut(sha256=as_sha256(sha256), proofs=_proofs_out(session, proofs))


@router.post(
    "/verify",
    response_model=VerificationOut,
    responses={413: {"model": ErrorOut, "description": "the upload is over the size limit"}, 422: {"model": ErrorOut}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary", "description": "hashed, never stored"},
                            "sha256": {
                                "type": "string",
                                "pattern": SHA256_PATTERN,
                                "description": "with `file`, the SHA-256 the file must have (else a 422)",
                            },
                        },
                    }
                },
                "application/json": {"schema": VerifyRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": VerifyRequest.model_json_schema()},
            },
        }
    },
)
async def verify(request: Request, session: SessionDep) -> VerificationOut:
    """Is this document anchored on chain, by whom, for which process, in which transaction? Send the file (as
    multipart field `file`, hashed as it streams in and never stored) or its `sha256` (JSON or form). A `sha256`
    field sent with the file is checked against it."""
    limit: int = request.app.state.settings.max_upload_bytes
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    size: int | None = None
    if media_type == "multipart/form-data":
        upload = await hash_multipart_upload(request, limit)
        if upload.sha256 is None:
            sha256 = _hash_field(upload.fields)
        else:
            sha256, size = upload.sha256, upload.size
            if "sha256" in upload.fields:  # a hash sent along must be well formed, and be the file's
                claimed = _hash_field(upload.fields)
                if claimed != sha256:
                    raise DocumentHashMismatchError(claimed, sha256)
    elif media_type == "application/json":
        sha256 = _hash_field(_json_object(await read_small_body(request, limit)))
    elif media_type == "application/x-www-form-urlencoded":
        form = parse_qs((await read_small_body(request, limit)).decode("utf-8", "replace"))
        sha256 = _hash_field({name: values[0] for name, values in form.items()})
    else:
        raise _invalid(
            f"expected a multipart/form-data upload with a `file` part, or a JSON or form body with `sha256`; got "
            f"Content-Type {media_type or 'none'!r}"
        )
    return await run_in_threadpool(_verification, session, sha256, size)  # database reads off the event loop


def _verification(session: Session, sha256: str, size: int | None) -> VerificationOut:
    record = find_document(session, sha256)
    proofs = document_proofs(session, sha256)
    return VerificationOut(
        sha256=sha256, size=size, anchored=bool(proofs), in_store=record is not None,
        title=record.title if record else None, proofs=_proofs_out(session, proofs),
    )  # fmt: skip


def _hash_field(fields: dict[str, Any]) -> str:
    try:
        return as_sha256(VerifyRequest.model_validate(fields).sha256)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        raise _invalid('the body is not valid JSON; send {"sha256": "<64 hex digits>"}') from None
    if not isinstance(parsed, dict):
        raise _invalid('expected a JSON object {"sha256": "<64 hex digits>"}')
    return parsed


def _invalid(message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body",), "msg": message, "type": "value_error"}])


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        yield from iter(lambda: stream.read(CHUNK_BYTES), b"")


def _proofs_out(session: Session, proofs: list[DocumentProof]) -> list[InclusionProofOut]:
    names = organisation_names(session, {item.anchor.anchorer_org for item in proofs})
    return [InclusionProofOut(**_anchor_fields(item.anchor, names), audit_path=item.audit_path) for item in proofs]


def _anchor_fields(anchor: DocumentAnchor, names: dict[str, OrganisationName]) -> dict[str, Any]:
    name = names.get(anchor.anchorer_org)
    return {
        "anchorer_org": anchor.anchorer_org,
        "anchorer_name": name.name if name else None,
        "anchorer_name_sha256": name.doc_sha256 if name else None,
        "root": anchor.root,
        "leaf_index": anchor.leaf_index,
        "tree_size": anchor.tree_size,
        "process_id": anchor.process_id,
        "ocid": anchor.ocid,
        "chain": AnchorChainReference(
            chain_id=anchor.chain_id,
            contract=anchor.contract,
            tx_hash=anchor.tx_hash,
            block_number=anchor.block_number,
            block_hash=anchor.block_hash,
            log_index=anchor.log_index,
            anchored_at=datetime.fromtimestamp(anchor.block_time, UTC),
        ),
    }
