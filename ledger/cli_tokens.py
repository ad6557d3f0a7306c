"""`procledger tokens …`: API tokens per organisation. A token is shown once, when created; the database keeps
only its SHA-256."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from ledger.cli_keys import resolve_org
from ledger.demo_access import DemoAccess
from ledger.gateway.supplier_actions import RELAYER_KEYSTORE
from ledger.settings import settings_from_environment
from ledger.store.database import make_engine, upgrade_schema
from ledger.store.tokens import issue_token, list_tokens, revoke_token

tokens_app = typer.Typer(help="API tokens: one or more per organisation, stored only as hashes.")
console = Console(stderr=True)


@tokens_app.command("create")
def create(
    org: Annotated[str, typer.Argument(help="the organisation: its id (0x…), or the label of its keystore")],
    label: Annotated[str | None, typer.Option("--label", help="what the token is for, e.g. treasury-system")] = None,
) -> None:
    """Issue a token for an organisation and print it once (on stdout, so it can be piped into a secret store)."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, org)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    with Session(engine) as session, session.begin():
        info, token = issue_token(session, org_id, label)
    engine.dispose()
    console.print(f"token {info.id} for organisation {org_id}; it is shown only now, keep it secret:")
    print(token)


@tokens_app.command("list")
def list_() -> None:
    """Show every token: id, organisation, label, created, last used, revoked. Never the token itself."""
    settings = settings_from_environment()
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    with Session(engine) as session:
        tokens = list_tokens(session)
    engine.dispose()
    table = Table("id", "organisation id", "label", "created", "last used", "revoked", title="API tokens")
    for info in tokens:
        table.add_row(
            str(info.id), info.org_id, info.label or "", _when(info.created_at), _when(info.last_used_at),
            _when(info.revoked_at),
        )  # fmt: skip
    Console().print(table)


@tokens_app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(help="the token's id, from `procledger tokens list`")]) -> None:
    """Revoke a token: the API refuses it from now on."""
    settings = settings_from_environment()
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    with Session(engine) as session, session.begin():
        info = revoke_token(session, token_id)
    engine.dispose()
    console.print(f"token {info.id} of organisation {info.org_id} is revoked")


def _when(moment: object) -> str:
    return "" if moment is None else str(moment)[:19]


def show_demo_access(access: list[DemoAccess], relayer: str) -> None:
    """Which demo organisation is which: label, name, id, signing address and its fresh API token; and the
    relayer's address, the account that pays the gas of relayed bids."""
    table = Table("label", "organisation", "organisation id", "signing address")
    for column in table.columns:
        column.overflow = "fold"  # ids and addresses whole, over two lines if the terminal is narrow
    for each in access:
        table.add_row(each.label, each.name, each.org_id, each.address)
    table.add_row(RELAYER_KEYSTORE, "(the gateway's relayer: pays the gas of relayed bids)", "none", relayer)
    console.print(table)
    # One line each, never wrapped or cropped: a table cropped the tokens in an 80-column terminal, and a token
    # cannot be shown again.
    console.print("API tokens, shown once (send one as `Authorization: Bearer TOKEN`):")
    for each in access:
        console.print(f"  {each.label:<10}  {each.token}", soft_wrap=True, markup=False, highlight=False)
    console.print("demo tokens are issued afresh on every run; `procledger tokens create LABEL` issues more")
