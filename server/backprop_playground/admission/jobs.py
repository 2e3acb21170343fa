"""A bounded pool of CPU jobs: training and tracing run in worker threads, never on the event loop.

Three kinds of work get shares of their own, so none can take every slot from the others:
- requests' CPU jobs: `slots` threads; a client runs at most `per_client` of them at once and one long
  one (training) (429 beyond, after waiting up to `queue_wait_s` for its own earlier jobs), and long ones
  take at most `long_slots`, so short requests always find a slot; a request finding every slot taken
  waits up to `queue_wait_s` for one (503 after);
- stream steps: the fair lanes of backprop_playground.admission.lanes (their own threads, counted apart);
- bookkeeping (`wait=True`: pinning, final saves): short, never refused.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from backprop_playground.admission.fair import OverShare, current_client
from backprop_playground.admission.lanes import FairLanes

T = TypeVar("T")


class Busy(Exception):
    """Every CPU slot (of this kind) is taken; answer 503 with Retry-After."""

    def __init__(self, retry_after: int, slots: int, what: str = "CPU job slots (max_cpu_jobs)") -> None:
        self.retry_after = retry_after
        super().__init__(f"all {slots} {what} are busy; retry in {retry_after} s")


class Deadline:
    """A request's time budget: `expired()` turns true `seconds` after creation."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self.at


def _quiet(fn: Callable[[], T]) -> T:
    # Diverging training is a lesson, not a crash: overflow and NaN are shown, not raised or warned about.
    # np.errstate is thread-local, so this only affects the job.
    with np.errstate(all="ignore"):
        return fn()


class JobPool:
    """`slots` worker threads for requests' CPU jobs, plus the stream lanes.

    A request whose client already runs its share is refused at once (429); one that finds every slot
    taken waits up to `queue_wait_s` for one (at most one waiter per client, `2 × slots` in all), then is
    refused (503): the client retries after Retry-After.
    All bookkeeping happens on the event loop thread, so it needs no lock.
    """

    def __init__(self, slots: int, retry_after: int = 1, *, per_client: int | None = None,
                 long_slots: int | None = None, heavy_step_s: float = 0.05,
                 queue_wait_s: float = 0.5) -> None:
        self.slots = max(1, slots)
        self.retry_after = retry_after
        self.per_client = max(1, min(self.slots, per_client or self.slots))
        self.long_slots = max(1, min(self.slots - 1, long_slots or self.slots))
        self.running = 0
        self.long_running = 0
        self.by_client: Counter[str] = Counter()
        self.long_by_client: Counter[str] = Counter()
        self.queue_wait_s = queue_wait_s
        self._waiters: deque[asyncio.Future] = deque()
        self._waiting_clients: set[str] = set()
        self._share_waiting: Counter[str] = Counter()
        self._executor = ThreadPoolExecutor(self.slots, thread_name_prefix="cpu-job")
        self.lanes = FairLanes(heavy_step_s)

    def submit(self, fn: Callable[..., T], *args, wait: bool = False, long: bool = False,
               client: str | None = None, **kwargs) -> asyncio.Future[T]:
        """Start `fn(*args, **kwargs)` in a worker (call on the event loop). Unless the caller must
        `wait` (short bookkeeping), raise Busy when every slot (or, for a `long` job, every long slot)
        is taken, and OverShare when `client` (default: the request's) already runs its share."""
        client = current_client() if client is None else client
        if not wait:
            self._admit(client, long)
        loop = asyncio.get_running_loop()
        self.running += 1
        self.by_client[client] += 1
        self.long_running += long
        self.long_by_client[client] += long
        job = self._executor.submit(_quiet, functools.partial(fn, *args, **kwargs))
        result = loop.create_future()
        # One wake-up of the loop per job settles both the result and the counts. The job is counted
        # until its thread is done, even if the awaiting request is cancelled earlier.
        job.add_done_callback(lambda _: self._finished(loop, job, result, client, long))
        result.add_done_callback(lambda _: result.cancelled() and job.cancel())
        return result

    def _admit(self, client: str, long: bool) -> None:
        if self.running >= self.slots:
            raise Busy(self.retry_after, self.slots)
        if long and self.long_running >= self.long_slots:
            raise Busy(self.retry_after, self.long_slots, "slots for training (max_cpu_jobs - 1)")
        if self.by_client[client] >= self.per_client:
            raise OverShare(
                f"this client already runs {self.per_client} CPU jobs, its share "
                f"(max_cpu_jobs_per_client); retry in {self.retry_after} s", self.retry_after)
        if long and self.long_by_client[client]:
            raise OverShare(f"this client already trains a model (one /train at a time per client); "
                            f"retry in {self.retry_after} s", self.retry_after)

    async def run(self, fn: Callable[..., T], *args, wait: bool = False, long: bool = False,
                  client: str | None = None, **kwargs) -> T:
        """Run `fn(*args, **kwargs)` in a worker and return its result (see `submit`); when every slot
        is taken, wait up to `queue_wait_s` for one first."""
        client = current_client() if client is None else client
        if not wait:
            await self._slot(client, long)
        return await self.submit(fn, *args, wait=True, long=long, client=client, **kwargs)

    async def _slot(self, client: str, long: bool) -> None:
        """Return when `client` may start a job now; Busy or OverShare as `_admit` says, after waiting up
        to `queue_wait_s` while only the slots are lacking."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_wait_s
        while True:
            try:
                return self._admit(client, long)
            except OverShare:
                # A page's own requests overlap (a lesson and its grid, a studio's data and model): its next
                # one waits a moment for its earlier ones; a client piling more waiters gets 429 at once.
                remaining = deadline - loop.time()
                if remaining <= 0 or self._share_waiting[client] >= self.per_client:
                    raise
                self._share_waiting[client] += 1
                try:
                    await asyncio.sleep(min(0.02, remaining))
                finally:
                    self._share_waiting[client] -= 1
                    if not self._share_waiting[client]:
                        del self._share_waiting[client]
                continue
            except Busy:
                remaining = deadline - loop.time()
                if (remaining <= 0 or client in self._waiting_clients
                        or len(self._waiters) >= 2 * self.slots):
                    raise
            waiter = loop.create_future()
            self._waiters.append(waiter)
            self._waiting_clients.add(client)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                pass
            finally:
                self._waiting_clients.discard(client)
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    async def step(self, fn: Callable[..., T], *args, client: str, cost_s: float, inline: bool = False,
                   **kwargs) -> T:
        """Run a stream step on the fair lanes (heavy or light by its expected `cost_s`; with `inline`, a
        tiny one on the event loop itself: see lanes.LoopLane)."""
        return await self.lanes.submit(functools.partial(_quiet, functools.partial(fn, *args, **kwargs)),
                                       client=client, cost_s=cost_s, inline=inline)

    def _finished(self, loop: asyncio.AbstractEventLoop, job: Future, result: asyncio.Future,
                  client: str, long: bool) -> None:
        try:
            loop.call_soon_threadsafe(self._settle, job, result, client, long)
        except RuntimeError:  # the loop has closed (shutdown): nothing left to count for
            pass

    def _settle(self, job: Future, result: asyncio.Future, client: str, long: bool) -> None:
        self.running -= 1
        self.long_running -= long
        self.by_client[client] -= 1
        if not self.by_client[client]:
            del self.by_client[client]
        if long:
            self.long_by_client[client] -= 1
            if not self.long_by_client[client]:
                del self.long_by_client[client]
        while self._waiters:  # a slot is free: the longest waiting request tries again
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break
        if result.done():
            return
        if job.cancelled():
            result.cancel()
        elif (error := job.exception()) is not None:
            result.set_exception(error)
        else:
            result.set_result(job.result())

    def shutdown(self) -> None:
        self.lanes.close()
        self._executor.shutdown(wait=True, cancel_futures=True)
