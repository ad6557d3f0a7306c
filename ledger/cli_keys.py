"""`procledger keys …`: each organisation's signing key in an encrypted keystore under the data directory.

A private key to import is read from a file or from standard input, never from the command line, so it does not
land in the shell's history or in the process list. No command prints a key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ledger.chain.keystore import KeystoreEntry, Keystores, as_org_id
from ledger.errors import KeystoreError
from ledger.settings import Settings, settings_from_environment

keys_app = typer.Typer(help="Organisations' signing keys, encrypted with PROCLEDGER_KEYSTORE_PASSPHRASE.")
console = Console(stderr=True)

OrgArgument = Annotated[
    str, typer.Argument(help="the organisation's id: 0x and 64 hex digits (keccak256 of its registry id)")
]
LabelOption = Annotated[
    str | None, typer.Option("--label", help="a short name for the keystore file, e.g. finance (a-z, 0-9, -, _)")
]


def resolve_org(settings: Settings, org_or_label: str) -> str:
    """An organisation id given as such, or as the label of its keystore."""
    if org_or_label.lower().startswith("0x"):
        return as_org_id(org_or_label)
    return Keystores(settings.keystores_dir, None).find(org_or_label).org_id


@keys_app.command("create")
def create(org_id: OrgArgument, label: LabelOption = None) -> None:
    """Make a new random signing key for an organisation, encrypted; prints its address, never the key."""
    settings = settings_from_environment()
    with console.status("Encrypting the new key (scrypt)…"):
        entry = Keystores.from_settings(settings).create(org_id, label)
    _created("created", entry)
    console.print("add the address to the organisation on chain (the ledger admin's addOrganisationAccount)")


@keys_app.command("import")
def import_(
    org_id: OrgArgument,
    source: Annotated[
        Path | None,
        typer.Argument(help="a keystore v3 JSON file, or a file holding the hex key; omitted or -: hex from stdin"),
    ] = None,
    label: LabelOption = None,
) -> None:
    """Encrypt an existing key for an organisation: from a keystore file, a file holding hex, or standard input."""
    settings = settings_from_environment()
    keystores = Keystores.from_settings(settings)
    with console.status("Encrypting the key (scrypt)…"):
        if source is None or str(source) == "-":
            entry = keystores.import_key(org_id, sys.stdin.readline(), label)
        else:
            entry = _import_from_file(keystores, org_id, source, label)
    _created("imported", entry)


def _import_from_file(keystores: Keystores, org_id: str, source: Path, label: str | None) -> KeystoreEntry:
    try:
        text = source.read_text()
    except OSError as error:
        raise KeystoreError(f"cannot read {source} ({error.strerror}); check the path") from None
    try:
        is_keystore = isinstance(json.loads(text), dict)
    except ValueError:
        is_keystore = False
    if is_keystore:
        return keystores.import_file(org_id, source, label)
    return keystores.import_key(org_id, text, label)


@keys_app.command("list")
def list_() -> None:
    """Show each keystore: organisation, label, signing address and file. Never a key."""
    settings = settings_from_environment()
    entries = Keystores(settings.keystores_dir, None).entries()
    if not entries:
        console.print(f"no keystores in {settings.keystores_dir}; `procledger keys create ORG_ID` makes one")
        return
    Console().print(keystore_table(entries, f"keystores in {settings.keystores_dir}"))


def keystore_table(entries: list[KeystoreEntry], title: str) -> Table:
    """Which organisation each keystore signs for, by label, id and address."""
    table = Table("label", "organisation id", "address", "file", title=title)
    for entry in entries:
        table.add_row(entry.label or "", entry.org_id, entry.address, entry.path.name)
    return table


def _created(verb: str, entry: KeystoreEntry) -> None:
    console.print(f"{verb} {entry.path}: organisation {entry.org_id}, address {entry.address}")
