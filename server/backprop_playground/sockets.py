"""What a model stream (stream.py) and a room's connection (rooms/connection.py) share about their WebSocket:
the receive loop, the outbox, a send whose first step runs in the caller, and refusing or closing a socket.

- `texts(socket)`: each message's text as it arrives (None for a binary one) until the client leaves. What
  a text means, and whether a bad one is answered (a stream) or ends the connection (a room), is the
  caller's.
- `Outbox`: what waits for a client that reads slower than it is sent to. Ordered messages, never dropped:
  at most `limit` wait, beyond which the client is too slow and what waits gives way to one last message
  saying so (`overflowed`; the connection then closes with 4408, CLOSE_TOO_SLOW). One latest-wins slot per
  replaceable kind (a stream's trace frame; a room's state, audience and answers), so a slow client gets
  fewer, newer ones. A `final` message, which goes before anything waiting (why the connection ends
  matters more than what it would have shown) and after which nothing more is queued or sent.
- `send_now(socket, text)`: runs a send's first step right here. While the transport takes the bytes at
  once (nearly always) the send completes with no task and no timer; one that suspended (the client reads
  slowly) comes back as `Resumed`, for a task to await the rest of the way.
- `refuse(socket, code, text)` and `close(socket, code)`: the closing handshake, never waiting long for a
  client that does not read.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

from starlette.websockets import WebSocketDisconnect, WebSocketState

CLOSE_TOO_SLOW = 4408  # the client reads too slowly: it read nothing for a while, or `limit` messages wait
CLOSE_TIMEOUT_S = 1.0  # how long a closing handshake may wait for a client that does not read

T = TypeVar("T")


async def texts(socket) -> AsyncIterator[str | None]:
    """Each message's text (None for a binary message) until the client leaves. Between two messages that
    were already buffered, other tasks run, so one client's burst does not hold the event loop."""
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            return
        yield message.get("text")
        await asyncio.sleep(0)


class Outbox(Generic[T]):
    """Ordered messages (at most `limit` waiting), one latest-wins slot per kind, and a `final` message
    that goes first and last. `take()` gives the next (message, last) at once, `get()` waits for one."""

    def __init__(self, limit: int, too_slow: Callable[[int], T]) -> None:
        self.limit = limit
        self.too_slow = too_slow  # the last message when `limit` waited: given the limit
        self.queue: deque[T] = deque()
        self.slots: dict[str, T] = {}
        self.final: T | None = None
        self.overflowed = False
        self._ready = asyncio.Event()

    def put(self, item: T) -> bool:
        """Queue an ordered message. False when it is not queued: a final message waits, or this one was
        one too many (the outbox then holds only the final message saying so)."""
        if self.final is not None:
            return False
        if len(self.queue) >= self.limit:
            self.overflowed = True
            self.clear()
            self.end(self.too_slow(self.limit))
            return False
        self.queue.append(item)
        self._ready.set()
        return True

    def latest(self, kind: str, item: T) -> T | None:
        """Put `item` in its kind's slot; returns the message it replaced (unsent), if any. A kind keeps its
        place among the slots."""
        if self.final is not None:
            return None
        replaced = self.slots.get(kind)
        self.slots[kind] = item
        self._ready.set()
        return replaced

    def end(self, item: T) -> bool:
        """The final message; False (and nothing changes) if there already is one."""
        if self.final is not None:
            return False
        self.final = item
        self._ready.set()
        return True

    def clear(self) -> None:
        """Let go of every ordered and replaceable message waiting."""
        self.queue.clear()
        self.slots.clear()

    def take(self) -> tuple[T | None, bool]:
        """(message, last): the final message first, then the ordered ones, then the slots in their order;
        (None, False) when nothing waits. The final message stays (it is `last` every time)."""
        if self.final is not None:
            return self.final, True
        if self.queue:
            return self.queue.popleft(), False
        if self.slots:
            kind = next(iter(self.slots))
            return self.slots.pop(kind), False
        return None, False

    async def get(self) -> tuple[T, bool]:
        """The next (message, last), waiting until there is one."""
        while True:
            item, last = self.take()
            if item is not None:
                return item, last
            self._ready.clear()
            await self._ready.wait()


def send_now(socket, text: str) -> Resumed | None:
    """Run the send of `text` up to its first suspension, here: None when it completed (the transport took
    the bytes), else the rest of it, for a task to await. A failure to send raises here."""
    sending = socket.send({"type": "websocket.send", "text": text})
    try:
        pending = sending.send(None)
    except StopIteration:
        return None
    return Resumed(sending, pending)


class Resumed:
    """The rest of a coroutine whose first step already ran (and suspended), for a task to await: what the
    task sends or throws into it is passed on, as `yield from` does for a coroutine not started yet."""

    __slots__ = ("coro", "pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        self.coro, self.pending = coro, pending

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, pending = self.coro, self.pending
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - a cancellation, passed on like any other
                try:
                    pending = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def refuse(socket, code: int, text: str) -> None:
    """Send `text` (an error saying why), then close with `code`: a connection accepted so that it can be
    told why it is refused."""
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await socket.send({"type": "websocket.send", "text": text})
    except (TimeoutError, WebSocketDisconnect, RuntimeError):
        return
    await close(socket, code)


async def close(socket, code: int) -> None:
    """Close with `code`, unless the client is gone; a client that reads nothing is not waited for."""
    connected = WebSocketState.CONNECTED
    if socket.client_state == connected and socket.application_state == connected:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await socket.close(code)
        except (TimeoutError, RuntimeError):
            pass
