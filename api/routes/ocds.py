"""The ledger in the Open Contracting Data Standard: releases in chain order, a process's record, and the
chain-evidence extension the packages declare."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import DecoderDep, SessionDep
from api.paging import After, cursor_after, position_after
from api.routes.documents import StoreDep
from api.routes.processes import IsoDateTime
from api.schemas import ErrorOut
from api.schemas_ocds import RecordPackageOut, ReleasePageOut
from ledger.errors import InvalidRequestError
from ledger.ocds.export import releases_after
from ledger.ocds.imported import imported_page, record_or_imported
from ledger.ocds.packages import package_metadata, record_package, write_release_package
from ledger.ocds.patched import extension_file
from ledger.ocds.releases import Publication

router = APIRouter(prefix="/ocds", tags=["ocds"])
_LISTING, _IMPORTED = "ocds-releases", "ocds-imported-releases"
ReleaseLimit = Annotated[int, Query(ge=1, le=500, description="how many releases per page")]


@router.get("/releases", response_model=ReleasePageOut, responses={422: {"model": ErrorOut}})
def releases(
    request: Request,
    session: SessionDep,
    decoder: DecoderDep,
    store: StoreDep,
    date_from: Annotated[IsoDateTime | None, Query(description="releases dated at or after (ISO 8601)")] = None,
    date_to: Annotated[IsoDateTime | None, Query(description="releases dated at or before (ISO 8601)")] = None,
    source: Annotated[
        Literal["chain", "imported"],
        Query(description="chain: every process event; imported: the publications `procledger ocds import` anchored"),
    ] = "chain",
    after: After = None,
    limit: ReleaseLimit = 100,
) -> Response:
    """Every process event as an OCDS 1.1 release, in chain order, as a release package a page at a time; with
    `source=imported`, the releases imported from other publishers instead, unchanged, in import order.

    A chain release is dated by its block, an imported one as its publisher dated it (one without a date is outside
    any range); `date_from` and `date_to` keep the pages to that range (keep them the same while following the
    cursor). Pages never skip or repeat a release, and chain releases reach only as far as the finality watermark,
    as /feed does. Past the last release the page is empty (OCDS requires a package to hold at least one release,
    so that page alone is not a valid package): poll its `links.next` for new releases."""
    since, until = (_unix(moment) for moment in (date_from, date_to))
    if since is not None and until is not None and since > until:
        raise InvalidRequestError("date_from is after date_to: no release can be in that range")
    if source == "imported":
        position = position_after(_IMPORTED, after)
        imported = imported_page(session, store, after=position[0] if position else None, limit=limit, since=since,
                                 until=until)  # fmt: skip
        found: list[Any] = list(imported.releases)
        cursor = cursor_after(_IMPORTED, (imported.next_after, 0) if imported.next_after is not None else None)
    else:
        settings = request.app.state.settings
        page = releases_after(
            session, decoder, after=position_after(_LISTING, after), limit=limit, since=since, until=until,
            finality_depth=settings.finality_depth, publication=_publication(request),
        )  # fmt: skip
        found, cursor = page.releases, cursor_after(_LISTING, page.next_after)
    next_url = request.url.remove_query_params("after")
    text = io.StringIO()
    write_release_package(
        text, found, _metadata(request, str(next_url)),
        after={"links": {"next": str(next_url.include_query_params(after=cursor) if cursor else next_url)},
               "next_cursor": cursor},
    )  # fmt: skip
    return Response(text.getvalue(), media_type="application/json")


@router.get("/records/{ocid}", response_model=RecordPackageOut, responses={404: {"model": ErrorOut}})
def record(
    request: Request,
    session: SessionDep,
    decoder: DecoderDep,
    store: StoreDep,
    ocid: Annotated[str, Path(min_length=1, max_length=200, description="the process's ocid, as published")],
) -> Response:
    """One process as an OCDS 1.1 record package: every release of it, and their compiled release (ocdsmerge); for
    an ocid imported from another publisher, its imported releases."""
    published, found = record_or_imported(session, decoder, store, ocid, _publication(request))
    return _json(record_package(_metadata(request, str(request.url)), [(published, found)]))


@router.get("/extensions/chain/{name}", responses={404: {"model": ErrorOut}})
def chain_extension(name: Literal["extension.json", "release-schema.json"]) -> Response:
    """The chain-evidence OCDS extension the packages declare: its metadata and its release-schema patch."""
    return _json(extension_file("chain", name))


def _unix(moment: datetime | None) -> int | None:
    """A date-time as unix seconds; one without a zone is taken as UTC, the zone of block times."""
    if moment is None:
        return None
    return int((moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp())


def _publication(request: Request) -> Publication:
    """The configured ocid prefix; documents linked to where this API is reached."""
    return Publication(request.app.state.settings.ocds_ocid_prefix, str(request.base_url).rstrip("/"))


def _metadata(request: Request, uri: str) -> Any:
    return package_metadata(uri, request.app.state.settings.ocds_extension_url)


def _json(document: Any) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), media_type="application/json")
