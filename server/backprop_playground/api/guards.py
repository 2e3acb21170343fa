"""Request guards: bodies larger than `max_body_bytes` are refused with 413 naming the limit (BodyLimit), and
JSON bodies nested too deeply or holding an integer too long to read with 422 naming theirs (JsonBody)."""

from __future__ import annotations

import asyncio
import json

from fastapi import HTTPException

from backprop_playground.nets.inputs import check_json

THREAD_ABOVE_BYTES = 64 * 1024  # larger bodies are checked in a thread, off the event loop


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
        await answer(send, 413, too_large(self.limit).detail)


async def answer(send, status: int, detail: str) -> None:
    """Send `{"detail": detail}` with `status` (from a middleware, outside the app's exception handlers)."""
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _is_json(scope) -> bool:
    """Whether the app parses this request's body as JSON (FastAPI's rule: application/json or +json)."""
    kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
    return kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))


class JsonBody:
    """Pure ASGI middleware: a JSON body nested deeper than nets.inputs.JSON_DEPTH levels, or holding an
    integer too long to read, is refused with 422 naming the limit before the app reads it. The app's parser
    (the standard library's, through FastAPI) would otherwise recurse until the interpreter's stack ran out,
    at a depth that depends on the stack. Installed inside BodyLimit, so the body it holds is bounded."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not _is_json(scope):
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []
        more = True
        try:
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client left before sending its body
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
        except HTTPException as exc:  # BodyLimit counting a body without Content-Length
            return await answer(send, exc.status_code, exc.detail)
        body = b"".join(chunks)
        try:
            if len(body) > THREAD_ABOVE_BYTES:
                await asyncio.to_thread(check_json, body, "request body")
            elif body:
                check_json(body, "request body")
        except ValueError as exc:
            return await answer(send, 422, str(exc))
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # what follows the body: a disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
