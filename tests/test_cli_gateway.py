"""`procledger keys …` and `procledger tokens …`, and the demo's keystores and tokens, run as a user runs them.

Happy paths through Typer's CliRunner; failure paths through the real entry point in a subprocess (exit code 1,
one "error: ..." line), as tests/test_cli.py does for the other commands.
"""

from __future__ import annotations

import re

from click.testing import CliRunner, Result
from eth_account import Account
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.main import get_command

from api.app import create_app
from ledger.chain.accounts import derive_account
from ledger.chain.anvil import AnvilProcess
from ledger.chain.client import connect
from ledger.chain.deployment import Deployment
from ledger.chain.keystore import Keystores
from ledger.chain.ledger_contract import process_id_of
from ledger.chain.setup import open_ledger
from ledger.cli import app
from ledger.demo import FINANCE, MILESTONES, SUPPLIER_A
from ledger.gateway.actions import payment_id_of
from ledger.settings import Settings
from tests.api.test_writes import OCID, Q2, VOUCHER, _accept_milestone
from tests.test_cli import _environment, _fails, deployed  # noqa: F401  (fixture)

ORG = "0x" + "ab" * 32
SECRET = {"PROCLEDGER_KEYSTORE_PASSPHRASE": "correct horse", "PROCLEDGER_KEYSTORE_SCRYPT_N": "1024"}


def _run(settings: Settings, *args: str, stdin: str | None = None, **extra: str) -> Result:
    env = _environment(settings, **{**SECRET, **extra})
    result = CliRunner(mix_stderr=False).invoke(get_command(app), list(args), env=env, input=stdin)
    assert result.exit_code == 0, f"{result.stdout}{result.stderr}{result.exception!r}"
    return result


def _keystores(settings: Settings) -> Keystores:
    return Keystores.from_settings(settings.model_copy(update={"keystore_passphrase": None}))


# keys


def test_keys_create_then_list_shows_organisation_address_and_file_never_the_key(settings: Settings) -> None:
    created = _run(settings, "keys", "create", ORG, "--label", "finance")
    listed = _run(settings, "keys", "list").stdout
    entry = _keystores(settings).find("finance")
    assert entry.address in created.stderr and ORG in listed and entry.address in listed and "finance.json" in listed
    key = Keystores(settings.keystores_dir, _secret(), 1024).account(ORG).key.hex().removeprefix("0x")
    assert key not in created.stdout + created.stderr + listed


def test_keys_list_with_no_keystores_says_how_to_make_one(settings: Settings) -> None:
    assert "`procledger keys create ORG_ID` makes one" in _run(settings, "keys", "list").stderr


def test_keys_create_without_a_passphrase_names_the_variable(settings: Settings) -> None:
    error = _fails(settings, "keys", "create", ORG)
    assert error.startswith("error: PROCLEDGER_KEYSTORE_PASSPHRASE is not set")


def test_keys_create_refuses_a_malformed_organisation_id(settings: Settings) -> None:
    assert "is not an organisation id" in _fails(settings, "keys", "create", "0x12", **SECRET)


def test_keys_import_reads_the_key_from_stdin_and_never_echoes_it(settings: Settings) -> None:
    account = Account.create()
    result = _run(settings, "keys", "import", ORG, "--label", "supplier-a", stdin=account.key.hex() + "\n")
    assert account.address in result.stderr
    assert account.key.hex().removeprefix("0x") not in result.stdout + result.stderr
    assert _keystores(settings).find("supplier-a").address == account.address


def test_keys_import_reads_a_file_holding_the_hex_key(settings: Settings) -> None:
    account = Account.create()
    key_file = settings.data_dir.parent / "key.hex"
    key_file.write_text(account.key.hex())
    _run(settings, "keys", "import", ORG, str(key_file))
    assert _keystores(settings).find(ORG).address == account.address


def test_keys_import_of_a_file_that_is_not_a_key_says_so(settings: Settings) -> None:
    junk = settings.data_dir.parent / "junk.txt"
    junk.write_text("hello")
    assert _fails(settings, "keys", "import", ORG, str(junk), **SECRET) == (
        "error: that is not a private key: expected 32 bytes as hex (64 digits)"
    )


# tokens


def test_tokens_create_prints_the_token_once_and_list_and_revoke_never_show_it(settings: Settings) -> None:
    token = _run(settings, "tokens", "create", ORG, "--label", "treasury").stdout.strip()
    assert re.fullmatch(r"plt_[A-Za-z0-9_-]{43}", token)
    listed = _run(settings, "tokens", "list").stdout
    assert ORG in listed and "treasury" in listed and token not in listed and token[4:] not in listed
    assert "is revoked" in _run(settings, "tokens", "revoke", "1").stderr
    assert token not in _run(settings, "tokens", "list").stdout


def test_tokens_create_names_an_organisation_by_its_keystore_label(settings: Settings) -> None:
    _run(settings, "keys", "create", ORG, "--label", "finance")
    assert _run(settings, "tokens", "create", "finance").stdout.startswith("plt_")
    assert ORG in _run(settings, "tokens", "list").stdout


def test_tokens_revoke_of_an_unknown_id_says_where_the_ids_are(settings: Settings) -> None:
    assert _fails(settings, "tokens", "revoke", "42") == (
        "error: no token has id 42; `procledger tokens list` shows the ids"
    )


def test_tokens_create_for_an_unknown_label_says_how_to_find_one(settings: Settings) -> None:
    assert "no keystore for 'nobody'" in _fails(settings, "tokens", "create", "nobody")


# the demo


def test_seed_gives_each_demo_organisation_a_keystore_and_a_fresh_token(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    first = _run(settings, "seed", PROCLEDGER_KEYSTORE_PASSPHRASE="")
    labels = [entry.label for entry in _keystores(settings).entries()]
    assert labels == ["auditor", "finance", "purchaser", "relayer", "supplier-a", "supplier-b"]
    finance = _keystores(settings).find("finance")
    assert finance.org_id == "0x" + FINANCE.org_id.hex() and finance.address in first.stderr
    tokens = re.findall(r"plt_[A-Za-z0-9_-]{43}", first.stderr)
    assert len(tokens) == 5
    again = _run(settings, "seed", PROCLEDGER_KEYSTORE_PASSPHRASE="")
    assert set(re.findall(r"plt_[A-Za-z0-9_-]{43}", again.stderr)).isdisjoint(tokens)  # reissued, earlier revoked
    assert _run(settings, "tokens", "list").stdout.count("demo") == 10


# submit


def test_submit_takes_an_accepted_payment_to_the_chain_and_reports_the_outbox(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    configured = settings.model_copy(update={"keystore_passphrase": _secret(), "keystore_scrypt_n": 1024})
    ledger = open_ledger(configured, connect(configured.rpc_url))
    _accept_milestone(configured, ledger, MILESTONES[1])
    _run(settings, "index")
    token = _run(settings, "tokens", "create", "finance").stdout.strip()
    with TestClient(create_app(configured)) as api:
        payee = str(derive_account(configured, SUPPLIER_A.account_index).address)
        body = {"ocid": OCID, "payment_ref": "TV-CLI-1", "milestone_id": Q2, "amount": 100, "payee": payee,
                "voucher_sha256": VOUCHER}  # fmt: skip
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "cli-1"}
        assert api.post("/payments", json=body, headers=headers).status_code == 202
        assert "outbox: 1 confirmed" in _run(settings, "submit").stderr
        assert api.get("/writes/1", headers=headers).json()["state"] == "confirmed"


def test_submit_without_contracts_says_to_deploy_first(settings: Settings, anvil: AnvilProcess) -> None:
    assert _fails(settings, "submit") == f"error: nothing is deployed from {settings.data_dir}; run `procledger deploy`"


# pay


def test_pay_records_a_payment_once_from_the_terminal_with_the_bureaus_keystore(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    configured = settings.model_copy(update={"keystore_passphrase": _secret(), "keystore_scrypt_n": 1024})
    _accept_milestone(configured, open_ledger(configured, connect(configured.rpc_url)), MILESTONES[1])
    voucher = settings.data_dir.parent / "voucher.txt"
    voucher.write_text("Treasury voucher TV-CLI-2")
    payee = str(derive_account(configured, SUPPLIER_A.account_index).address)
    args = ["pay", OCID, "--milestone", Q2, "--amount", "100", "--voucher", str(voucher), "--ref", "TV-CLI-2",
            "--as", "finance", "--payee", payee]  # fmt: skip
    first = _run(settings, *args).stderr
    assert "write 1 queued" in first and "payment TV-CLI-2: confirmed in transaction 0x" in first
    again = _run(settings, *args).stderr  # the same command again: the same write, nothing paid twice
    assert "write 1 already accepted" in again and "payment TV-CLI-2: confirmed" in again
    ledger = open_ledger(configured, connect(configured.rpc_url))
    assert ledger.call("paymentRecorded", process_id_of(OCID), payment_id_of("TV-CLI-2")) is True


def test_pay_for_a_milestone_not_accepted_explains_the_contracts_refusal(
    settings: Settings,
    deployed: Deployment,  # noqa: F811
) -> None:
    _run(settings, "seed")
    voucher = settings.data_dir.parent / "voucher.txt"
    voucher.write_text("Treasury voucher TV-CLI-3")
    error = _fails(
        settings, "pay", OCID, "--milestone", Q2, "--amount", "100", "--voucher", str(voucher), "--ref", "TV-CLI-3",
        "--as", "finance", "--payee", "0x90F79bf6EB2c4f870365E785982E1f101E93b906", **SECRET,
    )  # fmt: skip
    assert error.startswith("error: recordPayment reverted: PaymentMilestoneNotAccepted(processId=0x")


def _secret() -> SecretStr:
    return SecretStr(SECRET["PROCLEDGER_KEYSTORE_PASSPHRASE"])
