"""Documents through the write gateway: an organisation files a document (its bytes, or only its hash) to be
anchored in the next batch root, and withdraws the content of one it added.

Filing takes the token of any organisation registered on chain and an Idempotency-Key; the contract is asked first
whether it may anchor (under the process, if one is named). The answer names the future anchor: the batch, the
document's place in it, the write that anchors it, and the root once the batch has closed.
"""

from __future__ import annotations

import tempfile
from typing import Annotated, Any, BinaryIO, TypeVar, cast

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from api.auth import CallerDep, get_gateway
from api.chain_calls import waiting_on_chain
from api.deps import SessionDep, kept
from api.routes.documents import Sha256, StoreDep, _invalid, _json_object, document
from api.schemas import ErrorOut
from api.schemas_document_writes import (
    AnchorPlaceOut,
    DocumentFiledOut,
    DocumentHashIn,
    DocumentUploadForm,
    WithdrawalIn,
)
from api.schemas_documents import DocumentOut
from api.uploads import hash_multipart_upload, read_small_body
from api.write_routes import AUTH_ERRORS, IdempotencyKey
from ledger.errors import DocumentHashMismatchError
from ledger.gateway.access import Caller, require_registered
from ledger.gateway.anchor_batches import BatchRules
from ledger.gateway.documents import DocumentGateway, DocumentIn, FiledDocument, withdraw_document
from ledger.store.document_files import DocumentFiles
from ledger.store.documents import DocumentStore

router = APIRouter(prefix="/documents", tags=["documents"])
M = TypeVar("M", bound=BaseModel)

_SPOOL_IN_MEMORY = 1 << 20  # an upload past this many bytes waits on disk, not in memory, until it is stored


def registered_caller(caller: CallerDep) -> Caller:
    """The caller, if its organisation is registered on chain (any role may anchor its documents)."""
    require_registered(caller, "POST /documents")
    return caller


def get_document_gateway(request: Request) -> DocumentGateway:
    """The write gateway with the document store and the batch rules of the settings."""
    gateway = get_gateway(request)

    def build(settings: Any) -> DocumentGateway:
        store = DocumentStore(DocumentFiles(settings.documents_dir))
        return DocumentGateway(gateway, store, BatchRules(settings.anchor_batch_size, settings.anchor_interval))

    return kept(request, "document_gateway", build)


RegisteredCaller = Annotated[Caller, Depends(registered_caller)]
DocumentGatewayDep = Annotated[DocumentGateway, Depends(get_document_gateway)]

_UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the document; its part's Content-Type is kept"},
        **DocumentUploadForm.model_json_schema()["properties"],
    },
}


@router.post(
    "",
    status_code=202,
    response_model=DocumentFiledOut,
    responses={
        200: {"model": DocumentFiledOut, "description": "the same Idempotency-Key and request again: its answer now"},
        403: {"model": ErrorOut, "description": "the token's organisation is not registered on chain"},
        409: {
            "model": ErrorOut,
            "description": "the contract refuses the anchor (e.g. AnchorNotProcessParty: `revert` holds it; nothing "
            "is kept), or the Idempotency-Key was used for another request",
        },
        413: {"model": ErrorOut, "description": "the file is over PROCLEDGER_MAX_UPLOAD_BYTES"},
        422: {"model": ErrorOut, "description": "malformed, or the file does not have the `sha256` sent with it"},
        503: {"model": ErrorOut, "description": "the chain does not answer, or no signing key is configured"},
        **{status: AUTH_ERRORS[status] for status in (401, 429)},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": _UPLOAD_FORM,
                    "examples": {
                        "upload": {
                            "summary": "a file, filed under a process",
                            "value": {
                                "file": "(bytes)",
                                "title": "Tender notice",
                                "language": "en",
                                "ocid": "ocds-pl0001-2026-0001",
                            },
                        }
                    },
                },
                "application/json": {"schema": DocumentHashIn.model_json_schema()},
            },
        }
    },
)
async def file_document(
    request: Request, key: IdempotencyKey, caller: RegisteredCaller, docs: DocumentGatewayDep, session: SessionDep
) -> JSONResponse:
    """File a document to be anchored on chain: upload it (multipart field `file`, streamed into the store, with
    optional `title`, `language`, `description`, `ocid` and a `sha256` to check it against), or send only its
    `sha256` (JSON, optionally with `ocid`). Its hash joins the organisation's open batch for that process; the batch
    is anchored as one Merkle root after PROCLEDGER_ANCHOR_BATCH_SIZE documents or PROCLEDGER_ANCHOR_INTERVAL
    seconds. Answers 202 with the future anchor."""
    limit: int = request.app.state.settings.max_upload_bytes
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spooled:
        spool = cast(BinaryIO, spooled)
        if media_type == "multipart/form-data":
            upload = await hash_multipart_upload(request, limit, spool)
            if upload.sha256 is None:
                raise _invalid('a multipart upload needs a `file` part; to file only a hash, send JSON {"sha256"}')
            form = _validated(DocumentUploadForm, {name: value for name, value in upload.fields.items() if value})
            if form.sha256 is not None and form.sha256.lower().removeprefix("0x") != upload.sha256[2:]:
                raise DocumentHashMismatchError("0x" + form.sha256.lower().removeprefix("0x"), upload.sha256)
            incoming = DocumentIn(
                upload.sha256, spool, upload.media_type or "application/octet-stream", form.title, form.language,
                form.description, form.ocid,
            )  # fmt: skip
        elif media_type == "application/json":
            hashed = _validated(DocumentHashIn, _json_object(await read_small_body(request, limit)))
            incoming = DocumentIn(hashed.sha256, None, ocid=hashed.ocid)
        else:
            raise _invalid(
                'expected a multipart/form-data upload with a `file` part, or a JSON body {"sha256"}; got '
                f"Content-Type {media_type or 'none'!r}"
            )
        filed = await waiting_on_chain(request, lambda: docs.file(session, caller.org_id, incoming, key))
    return JSONResponse(_filed_out(filed).model_dump(mode="json"), status_code=202 if filed.created else 200)


@router.delete(
    "/{sha256}",
    response_model=DocumentOut,
    responses={
        403: {"model": ErrorOut, "description": "the document was added by another organisation (or the operator)"},
        404: {"model": ErrorOut, "description": "no such document in the store"},
        410: {"model": ErrorOut, "description": "already withdrawn: the message says when and why"},
        422: {"model": ErrorOut},
        **{status: AUTH_ERRORS[status] for status in (401, 429)},
    },
)
def withdraw(
    sha256: Sha256, withdrawal: WithdrawalIn, caller: CallerDep, store: StoreDep, session: SessionDep
) -> DocumentOut:
    """Withdraw the content of a document your organisation added, saying why (e.g. to honour a deletion right).
    Its bytes are deleted; its hash, anchors and inclusion proofs stay, and its content answers 410 with when and
    why."""
    withdraw_document(session, store, caller.org_id, sha256, withdrawal.reason)
    return document(sha256, session)


def _filed_out(filed: FiledDocument) -> DocumentFiledOut:
    record, place = filed.record, filed.place
    return DocumentFiledOut(
        sha256=filed.sha256, stored=record is not None, title=record.title if record else None,
        media_type=record.media_type if record else None, size=record.size if record else None,
        added_by_org=record.added_by_org if record else None,
        anchor=AnchorPlaceOut(
            batch_id=place.batch_id, leaf_index=place.leaf_index, write_id=place.write_id, state=place.state,
            size=place.size, closes_at=place.closes_at, root=place.root, ocid=place.ocid,
        ),
    )  # fmt: skip


def _validated(model: type[M], fields: dict[str, Any]) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
