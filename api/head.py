"""HEAD on every GET route: FastAPI registers only the methods a route names, so HEAD would be a 405.

Starlette's plain `Route` adds HEAD to GET routes, FastAPI's `APIRoute` does not, and naming HEAD on every route
of every router is easy to forget. This middleware answers a HEAD as the GET it stands for, headers included
(Content-Length too, as HTTP asks), and drops the body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ASKED_METHOD


class HeadAsGet:
    """ASGI middleware: run a HEAD request as a GET and send no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything but HEAD through untouched."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET", ASKED_METHOD: "HEAD"}, receive, send_headers_only)
