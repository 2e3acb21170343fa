"""Finishing a send whose first step already ran: `Resumed`.

Model streams (stream.py) and rooms (rooms/connection.py) run a WebSocket send's first step in the caller,
so a send the transport takes at once needs no task and no timer; only one that suspended (the client reads
slowly) is awaited the rest of the way, through `Resumed`.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


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
