"""One client's socket in a room and what is sent to it: `Connection`, and the error messages that refuse a
socket or end a connection.

A message is written at once, in the task that hands it over, while the client keeps up; a connection whose
socket pushes back (its transport paused) gets a writer task and an outbox (sockets.Outbox, as a model
stream has) until it has caught up: its ordered messages (hello, ask, reveal, errors: at most
OUTBOX_MESSAGES, beyond which the client is too slow: one last error says so and it is closed with 4408)
and one slot per kind of replaceable message (state, audience, answers) holding only the newest, so a slow
follower skips states and never delays the others.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import orjson
from starlette.websockets import WebSocket

from backprop_playground import sockets
from backprop_playground.rooms import protocol as p
from backprop_playground.sockets import Outbox, Resumed, send_now

NOTICE_EVERY_S = 10.0  # a client over its message rate is told so at most this often


def dumps(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()


def error(message: str) -> str:
    return dumps({"type": "error", "message": message})


def too_slow_error(limit: int) -> str:
    return error(f"the client reads too slowly: {limit} messages waited unsent; closing ({p.CLOSE_TOO_SLOW})")


class Connection:
    """One client's socket and what is sent to it.

    A message is written at once, in the caller's task, when nothing waits for this client (no writer task):
    the ASGI send runs its first step right there and, as long as the transport takes the bytes without
    pausing, completes in it, so a state reaches a room's connections in one pass of the event loop with no
    task woken per connection. A send that suspends (the transport paused: the client reads slowly) is
    finished by a writer task started then, and later messages wait in the outbox (ordered ones bounded,
    latest-wins slots) until that task has sent them; once it is empty, messages go out directly again."""

    def __init__(self, socket: WebSocket, presenter: bool, who: str | None = None) -> None:
        self.socket = socket
        self.presenter = presenter
        self.who = who or secrets.token_hex(8)  # whose answer this connection gives
        self.dropped = 0  # over-rate messages in a row
        self.noticed_at = -NOTICE_EVERY_S  # when the client was last told it is over its rate
        # what waits while the socket pushes back (and the final error)
        self.outbox: Outbox[str] = Outbox(p.OUTBOX_MESSAGES, too_slow_error)
        self.close_code = 1000
        self.sending_since: float | None = None  # when the writer's send under way started (the watchdog's)
        self.writer: asyncio.Task | None = None  # only under back-pressure
        self.reader: asyncio.Task | None = None
        self.done = False  # nothing more is sent: the final message went out, the client is gone or too slow
        self.failure: BaseException | None = None  # what a send raised
        if presenter:
            self.bucket = p.Bucket(p.PRESENTER_RATE, p.PRESENTER_BURST, time.monotonic())
        else:
            self.bucket = p.Bucket(p.FOLLOWER_RATE, p.FOLLOWER_BURST, time.monotonic())

    def put(self, text: str) -> None:
        """An ordered message: never skipped; beyond OUTBOX_MESSAGES waiting, one last error and 4408."""
        if self.done:
            return
        if self.writer is None:
            self._send_now(text)
        elif not self.outbox.put(text) and self.outbox.overflowed and self.close_code != p.CLOSE_TOO_SLOW:
            # Too slow: nothing more is read, and the writer has CLOSE_TIMEOUT_S for the last error.
            self.close_code = p.CLOSE_TOO_SLOW
            if self.reader is not None:
                self.reader.cancel()

    def latest(self, kind: str, text: str) -> None:
        """A replaceable message: under back-pressure only the newest of its `kind` waits."""
        if self.done:
            return
        if self.writer is None:
            self._send_now(text)
        else:
            self.outbox.latest(kind, text)

    def end(self, code: int, message: str) -> None:
        """Send `message` as an error (before anything still waiting), then close with `code`."""
        if self.done or not self.outbox.end(error(message)):
            return
        self.close_code = code
        if self.writer is None:
            self._send_now(self.outbox.final, last=True)

    def too_slow(self) -> None:
        """The client read nothing for send_timeout_s (the registry's watchdog)."""
        self.close_code = p.CLOSE_TOO_SLOW
        if self.writer is not None:
            self.writer.cancel()
        self._stop()

    def _send_now(self, text: str, last: bool = False) -> None:
        try:
            rest = send_now(self.socket, text)
        except Exception as exc:  # noqa: BLE001 - the client is gone (or a failure, logged by _run)
            self._failed(exc)
            return
        if rest is None:  # sent
            if last:
                self._stop()
            return
        self.sending_since = asyncio.get_running_loop().time()
        self.writer = asyncio.create_task(self._write(rest, last), name="room-writer")

    async def _write(self, sending: Resumed, last: bool) -> None:
        """Under back-pressure: finish the send under way, then send what waits, until nothing does."""
        loop = asyncio.get_running_loop()
        try:
            await sending
            self.sending_since = None
            while not last:
                text, last = self.outbox.take()
                if text is None:
                    break
                self.sending_since = loop.time()
                await self.socket.send({"type": "websocket.send", "text": text})
                self.sending_since = None
            if last:
                self._stop()
        except asyncio.CancelledError:
            self._stop()
            raise
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None

    def _failed(self, exc: BaseException) -> None:
        self.failure = exc
        self._stop()

    def _stop(self) -> None:
        self.done = True
        if self.reader is not None:
            self.reader.cancel()


async def refuse(socket: WebSocket, code: int, message: str) -> None:
    """An error message, then the close code (the connection was accepted so that it can be told why)."""
    await sockets.refuse(socket, code, error(message))
