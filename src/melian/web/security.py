"""Request guards of the web app: host and origin checks, body-size limit, safe file paths.

The app binds to loopback and has no accounts, so the threats it must stop come through the
user's own browser: another web site posting to ``http://127.0.0.1:8000`` (cross-site request
forgery), a DNS name rebound to 127.0.0.1 (DNS rebinding), oversize uploads, and ``..`` in file
paths. :class:`GuardMiddleware` (pure ASGI) refuses

* requests whose ``Host`` is not an allowed host name (400);
* state-changing requests (POST, PUT, PATCH, DELETE) whose ``Origin`` is present and is not the
  app's own origin, or that a browser marks ``Sec-Fetch-Site: cross-site`` (403);
* bodies larger than the limit, by ``Content-Length`` or by counting streamed bytes (413);

and adds security headers (a strict Content-Security-Policy: no inline script, no network other
than the app itself) to every response that does not set its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Largest request body accepted by default (bytes): a scenario file plus form overhead.
MAX_BODY_BYTES = 6 * 1024 * 1024

#: Content-Security-Policy of the app's own pages.
APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: Content-Security-Policy of served brief files: sandboxed, no script, no network.
BRIEF_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; frame-ancestors 'self'"
)

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _host_name(host_header: str) -> str:
    """The host name of a ``Host`` header (without port; IPv6 brackets removed)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class GuardMiddleware:
    """Host/Origin checks, request-body limit and security headers (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: tuple[str, ...] | list[str] = LOOPBACK_HOSTS,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts}
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check one request and pass it on (or answer it with an error)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if "*" not in self.allowed_hosts and _host_name(host) not in self.allowed_hosts:
            await _error(send, 400, "request refused: unexpected Host header (DNS rebinding guard)")
            return
        method = scope["method"].upper()
        if method in _UNSAFE_METHODS:
            origin = headers.get("origin")
            scheme = scope.get("scheme", "http")
            if origin is not None and origin.rstrip("/").lower() != f"{scheme}://{host}".lower():
                await _error(
                    send, 403, "request refused: cross-origin request to a state-changing endpoint"
                )
                return
            if headers.get("sec-fetch-site") == "cross-site":
                await _error(
                    send, 403, "request refused: cross-site request to a state-changing endpoint"
                )
                return
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await _error(send, 400, "bad Content-Length header")
                return
            if int(length) > self.max_body:
                await _error(
                    send,
                    413,
                    f"request body of {int(length):,} bytes exceeds the "
                    f"limit of {self.max_body:,} bytes",
                )
                return
        if method in _UNSAFE_METHODS or length is not None:
            # read the whole (bounded) body first, then replay it to the app
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                body = msg.get("body", b"")
                size += len(body)
                if size > self.max_body:
                    await _error(
                        send, 413, f"request body exceeds the limit of {self.max_body:,} bytes"
                    )
                    return
                chunks.append(body)
                more = msg.get("more_body", False)
            replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

            async def receive_replay() -> Message:
                if replay:
                    return replay.pop()
                return await receive()

            receive = receive_replay

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                raw = list(msg.get("headers", []))
                present = {k.lower() for k, _ in raw}
                for k, v in (
                    (b"content-security-policy", APP_CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                ):
                    if k not in present:
                        raw.append((k, v))
                msg["headers"] = raw
            await send(msg)

        await self.app(scope, receive, send_with_headers)


async def _error(send: Send, status: int, message: str) -> None:
    """Answer with a JSON error body ``{"error": message, "problems": []}``."""
    body = json.dumps({"error": message, "problems": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", APP_CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")


def safe_join(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it names a regular file inside ``root``, else None.

    Refuses absolute paths, backslashes, NUL, empty or dot-leading components (so ``..`` and
    hidden files), and anything whose resolved path (following symlinks) leaves ``root``.
    """
    if not relative or len(relative) > 1024 or "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(not _SAFE_PART.match(p) for p in parts):
        return None
    try:
        base = root.resolve(strict=True)
        target = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target
