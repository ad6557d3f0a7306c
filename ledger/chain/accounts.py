"""Signing accounts: derived from the configured mnemonic, or a deployer key given outright."""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.settings import Settings

Account.enable_unaudited_hdwallet_features()

# Which HD index plays which part on a dev chain. A real network gives each organisation its own key.
ADMIN_INDEX = 0
PURCHASER_INDEX = 1


def derive_account(settings: Settings, index: int) -> LocalAccount:
    """The account at BIP-44 path m/44'/60'/0'/0/`index` of the configured mnemonic."""
    account: LocalAccount = Account.from_mnemonic(
        settings.mnemonic.get_secret_value(), account_path=f"m/44'/60'/0'/0/{index}"
    )
    return account


def deployer_account(settings: Settings) -> LocalAccount:
    """The account that deploys the contracts and administers roles."""
    if settings.deployer_key is not None:
        key: LocalAccount = Account.from_key(settings.deployer_key.get_secret_value())
        return key
    return derive_account(settings, ADMIN_INDEX)
