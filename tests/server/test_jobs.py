import asyncio
import threading

import numpy as np
import pytest

from backprop_playground.admission.fair import OverShare
from backprop_playground.admission.jobs import Busy, Deadline, JobPool
from tests.waiting import until


def on_gated_pool(scenario, *args, **kwargs):
    """Run `scenario(pool, release)` on a JobPool(*args, **kwargs) and a gate jobs can wait on (`release`, a
    threading.Event); answers its result, the pool shut down."""
    async def main():
        pool = JobPool(*args, **kwargs)
        try:
            return await scenario(pool, threading.Event())
        finally:
            pool.shutdown()

    return asyncio.run(main())


def test_runs_in_a_worker_thread():
    async def main():
        pool = JobPool(2)
        name = await pool.run(lambda: threading.current_thread().name)
        pool.shutdown()
        return name

    assert asyncio.run(main()).startswith("cpu-job")


def test_full_pool_refuses_with_retry_after_but_streams_wait():
    async def scenario(pool, release):
        blocker = pool.submit(release.wait)
        with pytest.raises(Busy) as busy:
            pool.submit(lambda: None)
        waiting = pool.submit(lambda: "ran", wait=True)
        release.set()
        await blocker
        result = await waiting
        await asyncio.sleep(0.01)
        return busy.value, result, pool.running

    busy, result, running = on_gated_pool(scenario, 1, retry_after=3)
    assert busy.retry_after == 3 and "max_cpu_jobs" in str(busy)
    assert result == "ran" and running == 0


def test_a_cancelled_request_keeps_its_slot_until_the_thread_ends():
    async def scenario(pool, release):
        task = asyncio.ensure_future(pool.run(release.wait))
        await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.sleep(0.01)
        still_busy = pool.running  # the thread still waits on the gate, so its slot stays taken
        release.set()
        await until(lambda: pool.running == 0, "the slot is free once the thread has ended")
        return still_busy

    assert on_gated_pool(scenario, 1) == 1


def test_numeric_overflow_in_a_job_is_not_an_error():
    async def main():
        pool = JobPool(1)
        value = await pool.run(lambda: np.exp(np.array([1000.0])))
        pool.shutdown()
        return value

    assert np.isinf(asyncio.run(main())[0])


def test_deadline():
    assert not Deadline(60).expired() and Deadline(0).expired()


def test_a_client_over_its_share_gets_429_while_other_clients_are_served():
    async def scenario(pool, release):
        mine = [pool.submit(release.wait, client="a") for _ in range(2)]
        with pytest.raises(OverShare) as over:
            pool.submit(lambda: None, client="a")
        other = await pool.run(lambda: "served", client="b")
        release.set()
        await asyncio.gather(*mine)
        await asyncio.sleep(0.01)
        return over.value, other, pool.running, dict(pool.by_client)

    over, other, running, by_client = on_gated_pool(scenario, 4, retry_after=2, per_client=2)
    assert other == "served" and running == 0 and by_client == {}
    assert over.retry_after == 2 and "max_cpu_jobs_per_client" in str(over)


def test_training_leaves_a_slot_for_short_requests():
    async def scenario(pool, release):
        training = pool.submit(release.wait, long=True, client="a")
        with pytest.raises(Busy) as busy:
            pool.submit(release.wait, long=True, client="b")
        short = await pool.run(lambda: "short", client="b")
        release.set()
        await training
        return busy.value, short

    busy, short = on_gated_pool(scenario, 2, per_client=2)
    assert short == "short" and "training" in str(busy)


def test_stream_steps_take_no_request_slot():
    async def scenario(pool, release):
        steps = [pool.step(release.wait, client=f"c{i}", cost_s=0.0) for i in range(3)]
        await asyncio.sleep(0.02)
        served = await pool.run(lambda: "served", client="d")
        release.set()
        await asyncio.gather(*steps)
        return served

    assert on_gated_pool(scenario, 1) == "served"


def test_a_request_waits_briefly_for_a_slot_instead_of_a_503():
    async def scenario(pool, release):
        blocker = pool.submit(release.wait, client="a")
        asyncio.get_running_loop().call_later(0.1, release.set)
        served = await pool.run(lambda: "served", client="b")  # before: 503 at once
        await blocker
        return served

    # queue_wait_s is far longer than the 0.1 s the slot stays taken, however slow or loaded the machine
    assert on_gated_pool(scenario, 1, queue_wait_s=30.0) == "served"


def test_a_client_trains_one_model_at_a_time():
    async def scenario(pool, release):
        first = pool.submit(release.wait, long=True, client="a")
        with pytest.raises(OverShare) as over:
            await pool.run(release.wait, long=True, client="a")
        other = pool.submit(release.wait, long=True, client="b")
        release.set()
        await asyncio.gather(first, other)
        return over.value

    assert "one /train at a time" in str(on_gated_pool(scenario, 4, per_client=3))


def test_a_pages_overlapping_requests_wait_for_its_own_earlier_ones_instead_of_429():
    async def scenario(pool, release):
        mine = [pool.submit(release.wait, client="a") for _ in range(2)]
        third = asyncio.ensure_future(pool.run(lambda: "third", client="a"))
        await asyncio.sleep(0.1)
        assert not third.done()  # waiting for a's own jobs, not refused
        release.set()
        assert await third == "third"
        await asyncio.gather(*mine)
        blocker = threading.Event()
        held = [pool.submit(blocker.wait, client="a") for _ in range(2)]
        waiting = [asyncio.ensure_future(pool.run(lambda: None, client="a")) for _ in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(OverShare):  # a client piling more waiters than its share is refused at once
            await pool.run(lambda: None, client="a")
        blocker.set()
        await asyncio.gather(*held, *waiting)

    on_gated_pool(scenario, 4, per_client=2, queue_wait_s=30.0)  # the gates release the waiters, not time
