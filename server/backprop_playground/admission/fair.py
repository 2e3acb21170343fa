"""Fair shares between clients: which client a request comes from, and per-client rate quotas.

A client is the peer address of the connection. Behind a reverse proxy, and only when the connection
comes from a proxy the operator named (`trusted_proxies`), it is the address that proxy appended to
`client_ip_header`: a header from anyone else is ignored, so no client can forge a new identity. The key
is set once per request by `ClientKey` and read by the job pool and the quotas through a context
variable, so routers need not pass it along. `client_group` folds an IPv6 client into its /64 (one
subscriber's network) for the caps that count what a client keeps, such as live rooms.
"""

from __future__ import annotations

import ipaddress
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


def client_group(client: str) -> str:
    """The client as the caps on what it keeps count it: an IPv6 address's /64 (a home or a phone gets a
    whole /64, so its addresses are one subscriber), anything else as it is."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


def trusted_networks(spec: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The proxies an operator trusts, from a comma-separated list of addresses and networks; ValueError
    naming an entry that is neither."""
    networks = []
    for entry in (spec or "").split(","):
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ValueError(f"trusted_proxies: {entry.strip()!r} is not an address or a network") \
                    from None
    return tuple(networks)


class ClientKey:
    """Pure ASGI middleware: sets CLIENT for each HTTP request and WebSocket.

    The peer address is the client, except when the peer is one of the `trusted` proxies and `header`
    (e.g. "x-forwarded-for") is named: then the last address in that header is, the one the proxy
    appended. A header sent by anyone else counts for nothing."""

    def __init__(self, app, header: str | None = None, trusted: str | None = None) -> None:
        self.app = app
        self.header = header.lower().encode("latin-1") if header else None
        self.trusted = trusted_networks(trusted)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            CLIENT.set(self.key(scope))
        return await self.app(scope, receive, send)

    def key(self, scope) -> str:
        client = scope.get("client")
        peer = str(client[0]) if client else ""
        if self.header is not None and self._trusted(peer):
            for name, value in scope.get("headers", []):
                if name == self.header:
                    last = value.decode("latin-1").rsplit(",", 1)[-1].strip()
                    if last:
                        return last[:64]
        return peer

    def _trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)


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
        tokens = self.check(client, now)
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_clients:
            self._forget_full(now, self.per_minute / 60.0)

    def check(self, client: str, now: float | None = None) -> float:
        """OverShare (naming the quota) when `client` has no event left, without counting one; else the
        events it has left."""
        if self.per_minute <= 0:
            return math.inf
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        tokens, when = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - when) * rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / rate)
            raise OverShare(f"{self.what}: at most {self.per_minute} per minute per client ({self.name}); "
                            f"retry in {wait} s", wait)
        return tokens

    def _forget_full(self, now: float, rate: float) -> None:
        """Drop clients whose bucket has refilled (they are as if never seen)."""
        for client, (tokens, when) in list(self._buckets.items()):
            if tokens + (now - when) * rate >= self.per_minute:
                del self._buckets[client]
