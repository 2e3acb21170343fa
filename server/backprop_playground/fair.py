"""Fair shares between clients: which client a request comes from, and per-client rate quotas.

A client is the peer address of the connection, or, behind a reverse proxy, the address that proxy
appends to `client_ip_header` (settings). The key is set once per request by `ClientKey` and read by
the job pool and the quotas through a context variable, so routers need not pass it along.
"""

from __future__ import annotations

import math
import time
from contextvars import ContextVar

CLIENT: ContextVar[str] = ContextVar("client", default="")


def current_client() -> str:
    """The client key of the request being handled ("" outside a request)."""
    return CLIENT.get()


class OverShare(Exception):
    """A client asked for more than its share; answer 429 with Retry-After (the message names the share)."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message)


class ClientKey:
    """Pure ASGI middleware: sets CLIENT for each HTTP request and WebSocket.

    With `header` (e.g. "x-forwarded-for"), the last address in it is the client: the one the trusted
    proxy in front appended. Without it, the peer address (a client cannot forge it)."""

    def __init__(self, app, header: str | None = None) -> None:
        self.app = app
        self.header = header.lower().encode("latin-1") if header else None

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            CLIENT.set(self.key(scope))
        return await self.app(scope, receive, send)

    def key(self, scope) -> str:
        if self.header is not None:
            for name, value in scope.get("headers", []):
                if name == self.header:
                    last = value.decode("latin-1").rsplit(",", 1)[-1].strip()
                    if last:
                        return last[:64]
        client = scope.get("client")
        return str(client[0]) if client else ""


class RateQuota:
    """At most `per_minute` events per client, refilled continuously (a token bucket of that size)."""

    def __init__(self, per_minute: int, name: str, what: str, max_clients: int = 100_000) -> None:
        self.per_minute = per_minute
        self.name, self.what = name, what
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, when)

    def take(self, client: str) -> None:
        """Count one event of `client`; OverShare (naming the quota) when it has none left."""
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        rate = self.per_minute / 60.0
        tokens, when = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - when) * rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / rate)
            raise OverShare(f"{self.what}: at most {self.per_minute} per minute per client ({self.name}); "
                            f"retry in {wait} s", wait)
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_clients:
            self._forget_full(now, rate)

    def _forget_full(self, now: float, rate: float) -> None:
        """Drop clients whose bucket has refilled (they are as if never seen)."""
        for client, (tokens, when) in list(self._buckets.items()):
            if tokens + (now - when) * rate >= self.per_minute:
                del self._buckets[client]
