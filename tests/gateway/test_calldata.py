"""The gateway's fast calldata is byte for byte web3's, word by word or through eth_abi, and refuses what web3
would refuse."""

from __future__ import annotations

import pytest
from web3 import Web3

from ledger.chain.artifacts import load_artifact
from ledger.chain.deployment import LEDGER
from ledger.gateway.calldata import CalldataEncoder
from ledger.settings import Settings
from tests.helpers import PROJECT_DIR

PAYEE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"


@pytest.fixture(scope="module")
def contract(built: None) -> object:
    artifact = load_artifact(Settings(project_dir=PROJECT_DIR).artifacts_dir, LEDGER)
    return Web3().eth.contract(address="0x" + "11" * 20, abi=artifact.abi)


@pytest.mark.parametrize(
    ("function", "arguments"),
    [
        ("recordPayment", [b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, 10_500_000, PAYEE, b"\x04" * 32]),
        ("recordMilestone", [b"\x05" * 32, b"\x06" * 32, 1, b"\x07" * 32]),
        ("createProcess", ["ocds-pl0001-2026-0099", b"\x08" * 32, 1, b"\x09" * 32, bytes(32)]),
        ("multicall", [[b"\x01\x02\x03", b"", b"\xff" * 70]]),
    ],
)
def test_fast_calldata_equals_web3s(contract: object, function: str, arguments: list[object]) -> None:
    encoder = CalldataEncoder(contract)  # type: ignore[arg-type]
    expected = contract.encode_abi(function, args=arguments)  # type: ignore[attr-defined]
    assert "0x" + encoder.encode(function, arguments).hex() == expected
    other = [b"\xaa" * 32 if isinstance(value, bytes) and len(value) == 32 else value for value in arguments]
    assert "0x" + encoder.encode(function, other).hex() == contract.encode_abi(function, args=other)  # type: ignore[attr-defined]


def test_values_that_do_not_fit_their_type_are_refused(contract: object) -> None:
    encoder = CalldataEncoder(contract)  # type: ignore[arg-type]
    good = [b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, 1, PAYEE, b"\x04" * 32]
    encoder.encode("recordPayment", good)
    for index, bad in ((3, 2**96), (3, -1), (0, b"\x01" * 31), (4, "0x1234")):
        with pytest.raises(ValueError):
            encoder.encode("recordPayment", [*good[:index], bad, *good[index + 1 :]])
