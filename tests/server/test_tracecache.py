"""The trace cache on its own (backprop_playground.tracecache): bounds, least recently used first out,
aliases, single flight, and failures never shared."""

from __future__ import annotations

import asyncio

import pytest

from backprop_playground.tracecache import FOLLOWS, Entry, TraceCache, digest


def entry(name: str, size: int = 100) -> Entry:
    return Entry(digest(name), b"x" * size)


def test_entries_and_bytes_are_bounded_least_recently_used_first_out():
    cache = TraceCache(max_entries=3, max_bytes=1000)
    for name in "abc":
        cache.put(entry(name))
    cache.get(digest("a"))  # a is now the most recently used: b goes first
    cache.put(entry("d"))
    assert [cache.get(digest(n)) is not None for n in "abcd"] == [True, False, True, True]
    assert cache.stats.evictions == 1 and cache.bytes == 300


def test_bytes_are_bounded_and_an_answer_over_a_quarter_of_them_is_not_kept():
    cache = TraceCache(max_entries=100, max_bytes=1000)
    for n in range(5):
        cache.put(entry(f"large{n}", 250))
    assert cache.bytes == 1000 and len(cache) == 4 and cache.get(digest("large0")) is None
    cache.put(entry("small", 10))  # 1,010 bytes: the least recently used goes
    assert cache.bytes == 760 and cache.get(digest("large1")) is None
    cache.put(entry("huge", 251))  # over a quarter of max_bytes: never kept
    assert cache.get(digest("huge")) is None and cache.stats.too_large == 1


def test_request_keys_alias_an_entry_and_a_disabled_cache_keeps_nothing():
    cache = TraceCache(max_entries=10, max_bytes=10_000)
    kept = entry("content")
    cache.put(kept, "request-1", "request-2")
    assert cache.get("request-1") is kept and cache.get("request-2") is kept
    assert cache.get("request-1", aliases=False) is None
    off = TraceCache(max_entries=10, max_bytes=0)
    off.put(kept)
    assert len(off) == 0 and not off.enabled


def test_single_flight_computes_once_for_every_waiter():
    cache = TraceCache(max_entries=10, max_bytes=10_000)
    calls = []

    async def compute():
        calls.append(1)
        await asyncio.sleep(0.05)
        return entry("content")

    async def hall():
        return await asyncio.gather(*(cache.shared("k", compute) for _ in range(50)))

    answers = asyncio.run(hall())
    assert len(calls) == 1 and all(a is answers[0] for a in answers)
    assert cache.stats.waits == 49 and cache.stats.runs == 1 and cache.in_flight() == 0
    asyncio.run(hall())
    assert len(calls) == 1 and cache.stats.hits == 50


def test_failures_are_never_shared_and_no_one_waits_behind_more_than_a_few():
    cache = TraceCache(max_entries=10, max_bytes=10_000)
    calls = []

    async def failing():
        calls.append(1)
        await asyncio.sleep(0.02)
        raise RuntimeError("refused")

    async def hall():
        return await asyncio.gather(*(cache.shared("k", failing) for _ in range(10)), return_exceptions=True)

    outcomes = asyncio.run(hall())
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert len(cache) == 0 and cache.in_flight() == 0
    # each request raised its own failure: one per computation, and every waiter computed at most once
    assert len(calls) == 10 and cache.stats.failures == 10
    assert cache.stats.waits <= 10 * FOLLOWS


def test_a_waiter_that_leaves_does_not_cancel_the_computation():
    cache = TraceCache(max_entries=10, max_bytes=10_000)

    async def compute():
        await asyncio.sleep(0.05)
        return entry("content")

    async def scene():
        leader = asyncio.create_task(cache.shared("k", compute))
        await asyncio.sleep(0)
        waiter = asyncio.create_task(cache.shared("k", compute))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return await leader

    assert asyncio.run(scene()).key == digest("content")
