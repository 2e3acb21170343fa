"""Request-size guard: bodies larger than `max_body_bytes` are refused with 413 naming the limit."""

from __future__ import annotations

import json

from fastapi import HTTPException


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"request body exceeds max_body_bytes ({limit} bytes)")


class BodyLimit:
    """Pure ASGI middleware: refuse by Content-Length at once, or count a streamed body while it arrives."""

    def __init__(self, app, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._refuse(send)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the app while it reads the body; its HTTPException handler answers 413.
                    raise too_large(self.limit)
            return message

        await self.app(scope, counted_receive, send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": too_large(self.limit).detail}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
