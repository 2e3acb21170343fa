"""A bounded pool of CPU jobs: training and tracing run in worker threads, never on the event loop."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class Busy(Exception):
    """Every CPU slot is taken; answer 503 with Retry-After."""

    def __init__(self, retry_after: int, slots: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"all {slots} CPU job slots (max_cpu_jobs) are busy; retry in {retry_after} s")


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
    """`slots` worker threads. Requests that cannot wait are refused when all slots are busy;
    streams wait their turn (each stream has at most one job queued, so the queue is bounded).

    Jobs submitted with `lane=True` (short stream steps) run one at a time on a thread of their own:
    many threads running Python at once only take turns on the GIL, and at 300 streams that turn-taking
    cost ~40 % more CPU per step than one thread running them in order (bench/bench_load.py).

    All bookkeeping happens on the event loop thread, so it needs no lock.
    """

    def __init__(self, slots: int, retry_after: int = 1) -> None:
        self.slots = max(1, slots)
        self.retry_after = retry_after
        self.running = 0
        self._executor = ThreadPoolExecutor(self.slots, thread_name_prefix="cpu-job")
        self._lane = ThreadPoolExecutor(1, thread_name_prefix="cpu-lane")

    def submit(self, fn: Callable[..., T], *args, wait: bool = False, lane: bool = False,
               **kwargs) -> asyncio.Future[T]:
        """Start `fn(*args, **kwargs)` in a worker (call on the event loop); raise Busy at once if all
        slots are taken and the caller cannot `wait`. With `lane`, run it on the single lane thread (for
        short jobs that never block; they count as running like any other)."""
        if not wait and self.running >= self.slots:
            raise Busy(self.retry_after, self.slots)
        loop = asyncio.get_running_loop()
        self.running += 1
        executor = self._lane if lane else self._executor
        job = executor.submit(_quiet, functools.partial(fn, *args, **kwargs))
        result = loop.create_future()
        # One wake-up of the loop per job settles both the result and the slot count. The job is counted
        # until its thread is done, even if the awaiting request is cancelled earlier.
        job.add_done_callback(lambda _: self._finished(loop, job, result))
        result.add_done_callback(lambda _: result.cancelled() and job.cancel())
        return result

    async def run(self, fn: Callable[..., T], *args, wait: bool = False, lane: bool = False, **kwargs) -> T:
        """Run `fn(*args, **kwargs)` in a worker and return its result (see `submit`)."""
        return await self.submit(fn, *args, wait=wait, lane=lane, **kwargs)

    def _finished(self, loop: asyncio.AbstractEventLoop, job: Future, result: asyncio.Future) -> None:
        try:
            loop.call_soon_threadsafe(self._settle, job, result)
        except RuntimeError:  # the loop has closed (shutdown): nothing left to count for
            pass

    def _settle(self, job: Future, result: asyncio.Future) -> None:
        self.running -= 1
        if result.done():
            return
        if job.cancelled():
            result.cancel()
        elif (error := job.exception()) is not None:
            result.set_exception(error)
        else:
            result.set_result(job.result())

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._lane.shutdown(wait=True, cancel_futures=True)
