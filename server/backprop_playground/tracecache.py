"""Traces computed once for a whole lecture hall: a content-keyed cache with single flight.

When the presenter switches lessons, hundreds of followers ask for the same trace at once
(`POST /specs/step` with the same spec and weights, `POST /expressions` with the same formula and values).
Those requests are deterministic and side-effect free: a spec's step builds its net from the spec's
`params` or from the seeded initialisation (`seed` and the data's seed default to 0; nothing in a step draws
from an unseeded generator), on the app's fixed limits. So one computation can answer them all:

- **Keys.** A *request key* hashes the request as sent (route, query string, content type, body bytes): the
  pages of a hall send byte-identical requests, so a hit costs a hash and a dictionary lookup, before any
  validation. A *content key* hashes the request as validated (the route, the canonical JSON of its
  validated body with every default filled in, the rows and tensor encoding it asks for), within a
  namespace of the package's version and source (`code_version`) and the limits, so requests that differ
  only in spelling share an entry and a key names one trace for as long as the server's code and limits
  stay the same. The content key is the answer's ETag; request keys are aliases of it.
- **Single flight.** `shared(key, compute)` answers a cached entry; else, while another request computes the
  same key, waits for it without taking anything (no CPU job slot, no share of its client); else computes
  itself. A computation that fails (4xx, a refusal by the budgets, 429, 503, a cancelled request) is never
  kept nor handed on: the requests that waited for it try again, one of them computing for the others, and
  after two failures each on its own.
- **Bounds.** At most `max_entries` entries and `max_bytes` bytes of answers (`BACKPROP_TRACE_CACHE_ENTRIES`,
  `BACKPROP_TRACE_CACHE_MB`), least recently used first out; an answer larger than a quarter of `max_bytes`
  is not kept. Aliases are bounded too (4 per entry).

Everything runs on the event loop thread, so there is no lock. Only routes whose answers are deterministic
use it (the API's `CachedTraceRoute`, api/deps.py); a model's own step or trace never does.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

KEY_BYTES = 16  # 128-bit BLAKE2b digests: 32 hex characters
ALIASES_PER_ENTRY = 4
FOLLOWS = 2  # failed computations a request waits for before it computes on its own


@dataclass(frozen=True)
class Entry:
    """One cached answer: its content key and the JSON bytes as sent."""

    key: str
    body: bytes

    @property
    def etag(self) -> str:
        return f'"{self.key}"'


@dataclass
class CacheStats:
    """Counts of `shared` calls, for either kind of key (a miss by request key that hits by content key
    counts a run and a hit)."""

    hits: int = 0  # answered from the cache
    waits: int = 0  # waited for another request's run of the same key
    runs: int = 0  # ran `compute` and got an entry
    failures: int = 0  # ran `compute` and it failed (nothing kept)
    evictions: int = 0
    too_large: int = 0  # answers not kept for their size


def digest(*parts: bytes | str | int | None) -> str:
    """A hex key of the parts, each length-prefixed (so no two lists of parts collide by concatenation)."""
    h = hashlib.blake2b(digest_size=KEY_BYTES)
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@lru_cache
def code_version() -> str:
    """A digest of the package's Python source, for key namespaces: a changed engine, trace or encoding
    gives new keys (and so new ETags) even when the version number stays the same."""
    package = Path(__file__).resolve().parent
    files = sorted(p for p in package.rglob("*.py") if "web" not in p.relative_to(package).parts)
    return digest(*(part for p in files for part in (str(p.relative_to(package)), p.read_bytes())))


@dataclass
class TraceCache:
    """Content-keyed traces, least recently used first out, with single flight (see the module)."""

    max_entries: int
    max_bytes: int
    namespace: str = ""
    stats: CacheStats = field(default_factory=CacheStats)

    def __post_init__(self) -> None:
        self.bytes = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()  # content key → entry
        self._aliases: OrderedDict[str, str] = OrderedDict()  # request key → content key
        self._flights: dict[str, asyncio.Future[Entry | None]] = {}

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def request_key(self, *parts: bytes | str | int | None) -> str:
        """The key of a request as sent (route, query, raw body)."""
        return digest(self.namespace, "request", *parts)

    def content_key(self, *parts: bytes | str | int | None) -> str:
        """The key of a request as validated (route, canonical body, options): its answer's ETag."""
        return digest(self.namespace, "content", *parts)

    def get(self, key: str, aliases: bool = True) -> Entry | None:
        """The entry of a content key or (with `aliases`) of a request key aliasing one, now the most
        recently used."""
        content = self._aliases.get(key) if aliases else None
        if content is not None:
            self._aliases.move_to_end(key)
        else:
            content = key
        entry = self._entries.get(content)
        if entry is not None:
            self._entries.move_to_end(content)
        return entry

    def put(self, entry: Entry, *aliases: str) -> None:
        """Keep `entry` (and `aliases` → it), evicting the least recently used beyond the bounds."""
        size = len(entry.body)
        if not self.enabled or size > self.max_bytes // 4:
            self.stats.too_large += self.enabled
            return
        old = self._entries.pop(entry.key, None)
        if old is not None:
            self.bytes -= len(old.body)
        self._entries[entry.key] = entry
        self.bytes += size
        for alias in aliases:
            if alias != entry.key:
                self._aliases[alias] = entry.key
                self._aliases.move_to_end(alias)
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, gone = self._entries.popitem(last=False)
            self.bytes -= len(gone.body)
            self.stats.evictions += 1
        while len(self._aliases) > ALIASES_PER_ENTRY * self.max_entries:
            self._aliases.popitem(last=False)

    async def shared(self, key: str, compute: Callable[[], Awaitable[Entry]]) -> Entry:
        """The entry of `key`: cached, else the one another request is computing (waited for), else
        `compute()`'s (kept). A failed computation raises in its own request only: an error (whose cause may
        be the computing client's, such as its share) is never shared. Those waiting for it try again, one
        of them computing for the others; after `FOLLOWS` failed computations each computes on its own (and
        is admitted or refused as any request), so no request waits behind a long run of failures."""
        followed = 0
        while True:
            entry = self.get(key)
            if entry is not None:
                self.stats.hits += 1
                return entry
            flight = self._flights.get(key)
            if flight is None or followed >= FOLLOWS:
                break
            followed += 1
            self.stats.waits += 1
            entry = await asyncio.shield(flight)  # a waiter that leaves does not cancel the computation
            if entry is not None:
                return entry
        if flight is None:
            flight = self._flights[key] = asyncio.get_running_loop().create_future()
        else:  # on its own: the computation in flight stays the one others wait for
            flight = None
        entry = None
        try:
            entry = await compute()
            self.stats.runs += 1
            self.put(entry, key)
            return entry
        finally:
            if entry is None:
                self.stats.failures += 1
            if flight is not None:
                del self._flights[key]
                flight.set_result(entry)

    def in_flight(self) -> int:
        return len(self._flights)
