"""Services the servers of one app share: opened when the first of them starts, closed when the last one
stops (tests and fuzzers may run several servers, or clients, on one app at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def shared_by_servers(state: Any, counter: str, start: Callable[[], Awaitable[None]],
                            stop: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    """One server's life: `await start()` first when no other server of the app runs (they are counted in
    `state.<counter>`), `await stop()` at its end when it was the last."""
    if getattr(state, counter, 0) == 0:
        await start()
        setattr(state, counter, 0)
    setattr(state, counter, getattr(state, counter) + 1)
    try:
        yield
    finally:
        setattr(state, counter, getattr(state, counter) - 1)
        if getattr(state, counter) == 0:
            await stop()
