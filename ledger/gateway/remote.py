"""A client of a remote write gateway, for the CLI's `--gateway URL --token …` mode: post a write with an
Idempotency-Key, then follow it with GET /writes/{id} until it is confirmed or failed.

Every answer the gateway documents becomes the ledger's own error, so a remote refusal reads like a local one:
401 → AuthenticationError, 403 → RoleRequiredError, 409 → ContractRevertError (decoded) or
IdempotencyConflictError, 429 → waited out (Retry-After) and sent again (a POST with the same key, which is
safe; a GET while following the write).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from ledger.errors import (
    AuthenticationError,
    ContractRevertError,
    GatewayUnavailableError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotFoundError,
    RoleRequiredError,
    WriteNotSettledError,
)

SETTLED = ("confirmed", "failed")
_ADVICE = {
    401: "; check --token or PROCLEDGER_GATEWAY_TOKEN: it must be a token this gateway's operator issued for your "
    "organisation (`procledger tokens create ORG` on the gateway)",
    403: "; use a token of an organisation that may do this",
}
RATE_LIMIT_RETRIES = 3


class RemoteGateway:
    """The write endpoints of a gateway at `url`, called with an organisation's API token."""

    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
        )

    def __enter__(self) -> RemoteGateway:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def post_write(self, path: str, body: Mapping[str, Any], key: str, function: str) -> tuple[dict[str, Any], bool]:
        """Post a write; returns the write and whether it is new (202) or the one first sent under `key` (200).
        `function` names the ledger function in a decoded refusal."""
        return self._post(path, key, function, lambda: {"json": dict(body)})

    def post_file(
        self, path: str, file: Path, media_type: str, fields: Mapping[str, str], key: str, function: str
    ) -> tuple[dict[str, Any], bool]:
        """Upload `file` as the multipart part `file`, beside the text `fields`; answers like post_write."""
        with file.open("rb") as content:  # read again from the start if a 429 makes it send twice
            return self._post(
                path, key, function,
                lambda: {"data": dict(fields), "files": {"file": (file.name, _rewound(content), media_type)}},
            )  # fmt: skip

    def _post(
        self, path: str, key: str, function: str, content: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        response = self._unlimited("POST", path, lambda: {"headers": {"Idempotency-Key": key}, **content()})
        if response.status_code in (200, 202):
            return dict(response.json()), response.status_code == 202
        raise self._refusal(response, function)

    def withdraw(self, sha256: str, reason: str) -> dict[str, Any]:
        """Withdraw the content of a document the token's organisation added; the document's record as it is now."""
        response = self._unlimited("DELETE", f"/documents/{sha256}", lambda: {"json": {"reason": reason}})
        if response.status_code != 200:
            raise self._refusal(response, "")
        return dict(response.json())

    def write(self, write_id: int) -> dict[str, Any]:
        """The write `write_id` as the gateway sees it now."""
        response = self._unlimited("GET", f"/writes/{write_id}", dict)
        if response.status_code != 200:
            raise self._refusal(response, "")
        return dict(response.json())

    def wait(
        self, write_id: int, timeout: float, poll_interval: float, on_state: Callable[[str], None] | None = None
    ) -> dict[str, Any]:
        """Poll the write until it is confirmed or failed; still on its way after `timeout` s raises
        WriteNotSettledError. `on_state` hears each state seen (for a progress line)."""
        deadline = time.monotonic() + timeout
        while True:
            write = self.write(write_id)
            if on_state is not None:
                on_state(str(write["state"]))
            if write["state"] in SETTLED:
                return write
            if time.monotonic() > deadline:
                raise WriteNotSettledError(
                    f"write {write_id} is still {write['state']} after {timeout:.0f} s at {self.url}; run the same "
                    "command again to keep following it (the same Idempotency-Key returns the same write)"
                )
            time.sleep(poll_interval)

    def _unlimited(self, method: str, path: str, options: Callable[[], dict[str, Any]]) -> httpx.Response:
        """The gateway's answer other than 429: a rate-limited request waits out Retry-After and is sent again,
        which is safe for a GET and for a POST under the same Idempotency-Key."""
        for _ in range(RATE_LIMIT_RETRIES):
            response = self._send(method, path, **options())
            if response.status_code != 429:
                return response
            time.sleep(int(response.headers.get("Retry-After", "1")))
        raise GatewayUnavailableError(
            f"{self.url} kept answering 429 (rate limited, PROCLEDGER_WRITE_RATE); run the same command again later: "
            "the same Idempotency-Key returns the same write"
        )

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **options)
        except httpx.HTTPError as error:
            raise GatewayUnavailableError(
                f"cannot reach the write gateway at {self.url} ({type(error).__name__}: {error}); check the URL "
                "(--gateway or PROCLEDGER_GATEWAY_URL) and that its server runs"
            ) from None

    def _refusal(self, response: httpx.Response, function: str) -> Exception:
        """The ledger error matching a gateway's refusal."""
        try:
            answer = response.json()
            code, message = str(answer["error"]), str(answer["message"])
        except (ValueError, KeyError, TypeError):
            return GatewayUnavailableError(
                f"{self.url} answered {response.status_code} without the gateway's error shape; is it a procledger "
                "gateway? check the URL (--gateway or PROCLEDGER_GATEWAY_URL)"
            )
        if code == "contract_revert" and isinstance(answer.get("revert"), dict):
            return ContractRevertError(answer["revert"]["name"], answer["revert"]["args"], function)
        errors: dict[int, Callable[[str], Exception]] = {
            401: AuthenticationError, 403: RoleRequiredError, 404: NotFoundError, 409: IdempotencyConflictError,
            410: NotFoundError, 422: InvalidRequestError,
        }  # fmt: skip
        advice = _ADVICE.get(response.status_code, "")
        return errors.get(response.status_code, GatewayUnavailableError)(f"the gateway says: {message}{advice}")


def _rewound(content: BinaryIO) -> BinaryIO:
    content.seek(0)
    return content
