"""Every setting of the ledger, read once from the environment (prefix ``PROCLEDGER_``) and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.errors import ConfigurationError

# The well-known development mnemonic of anvil and hardhat: its keys are public, so it is only ever a default
# for local dev chains. A real network needs PROCLEDGER_MNEMONIC or PROCLEDGER_DEPLOYER_KEY.
DEV_MNEMONIC = "test test test test test test test test test test test junk"

# The repository this package lives in: contracts/, node_modules/ and ape-config.yaml sit here.
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


DEFAULT_BATCH_SIZE = 400
"""Writes of one signing account per multicall: on 2 cores, 100 gave 520 confirmed writes/s, 200 gave 1,923 and 400
gave 2,341 (scripts/bench/writes.py at N = 20,000, 2026-11-28). On a shared public chain, lower it so a batch fits
a block easily."""


class Settings(BaseSettings):
    """Effective configuration; build it once at the entry point and hand it to what needs it."""

    model_config = SettingsConfigDict(env_prefix="PROCLEDGER_", extra="ignore", validate_default=True)

    project_dir: Path = Field(default=_PACKAGE_ROOT, description="repository with contracts/ and node_modules/")
    data_dir: Path = Field(default=Path(".procledger"), description="chain state, database and deployment")
    chain_port: int = Field(default=8545, ge=1, le=65535, description="port of the embedded anvil chain")
    rpc_url: str = Field(default="", description="JSON-RPC endpoint; empty means the embedded chain")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in the data dir")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_workers: int = Field(
        default=1, ge=1, le=64, description="API server processes for `procledger serve`; one per core at scale"
    )
    api_threads: int = Field(
        default=1, ge=1, le=256, description="requests each API process handles at once; more for a distant PostgreSQL"
    )
    api_cache_bytes: int = Field(
        default=64 * 2**20,
        ge=0,
        description="bytes of rendered timelines each API process keeps while the mirror is unchanged; 0 keeps none",
    )
    confirmations: int = Field(default=0, ge=0, description="blocks behind the head the indexer stays")
    index_batch_blocks: int = Field(default=2_000, ge=1, description="largest eth_getLogs block range")
    finality_depth: int = Field(
        default=0, ge=0, description="blocks below the indexed head before a change is final in the change feed"
    )
    max_reorg_depth: int = Field(default=64, ge=0, description="deepest reorg the indexer rolls back by itself")
    index_worker: Literal["auto", "always", "never"] = Field(
        default="auto", description="fetch and decode in a second process: on long catch-ups, always, or never"
    )
    poll_interval: float = Field(default=1.0, gt=0, description="seconds between polls in follow mode")
    tx_timeout: float = Field(default=30.0, gt=0, description="seconds to wait for a transaction receipt")
    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE,
        ge=1,
        le=1_000,
        description="most queued writes of one organisation the gateway sends in one multicall",
    )
    mnemonic: SecretStr = SecretStr(DEV_MNEMONIC)
    deployer_key: SecretStr | None = Field(default=None, description="hex private key; overrides the mnemonic")
    max_upload_bytes: int = Field(
        default=25 * 2**20, ge=1, description="largest file the API accepts to store or check against the chain"
    )
    anchor_batch_size: int = Field(
        default=100, ge=1, le=2**20, description="documents per anchored Merkle root: a batch closes at this many"
    )
    anchor_interval: float = Field(
        default=30.0, gt=0, description="seconds a batch of documents waits for more before it is anchored"
    )
    keystore_passphrase: SecretStr | None = Field(
        default=None, description="unlocks the organisations' keystores; required to create, import or sign"
    )
    keystore_scrypt_n: int = Field(
        default=2**18, ge=2**10, description="scrypt work factor of new keystores (eth-account's default, ~2 s)"
    )
    write_rate: str = Field(default="60/minute", description="API requests allowed per token, e.g. 60/minute")
    gateway_url: str = Field(
        default="", description="a remote write gateway's base URL for `pay`, `accept`…; empty writes locally"
    )
    gateway_token: SecretStr | None = Field(default=None, description="your organisation's token for gateway_url")
    ocds_publisher_id: str = Field(
        default="PROCLEDGER-OCDS-PUBLISHER",
        min_length=1,
        max_length=64,
        description="registry id of the organisation that anchors imported OCDS releases (its on-chain id is "
        "keccak256 of it), e.g. the portal's unified social credit code",
    )
    admin_delay: int = Field(
        default=2 * 86_400,
        ge=1,
        le=30 * 86_400,
        description="seconds a new ledger admin waits before accepting the role (set at deployment)",
    )

    ocds_ocid_prefix: str = Field(
        default="",
        max_length=64,
        pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])?$",
        description="OCDS publisher prefix (e.g. ocds-213czf) put before chain ocids that lack it; empty: as on chain",
    )
    ocds_extension_url: str = Field(
        default="",
        description="URL of the chain-evidence OCDS extension's extension.json; empty: this API's /ocds/extensions",
    )

    @field_validator("keystore_passphrase", "gateway_token")
    @classmethod
    def _empty_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("write_rate")
    @classmethod
    def _rate_parses(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate: write it as N/second, N/minute or N/hour") from None
        return value

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        self.project_dir = self.project_dir.expanduser().resolve()
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.rpc_url:
            self.rpc_url = f"http://127.0.0.1:{self.chain_port}"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'ledger.sqlite3'}"
        if not self.ocds_extension_url:
            self.ocds_extension_url = f"http://{self.api_host}:{self.api_port}/ocds/extensions/chain/extension.json"
        return self

    @property
    def chain_state_file(self) -> Path:
        """Anvil's state dump, rewritten every second, so a restart keeps the whole history."""
        return self.data_dir / "chain" / "state.json"

    @property
    def deployment_file(self) -> Path:
        """Addresses and deployment blocks of the contracts on the configured chain."""
        return self.data_dir / "deployment.json"

    @property
    def documents_dir(self) -> Path:
        """The content-addressed document store: files named by their SHA-256."""
        return self.data_dir / "documents"

    @property
    def keystores_dir(self) -> Path:
        """The organisations' encrypted signing keys, one keystore v3 JSON file each."""
        return self.data_dir / "keystores"

    @property
    def artifacts_dir(self) -> Path:
        """Compiled ABI and bytecode, one JSON file per contract."""
        return self.project_dir / "build" / "contracts"

    @property
    def uses_embedded_chain(self) -> bool:
        """Whether the RPC URL points at the anvil this project starts itself."""
        return self.rpc_url.rstrip("/") == f"http://127.0.0.1:{self.chain_port}"

    def masked(self) -> dict[str, Any]:
        """The settings as plain values, with secrets and database passwords masked, for display."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif name == "database_url":
                value = _mask_url_password(value)
            shown[name] = str(value) if isinstance(value, Path) else value
        return shown


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as it is; it holds no recognisable password
        return url


def settings_from_environment() -> Settings:
    """The settings from the environment; a bad value names its variable instead of a pydantic traceback."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"PROCLEDGER_{'_'.join(map(str, problem['loc'])).upper()}: {problem['msg']}" for problem in exc.errors()
        )
        raise ConfigurationError(f"{problems}; fix the environment variable (see `procledger config`)") from exc
