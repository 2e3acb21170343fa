import asyncio
import threading

import numpy as np
import pytest

from server.jobs import Busy, Deadline, JobPool


def test_runs_in_a_worker_thread():
    async def main():
        pool = JobPool(2)
        name = await pool.run(lambda: threading.current_thread().name)
        pool.shutdown()
        return name

    assert asyncio.run(main()).startswith("cpu-job")


def test_full_pool_refuses_with_retry_after_but_streams_wait():
    async def main():
        pool = JobPool(1, retry_after=3)
        release = threading.Event()
        blocker = pool.submit(release.wait)
        with pytest.raises(Busy) as busy:
            pool.submit(lambda: None)
        waiting = pool.submit(lambda: "ran", wait=True)
        release.set()
        await blocker
        result = await waiting
        await asyncio.sleep(0.01)
        pool.shutdown()
        return busy.value, result, pool.running

    busy, result, running = asyncio.run(main())
    assert busy.retry_after == 3 and "max_cpu_jobs" in str(busy)
    assert result == "ran" and running == 0


def test_a_cancelled_request_keeps_its_slot_until_the_thread_ends():
    async def main():
        pool = JobPool(1)
        release = threading.Event()
        task = asyncio.ensure_future(pool.run(release.wait))
        await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.sleep(0.01)
        still_busy = pool.running
        release.set()
        await asyncio.sleep(0.05)
        pool.shutdown()
        return still_busy, pool.running

    assert asyncio.run(main()) == (1, 0)


def test_numeric_overflow_in_a_job_is_not_an_error():
    async def main():
        pool = JobPool(1)
        value = await pool.run(lambda: np.exp(np.array([1000.0])))
        pool.shutdown()
        return value

    assert np.isinf(asyncio.run(main())[0])


def test_deadline():
    assert not Deadline(60).expired() and Deadline(0).expired()


def test_lane_jobs_run_in_order_on_one_thread_and_count_as_running():
    async def main():
        pool = JobPool(4)
        release = threading.Event()
        def name(wait_for=None):
            if wait_for is not None:
                wait_for.wait()
            return threading.current_thread().name

        first = pool.submit(name, release, wait=True, lane=True)
        second = pool.submit(name, wait=True, lane=True)
        await asyncio.sleep(0.02)
        queued = second.done(), pool.running
        release.set()
        names = await first, await second
        await asyncio.sleep(0.01)
        pool.shutdown()
        return queued, names, pool.running

    queued, names, running = asyncio.run(main())
    assert queued == (False, 2) and running == 0
    assert names[0] == names[1] and names[0].startswith("cpu-lane")
