"""`procledger bid commit|reveal|receipt|cancel`: a supplier's sealed bid from the terminal.

The supplier's own keystore signs, and the local outbox carries the write, as the API would: a commitment as an
EIP-712 message the gateway's relayer sends (the supplier pays no gas), a reveal or cancellation as a transaction
the supplier's account signed itself. `commit` writes the receipt (ledger.chain.bid_receipts) before anything is
sent, since its salt is the only way to open the bid; the bid document itself stays with the supplier. With
`--gateway URL --token …` the write goes to a remote gateway instead, still signed here (ledger.cli_supplier_route).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger.chain.bid_receipts import BidReceipt, ChainEvidence, check_receipt
from ledger.chain.bids import sign_bid_commitment
from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.ledger_contract import process_id_of
from ledger.chain.setup import open_ledger
from ledger.cli_keys import resolve_org
from ledger.cli_local_gateway import console
from ledger.cli_supplier_route import GatewayOption, SupplierRoute, TokenOption, print_settled
from ledger.errors import (
    AuthenticationError,
    ConfigurationError,
    ContractRevertError,
    InvalidRequestError,
    LedgerError,
    RoleRequiredError,
)
from ledger.gateway.supplier_actions import BID_COMMITMENT, BID_REVEAL, BID_SIGNATURE_CANCELLATION
from ledger.settings import settings_from_environment

bid_app = typer.Typer(help="A supplier's sealed bids: commit, reveal, check a kept receipt, cancel signatures.")

AsOption = Annotated[str, typer.Option("--as", help="the bidding supplier: its organisation id or keystore label")]
ReceiptArgument = Annotated[Path, typer.Argument(help="the receipt file `procledger bid commit` wrote")]


@bid_app.command("commit")
def commit(
    ocid: Annotated[str, typer.Argument(help="the process in its tender stage, e.g. ocds-pl0001-2026-0001")],
    amount: Annotated[int, typer.Option("--amount", min=1, max=2**96 - 1, help="in minor units of the currency")],
    doc: Annotated[Path, typer.Option("--doc", help="the bid document; only its SHA-256 is committed")],
    as_org: AsOption,
    receipt_path: Annotated[
        Path | None, typer.Option("--receipt", help="where to keep the receipt (default: OCID.bid-receipt.json)")
    ] = None,
    valid_for: Annotated[int, typer.Option("--valid-for", min=60, help="seconds the signature stays valid")] = 3600,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Commit (or replace) your organisation's sealed bid: signed with its keystore, relayed without gas."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    bid_doc_hash = hashlib.sha256(_read(doc, "bid document")).digest()
    path = receipt_path or Path(f"{ocid}.bid-receipt.json")
    route = SupplierRoute.open(settings, gateway, token)
    kept = BidReceipt.new(ocid, bytes.fromhex(org_id[2:]), amount, bid_doc_hash, secrets.token_bytes(32))
    kept.write(path, new=True)  # before anything leaves: the salt must survive a crash
    _say(f"receipt kept in {path}: keep it, and the bid document, private until the reveal")

    def body() -> dict[str, Any]:
        account = route.keystores.account(org_id)
        process_id = process_id_of(ocid)
        nonce = int(route.ledger.call("bidNonce", process_id, bytes.fromhex(org_id[2:])))
        deadline = int(route.w3.eth.get_block("latest")["timestamp"]) + valid_for
        signature = sign_bid_commitment(
            account.key, chain_id=int(route.w3.eth.chain_id), ledger_address=route.ledger.address,
            process_id=process_id, bidder_org=bytes.fromhex(org_id[2:]), commitment=bytes.fromhex(kept.commitment[2:]),
            nonce=nonce, deadline=deadline,
        )  # fmt: skip
        return {"ocid": ocid, "bidder_org": org_id, "signer": account.address.lower(), "commitment": kept.commitment,
                "nonce": nonce, "deadline": deadline, "signature": "0x" + signature.hex()}  # fmt: skip

    try:
        done = route.record(
            org_id,
            BID_COMMITMENT,
            "/bids/commitments",
            f"bid-commit:{ocid}:{kept.commitment}",
            body,
            "Checking the bid against the contract…",
        )
    except ContractRevertError as error:
        path.unlink()  # refused, so never on chain: its receipt would only mislead
        raise _in_words(error) from None
    except (AuthenticationError, RoleRequiredError):
        path.unlink()  # the gateway refused the caller and queued nothing: a fixed token reruns with a new receipt
        raise
    assert done.tx_hash is not None and done.block_number is not None  # confirmed
    committed = kept.committed(done.tx_hash, done.block_number, int(route.w3.eth.chain_id), route.ledger.address)
    committed.write(path, new=False)
    print_settled(
        f"sealed bid on {ocid} committed for {org_id}: amount {amount} and bid document {kept.bid_doc_hash} stay "
        f"sealed under commitment {kept.commitment}",
        done,
    )


@bid_app.command("reveal")
def reveal(receipt_path: ReceiptArgument, gateway: GatewayOption = None, token: TokenOption = None) -> None:
    """Open the bid a receipt describes, between the bid and reveal deadlines, signed by your own account."""
    settings = settings_from_environment()
    kept = BidReceipt.read(receipt_path)
    route = SupplierRoute.open(settings, gateway, token)

    arguments = (
        process_id_of(kept.ocid),
        kept.amount,
        bytes.fromhex(kept.bid_doc_hash[2:]),
        bytes.fromhex(kept.salt[2:]),
    )
    key = f"bid-reveal:{kept.ocid}:{kept.commitment}"
    checking = "Checking the reveal against the contract…"
    try:
        done = route.record_call(kept.bidder_org, BID_REVEAL, "/bids/reveals", key, arguments, checking)
    except ContractRevertError as error:
        raise _in_words(error) from None
    print_settled(f"bid on {kept.ocid} revealed: amount {kept.amount}, bid document {kept.bid_doc_hash}", done)


@bid_app.command("receipt")
def receipt(receipt_path: ReceiptArgument) -> None:
    """Check a kept receipt against the chain: committed, replaced, revealed, each with its block and transaction."""
    settings = settings_from_environment()
    kept = BidReceipt.read(receipt_path)
    ledger = open_ledger(settings, connect(settings.rpc_url))  # the chain alone: no mirror, no outbox
    deployment = Deployment.load(settings.deployment_file)
    with console.status("Looking for the bid's events on chain…"):
        check = check_receipt(ledger, kept, deployment.start_block if deployment else 0)
    _say(f"bid of {kept.bidder_org} on {kept.ocid}, commitment {kept.commitment}")
    _say(f"committed: {_at(check.committed_at)}")
    if check.tx_hash_matches is False:
        _say(f"  note: the receipt names transaction {kept.tx_hash}, but the commitment is in another one")
    if check.replaced_at is not None:
        _say(f"replaced: {_at(check.replaced_at)} by commitment {check.replaced_by}; this bid is void")
    else:
        _say("replaced: no, this is the organisation's bid")
    if check.revealed_at is None:
        _say("revealed: no, still sealed" if check.replaced_at is None else "revealed: no")
    elif check.reveal_matches:
        _say(f"revealed: {_at(check.revealed_at)}, with amount {kept.amount} and this bid document")
    else:
        _say(f"revealed: {_at(check.revealed_at)}, but NOT with this receipt's amount and bid document")


@bid_app.command("cancel")
def cancel(
    ocid: Annotated[str, typer.Argument(help="the process whose bid signatures to void")],
    as_org: AsOption,
    gateway: GatewayOption = None,
    token: TokenOption = None,
) -> None:
    """Void every signature of your organisation's bid not relayed yet: the bid's nonce moves on."""
    settings = settings_from_environment()
    org_id = resolve_org(settings, as_org)
    route = SupplierRoute.open(settings, gateway, token)
    nonce = int(route.ledger.call("bidNonce", process_id_of(ocid), bytes.fromhex(org_id[2:])))

    done = route.record_call(
        org_id,
        BID_SIGNATURE_CANCELLATION,
        "/bids/signature-cancellations",
        f"bid-cancel:{ocid}:{nonce}",
        (process_id_of(ocid),),
        "Checking against the contract…",
    )
    print_settled(f"bid signatures on {ocid} up to nonce {nonce} are void", done)


def _in_words(error: ContractRevertError) -> LedgerError:
    """A deadline refusal with its times as dates, and what to do; any other refusal as it is."""
    args = error.error_args
    if error.error_name == "BidRevealWindowClosed":
        return InvalidRequestError(
            f"{error}: bids on this process are revealed from {_date(args['opensAt'])} until "
            f"{_date(args['closesAt'])}, and the chain's time is {_date(args['now'])}; reveal within that window"
        )
    if error.error_name == "TenderDeadlinePassed":
        return InvalidRequestError(
            f"{error}: bids closed at {_date(args['bidDeadline'])}, and the chain's time is {_date(args['now'])}; "
            "no bid can be committed or replaced any more"
        )
    return error


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).isoformat(timespec="seconds")


def _say(text: str) -> None:
    console.print(text, soft_wrap=True)  # evidence stays whole, to be copied


def _at(evidence: ChainEvidence) -> str:
    return f"block {evidence.block_number}, transaction {evidence.tx_hash}, at {_date(evidence.timestamp)}"


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read the {what} {path} ({error.strerror}); check the path") from None
