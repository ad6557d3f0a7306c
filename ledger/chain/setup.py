"""Bring a chain to a usable state: contracts compiled, deployed once, and the deployment recorded."""

from __future__ import annotations

from web3 import Web3

from ledger.chain.accounts import deployer_account
from ledger.chain.artifacts import load_artifact
from ledger.chain.compile import artifacts_are_current, compile_project
from ledger.chain.deployment import LEDGER, Deployment
from ledger.chain.ledger_contract import LedgerContract
from ledger.errors import NotDeployedError
from ledger.settings import Settings


def ensure_built(settings: Settings, force: bool = False) -> bool:
    """Compile when the artifacts are missing or stale; returns whether it compiled."""
    if not force and artifacts_are_current(settings.project_dir, settings.artifacts_dir):
        return False
    compile_project(settings.project_dir, settings.artifacts_dir)
    return True


def ensure_deployed(settings: Settings, w3: Web3) -> tuple[Deployment, bool]:
    """The recorded deployment if it is live on this chain, else a fresh one; returns it and whether it is new."""
    recorded = Deployment.load(settings.deployment_file)
    if recorded is not None and recorded.is_live_on(w3):
        return recorded, False
    deployment = deploy(settings, w3)
    return deployment, True


def deploy(settings: Settings, w3: Web3) -> Deployment:
    """Deploy the contracts and record where they went."""
    artifact = load_artifact(settings.artifacts_dir, LEDGER)
    admin = deployer_account(settings)
    deployment = LedgerContract.deploy(w3, artifact, admin, settings.admin_delay, settings.tx_timeout)
    deployment.save(settings.deployment_file)
    return deployment


def live_deployment(settings: Settings, w3: Web3) -> Deployment:
    """The recorded deployment, checked against the chain; says what to run when there is none."""
    recorded = Deployment.load(settings.deployment_file)
    if recorded is None:
        raise NotDeployedError(f"nothing is deployed from {settings.data_dir}; run `procledger deploy`")
    if not recorded.is_live_on(w3):
        raise NotDeployedError(
            f"the contracts in {settings.deployment_file} are not on the chain at {settings.rpc_url} "
            "(a different or reset chain); run `procledger deploy` to deploy them there"
        )
    return recorded


def open_ledger(settings: Settings, w3: Web3) -> LedgerContract:
    """The deployed ledger contract on this chain."""
    deployment = live_deployment(settings, w3)
    artifact = load_artifact(settings.artifacts_dir, LEDGER)
    return LedgerContract(w3, artifact, deployment.address_of(LEDGER), settings.tx_timeout)
