"""Turn revert data into the contract's custom error, by name and arguments, instead of a hex blob."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from ledger.errors import ContractRevertError

# Solidity's built-in error shapes: Error(string) from require/revert strings, Panic(uint256) from asserts.
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


def _canonical_type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(component) for component in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


class RevertDecoder:
    """Knows every custom error in a set of ABIs, keyed by 4-byte selector, and the functions, to name them."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        self._functions: dict[bytes, tuple[str, list[str]]] = {}
        for abi in abis:
            for entry in abi:
                if entry.get("type") not in ("error", "function"):
                    continue
                types = [_canonical_type(param) for param in entry["inputs"]]
                names = [param["name"] or f"arg{i}" for i, param in enumerate(entry["inputs"])]
                selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
                if entry["type"] == "error":
                    self._errors[selector] = (entry["name"], names, types)
                else:
                    self._functions[selector] = (entry["name"], names)

    def decode(self, data: bytes, function: str = "") -> ContractRevertError:
        """The error `data` encodes; unknown selectors are named by their hex so nothing is hidden."""
        selector, payload = data[:4], data[4:]
        try:
            if selector == _ERROR_STRING:
                return ContractRevertError("Error", {"message": abi_decode(["string"], payload)[0]}, function)
            if selector == _PANIC:
                return ContractRevertError("Panic", {"code": hex(abi_decode(["uint256"], payload)[0])}, function)
            if selector in self._errors:
                name, names, types = self._errors[selector]
                values = [
                    to_checksum_address(value) if kind == "address" else value
                    for kind, value in zip(types, abi_decode(types, payload), strict=True)
                ]
                return ContractRevertError(name, self._named(dict(zip(names, values, strict=True))), function)
        except DecodingError:
            pass  # falls through to the undecoded form below, which still shows the raw bytes
        if not data:
            return ContractRevertError("EmptyRevert", {}, function)
        return ContractRevertError(f"UnknownError_0x{selector.hex()}", {"data": "0x" + payload.hex()}, function)

    def _named(self, args: dict[str, Any]) -> dict[str, Any]:
        """DocumentHashMissing(action, argument) names a function by selector and a parameter by position: add
        their names, so the refusal reads `createProcess`'s `docHash` instead of two numbers."""
        action, position = args.get("action"), args.get("argument")
        if isinstance(action, bytes) and isinstance(position, int) and action in self._functions:
            function, parameters = self._functions[action]
            named = {"function": function}
            if position < len(parameters):
                named["parameter"] = parameters[position]
            return {**args, **named}
        return args


def revert_json(error: ContractRevertError) -> dict[str, Any]:
    """A decoded refusal as JSON: {"name", "args"}, args as plain_abi_value."""
    return {"name": error.error_name, "args": {key: plain_abi_value(value) for key, value in error.error_args.items()}}


def plain_abi_value(value: Any) -> Any:
    """A decoded ABI value as JSON: bytes as 0x-hex, tuples as lists, big integers kept exact as text."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [plain_abi_value(item) for item in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 else str(value)  # beyond 2**53 a JavaScript client rounds
    return str(value)
