"""Stream steps on threads of their own, shared fairly between clients.

Two lanes, one thread each: steps measured (or estimated) to cost more than `heavy_s` run on the heavy
lane, the others on the light lane, so a large model's step never holds up a tiny model's. Within a
lane the next job is the one of the client that has used the least CPU time so far (start-time fair
queueing: a client arriving or returning starts level with the others, so idling banks no credit), so
one client's many streams share one client's turn. Each stream has at most one job queued: a step, or
while fast-forwarding a batch of steps bounded in time (stream.py sizes it by how many jobs wait here).

One thread per lane, not more: threads running Python at once only take turns on the GIL, and at 300
streams that turn-taking cost ~40 % more CPU per step than one thread running them in order
(bench/bench_load.py). The event loop takes turns with the lane's thread the same way: handing a job of
~0.4 ms to a thread and its result back cost ~0.3 ms more of CPU (GIL hand-offs, wake-ups) than running
it. So the tiniest jobs (at most `inline_s`, and only those the caller says may: no database write due)
run on the event loop itself, in the same fair order (`LoopLane`), a few at a time in slices of at most
`slice_s` between the loop's other callbacks.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

MAX_IDLE_CLIENTS = 10_000  # remembered CPU times of clients with nothing queued, beyond which they reset


class _Job:
    __slots__ = ("fn", "loop", "future", "client")

    def __init__(self, fn: Callable[[], Any], loop: asyncio.AbstractEventLoop, future: asyncio.Future,
                 client: str) -> None:
        self.fn, self.loop, self.future, self.client = fn, loop, future, client

    def run(self) -> None:
        if self.future.cancelled():  # read across threads: at worst a cancelled job still runs once
            return
        try:
            outcome, failed = self.fn(), False
        except BaseException as exc:  # handed to the awaiting task
            outcome, failed = exc, True
        try:
            self.loop.call_soon_threadsafe(_settle, self.future, outcome, failed)
        except RuntimeError:  # the loop has closed (shutdown)
            pass

    def run_here(self) -> None:
        """Run on the event loop (LoopLane): the result is set at once, no thread involved."""
        if self.future.cancelled():
            return
        try:
            outcome, failed = self.fn(), False
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting task
            outcome, failed = exc, True
        _settle(self.future, outcome, failed)


def _settle(future: asyncio.Future, outcome: Any, failed: bool) -> None:
    if future.done():
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class _Fair:
    """Queued jobs by client, the least-served client's first (start-time fair queueing).

    The clients with jobs queued wait in a heap by the CPU time they had used when last queued or charged
    (an entry whose time has changed since is stale and skipped), so taking the next job costs O(log n),
    not a scan of every client: at 300 streams that scan was 3.5 % of the server's samples."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[_Job]] = {}
        self._used: dict[str, float] = {}  # client → CPU seconds, on the lane's virtual clock
        self._clock = 0.0
        self._heap: list[tuple[float, int, str]] = []  # (used, arrival, client) of clients with jobs queued
        self._arrivals = itertools.count()
        self._queued = 0

    def _put(self, job: _Job) -> None:
        queue = self._queues.get(job.client)
        if queue is None:
            queue = self._queues[job.client] = deque()
            used = self._used[job.client] = max(self._used.get(job.client, 0.0), self._clock)
            heapq.heappush(self._heap, (used, next(self._arrivals), job.client))
        queue.append(job)
        self._queued += 1

    def _count(self) -> int:
        return self._queued

    def _take(self) -> _Job:
        while True:
            used, _, client = heapq.heappop(self._heap)
            if client in self._queues and used == self._used[client]:
                break
        queue = self._queues[client]
        job = queue.popleft()
        self._queued -= 1
        if not queue:
            del self._queues[client]
        self._clock = used
        if len(self._used) > MAX_IDLE_CLIENTS:
            self._used = {c: t for c, t in self._used.items() if c in self._queues or t > self._clock}
        return job

    def _charge(self, client: str, used: float) -> None:
        total = self._used[client] = self._used.get(client, self._clock) + used
        if client in self._queues:  # more of its jobs wait: it queues again at its new time
            heapq.heappush(self._heap, (total, next(self._arrivals), client))

    def _clear(self) -> None:
        self._queues.clear()
        self._heap.clear()
        self._queued = 0


class Lane(_Fair):
    """One worker thread running queued jobs, the least-served client's first."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._cv = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def put(self, job: _Job) -> None:
        with self._cv:
            self._put(job)
            self._cv.notify()

    @property
    def queued(self) -> int:
        with self._cv:
            return self._count()

    def _next(self) -> _Job | None:
        with self._cv:
            while not self._queues:
                if self._closed:
                    return None
                self._cv.wait()
            return self._take()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            started = time.thread_time()
            job.run()
            used = time.thread_time() - started
            with self._cv:
                self._charge(job.client, used)

    def close(self) -> None:
        with self._cv:
            self._closed = True
            for queue in self._queues.values():
                for job in queue:
                    job.loop.call_soon_threadsafe(job.future.cancel)
            self._clear()
            self._cv.notify_all()
        self._thread.join(timeout=30)


class LoopLane(_Fair):
    """Tiny jobs run on the event loop's own thread, the least-served client's first: queued jobs run in a
    callback, for at most `slice_s` of CPU a callback (at least one job), then the loop's other callbacks
    (sockets, requests) get their turn before the next slice. Call only on the event loop."""

    def __init__(self, slice_s: float = 0.004) -> None:
        super().__init__()
        self.slice_s = slice_s
        self._scheduled: asyncio.AbstractEventLoop | None = None

    def put(self, job: _Job) -> None:
        self._put(job)
        if self._scheduled is not job.loop:
            self._scheduled = job.loop
            job.loop.call_soon(self._drain)

    @property
    def queued(self) -> int:
        return self._count()

    def _drain(self) -> None:
        loop, self._scheduled = self._scheduled, None
        clock = time.thread_time
        until = clock() + self.slice_s
        while self._queues:
            job = self._take()
            started = clock()
            job.run_here()
            now = clock()
            self._charge(job.client, now - started)
            if now >= until:
                break
        if self._queues and loop is not None and not loop.is_closed():
            self._scheduled = loop
            loop.call_soon(self._drain)

    def close(self) -> None:
        for queue in self._queues.values():
            for job in queue:
                if not job.loop.is_closed():
                    job.loop.call_soon_threadsafe(job.future.cancel)
        self._clear()


class FairLanes:
    """The loop lane, the light and the heavy lane; `submit` picks one by the job's expected cost."""

    def __init__(self, heavy_s: float = 0.05, inline_s: float = 0.002) -> None:
        self.heavy_s = heavy_s
        self.inline_s = inline_s
        self.here = LoopLane()
        self.light = Lane("stream-light")
        self.heavy = Lane("stream-heavy")

    def _lane(self, cost_s: float, inline: bool) -> Lane | LoopLane:
        if inline and cost_s <= self.inline_s:
            return self.here
        return self.heavy if cost_s > self.heavy_s else self.light

    def submit(self, fn: Callable[[], Any], *, client: str, cost_s: float,
               inline: bool = False) -> asyncio.Future:
        """Queue `fn()` (call on the event loop); the future settles on the loop when it has run. With
        `inline`, a job expected to cost at most `inline_s` runs on the event loop itself (LoopLane): only
        for jobs that never wait (no lock held elsewhere, no database write)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._lane(cost_s, inline).put(_Job(fn, loop, future, client))
        return future

    def queued(self, cost_s: float) -> int:
        """Jobs waiting on the lane a job of `cost_s` would take (a fast-forwarding stream sizes its turn
        by it: the more wait, the shorter each turn, so every stream's frames keep coming)."""
        return (self.heavy if cost_s > self.heavy_s else self.light).queued

    def close(self) -> None:
        self.here.close()
        self.light.close()
        self.heavy.close()
