"""Request shapes of a supplier's writes: a relayed EIP-712 bid commitment, and a transaction it signed itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from api.schemas_writes import ADDRESS, HASH32

_COMMITMENT_EXAMPLE: JsonDict = {  # supplier A's bid on the demo's open tender, signed by its account
    "ocid": "ocds-pl0001-2026-0001",
    "bidder_org": "0xd2da0ba6a9958e225e171960f8f7b73dbbb108e0b095cccc40c726827bc25f5d",
    "signer": "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
    "commitment": "0x" + "5e" * 32,
    "nonce": 0,
    "deadline": 1798761600,
    "signature": "0x" + "1b" * 65,
}
_SIGNED_EXAMPLE: JsonDict = {  # supplier A's account reveals a bid (revealBid), nonce 7, on a dev chain
    "signed_transaction": "0x02f8f2827a6907843b9aca0084773594008301d4c0945fbdb2315678afecb367f032d93f642f64180aa380"
    "b8842921c0e21111111111111111111111111111111111111111111111111111111111111111000000000000000000000000000000000000"
    "000000000000000000000b2c4290222222222222222222222222222222222222222222222222222222222222222233333333333333333333"
    "33333333333333333333333333333333333333333333c080a0c879a796d19804ab9d5d65ac151cd6bcbc28f4305e705e96658753023dd4"
    "3d16a06e5b4fd028cdb9581d8d82be2b6535a1284c412248767b1c2010b7fc6bbe7198"
}


class BidCommitmentIn(BaseModel):
    """A sealed bid's commitment, signed by an account of the bidding organisation (EIP-712 `BidCommitment` in the
    ledger's domain); the gateway's relayer sends it with `commitBidFor`, and the contract checks the signature."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_COMMITMENT_EXAMPLE]})

    ocid: str = Field(min_length=1, max_length=200, description="the process in its tender stage")
    bidder_org: str = Field(pattern=HASH32, description="your organisation's on-chain id (that of the token)")
    signer: str = Field(pattern=ADDRESS, description="the account of your organisation that signed")
    commitment: str = Field(
        pattern=HASH32,
        description="keccak256(abi.encode(processId, bidderOrg, amount, bidDocHash, salt)); keep the salt secret "
        "until the reveal",
    )
    nonce: int = Field(ge=0, lt=2**64, description="the bid's current nonce (`bidNonce` on the ledger)")
    deadline: int = Field(ge=0, lt=2**256, description="unix time after which the signature is void")
    signature: str = Field(
        pattern=r"^0x([0-9a-fA-F]{2}){1,1024}$", description="the EIP-712 signature (65 bytes from a key)"
    )

    @field_validator("bidder_org", "signer", "commitment", "signature")
    @classmethod
    def _lower_hex(cls, value: str) -> str:
        return value.lower()  # one spelling, so a resent body hashes the same


class SignedTransactionIn(BaseModel):
    """A transaction the supplier signed itself with its own account's key, relayed unchanged: an EIP-1559 (type 2)
    call of the endpoint's ledger function, on this chain, at the account's next nonce, with gas it can pay for."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_SIGNED_EXAMPLE]})

    signed_transaction: str = Field(
        pattern=r"^0x02([0-9a-fA-F]{2}){60,4096}$", description="the raw signed transaction, 0x-hex"
    )

    @field_validator("signed_transaction")
    @classmethod
    def _lower_hex(cls, value: str) -> str:
        return value.lower()
