"""A cap on JSON request bodies, applied before anything reads them.

FastAPI reads and parses a JSON body before it runs any dependency, the token check included, and sets no limit
of its own: anyone could make the API hold gigabytes. The largest write body (a contract with its milestone
schedule, a signed transaction of 4 KiB) is a few kilobytes; files go through multipart uploads (api.uploads),
which keep their own limit and are not touched here.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_BODY_LIMIT = 1024 * 1024
"""The most bytes a JSON request body may have."""


class JsonBodyLimit:
    """Answer 413 to a JSON body past `limit` bytes: at once when its Content-Length says so, else when the bytes
    received pass it (the body is held until then, at most `limit` bytes)."""

    def __init__(self, app: ASGIApp, limit: int = JSON_BODY_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        if content_type and "json" not in content_type:  # uploads and forms are limited where they are read; a
            # body without a Content-Type is parsed as JSON by FastAPI, so it is capped here too
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > self.limit:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = (
            f"a JSON request body may have at most {self.limit} bytes; write bodies are a few kilobytes, and files "
            "go through POST /documents as multipart uploads"
        )
        response = JSONResponse({"error": "upload_too_large", "message": message}, status_code=413)
        await response(scope, receive, send)
