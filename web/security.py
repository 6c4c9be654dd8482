"""What every answer of the dashboard carries and checks: a Host allow-list, headers that keep a page from being
framed, sniffed or made to run a script it did not serve, and HEAD answered like GET without a body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
]


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


class Headers:
    """Adds HEADERS to every response; answers HEAD as GET with the body left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                known = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in HEADERS if name not in known]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b"", "more_body": False} if not message.get("more_body") else None  # type: ignore[assignment]
                if message is None:
                    return
            await send(message)

        await self.app(scope, receive, sending)


def secure(app: FastAPI, hosts: tuple[str, ...] | list[str]) -> FastAPI:
    """The app with the Host allow-list and the headers (outermost, so even a refused host gets them)."""
    allowed: list[Any] = list(hosts)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed)
    app.add_middleware(Headers)
    return app
