import asyncio
import threading
import time

from backprop_playground.admission.lanes import FairLanes


def _spin(seconds: float) -> float:
    """Busy CPU work for `seconds` (a step's cost); returns when it ended."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    return time.perf_counter()


HEAVY_S = 3.0  # wall-clock seconds of the heavy step, whatever the CPU's speed


def test_a_light_step_is_not_held_up_by_a_heavy_one():
    async def main():
        lanes = FairLanes(heavy_s=0.05)
        heavy = lanes.submit(lambda: _spin(HEAVY_S), client="big", cost_s=5.0)
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        await lanes.submit(lambda: _spin(0.002), client="tiny", cost_s=0.002)
        light_s = time.perf_counter() - started
        heavy_done = heavy.done()
        await heavy
        lanes.close()
        return light_s, heavy_done

    light_s, heavy_done = asyncio.run(main())
    # The heavy step spins HEAVY_S of wall time by construction, on any machine; a light step queued behind
    # it (as before the light lane existed) would wait most of that. One not queued takes its own 2 ms plus
    # turns at the GIL: a third of HEAVY_S is a wide margin on a loaded or a 3x slower machine.
    assert light_s < HEAVY_S / 3 and not heavy_done


def test_the_least_served_client_goes_first():
    async def main():
        lanes = FairLanes()
        gate = threading.Event()
        first = lanes.submit(gate.wait, client="many", cost_s=0.0)  # holds the lane while jobs queue
        await asyncio.sleep(0.02)
        many = [lanes.submit(lambda: _spin(0.02), client="many", cost_s=0.0) for _ in range(20)]
        one = lanes.submit(lambda: _spin(0.001), client="one", cost_s=0.0)
        gate.set()
        await first
        finished_one = await one
        finished_many = await asyncio.gather(*many)
        lanes.close()
        return finished_one, finished_many

    finished_one, finished_many = asyncio.run(main())
    # "one" arrived last but has used no CPU: it runs before most of "many"'s queued steps.
    assert sum(t < finished_one for t in finished_many) <= 2


def test_a_cancelled_step_does_not_run_and_close_cancels_what_waits():
    ran = []

    async def main():
        lanes = FairLanes()
        gate = threading.Event()
        blocker = lanes.submit(gate.wait, client="a", cost_s=0.0)
        await asyncio.sleep(0.02)
        cancelled = lanes.submit(lambda: ran.append("cancelled"), client="a", cost_s=0.0)
        cancelled.cancel()
        gate.set()
        await blocker
        await lanes.submit(lambda: ran.append("after"), client="a", cost_s=0.0)
        lanes.close()

    asyncio.run(main())
    assert ran == ["after"]


def test_tiny_steps_may_run_on_the_event_loop_fairly_and_in_slices():
    """With `inline`, a step expected to cost at most inline_s runs on the loop's own thread (no hand-off),
    the least-served client's first, a slice at a time; without it, or when dearer, on a lane's thread."""
    async def main():
        lanes = FairLanes(inline_s=0.002)
        loop_thread = threading.get_ident()
        where = await lanes.submit(threading.get_ident, client="a", cost_s=0.001, inline=True)
        elsewhere = [await lanes.submit(threading.get_ident, client="a", cost_s=0.001),
                     await lanes.submit(threading.get_ident, client="a", cost_s=0.01, inline=True)]
        many = [lanes.submit(lambda: _spin(0.002), client="many", cost_s=0.001, inline=True)
                for _ in range(20)]
        one = lanes.submit(lambda: _spin(0.0005), client="one", cost_s=0.001, inline=True)
        ticks = 0

        async def tick():  # the loop's other callbacks run between slices
            nonlocal ticks
            while not one.done() or not all(f.done() for f in many):
                ticks += 1
                await asyncio.sleep(0)

        await asyncio.gather(tick(), one, *many)
        order = sum(f.result() < one.result() for f in many)
        lanes.close()
        return where == loop_thread, [t != loop_thread for t in elsewhere], order, ticks

    here, away, before_one, ticks = asyncio.run(main())
    assert here and all(away)
    assert before_one <= 2  # "one" came last but had used nothing: it ran before most of "many"
    assert ticks >= 5  # 20 steps of 2 ms in slices of ~4 ms: the loop ran other callbacks between


def test_the_fair_queue_takes_the_least_served_client_among_hundreds():
    """The heap behind the lanes' order against its definition: every job taken is one of the client that
    has used the least CPU among those with jobs queued, through arrivals, charges and idle clients
    returning (random costs, so no ties)."""
    import random

    from backprop_playground.admission.lanes import _Fair, _Job

    rng = random.Random(7)
    fair, queued = _Fair(), {}
    for _ in range(20_000):
        if rng.random() < 0.55 or not queued:
            client = f"c{rng.randrange(300)}"
            fair._put(_Job(None, None, None, client))
            queued[client] = queued.get(client, 0) + 1
            continue
        least = min(fair._used[c] for c in queued)
        job = fair._take()
        assert fair._used[job.client] == least
        queued[job.client] -= 1
        if not queued[job.client]:
            del queued[job.client]
        fair._charge(job.client, rng.random() * 1e-3)
        assert fair._count() == sum(queued.values())
