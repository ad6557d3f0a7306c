"""What the authorities' write commands take from the terminal, turned into gateway request fields: organisations
(an id or a keystore label), deadlines (ISO 8601 with a zone, or unix seconds) and payment schedules
(REF=AMOUNT). A malformed value is a one-line error naming the option and the form it wants."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import typer

from ledger.cli_keys import resolve_org
from ledger.errors import ConfigurationError
from ledger.settings import Settings

OcidArgument = Annotated[str, typer.Argument(help="the process's ocid, e.g. ocds-pl0001-2026-0002")]
_SCHEDULE_ITEM = re.compile(r"(?P<ref>.+)=(?P<amount>[0-9]+)")
_HASH32 = re.compile(r"0x[0-9a-fA-F]{64}")


def document_option(what: str) -> Any:
    """A `--doc FILE` option for the act's document, kept in the document store (locally) or hashed (remotely)."""
    return typer.Option("--doc", help=f"the {what}; kept in the document store, only its SHA-256 goes on chain")


def organisation(settings: Settings, option: str, value: str) -> str:
    """An organisation's on-chain id, given as such (0x…) or as the label of a keystore in this data directory."""
    if value.lower().startswith("0x") and not _HASH32.fullmatch(value):
        raise ConfigurationError(f"{option} {value!r} is not an organisation id: 0x and 64 hex digits")
    return resolve_org(settings, value)


def on_chain_id(option: str, value: str) -> str:
    """A 32-byte on-chain id (a budget line's, a complaint's), as 0x + 64 hex digits."""
    if not _HASH32.fullmatch(value):
        raise ConfigurationError(f"{option} {value!r} is not an on-chain id: 0x and 64 hex digits")
    return value.lower()


def unix_time(option: str, value: str) -> int:
    """A deadline as unix seconds, from ISO 8601 with its time zone (2026-12-31T17:00+08:00) or unix seconds."""
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigurationError(
            f"{option} {value!r} is not a moment with its time zone: write e.g. 2026-12-31T17:00+08:00, or unix seconds"
        )
    return int(moment.timestamp())


def schedule(option: str, items: list[str]) -> list[dict[str, Any]]:
    """Milestones as the gateway takes them, from REF=AMOUNT items (amount in minor units)."""
    milestones = []
    for item in items:
        matched = _SCHEDULE_ITEM.fullmatch(item)
        if matched is None or int(matched["amount"]) == 0:
            raise ConfigurationError(
                f"{option} {item!r} is not a milestone: write REFERENCE=AMOUNT, e.g. CT-2026-0104/M1=1000000 "
                "(amount in minor units, above zero)"
            )
        milestones.append({"milestone_ref": matched["ref"], "amount": int(matched["amount"])})
    refs = [each["milestone_ref"] for each in milestones]
    if len(set(refs)) != len(refs):
        raise ConfigurationError(f"each {option} reference may appear once")
    return milestones
