import asyncio
import json
import threading
import time

import pytest

from backprop_playground.nets.limits import DEFAULT_LIMITS
from backprop_playground.nets.spec import XOR_EXAMPLE
from backprop_playground.schema.ws import parse_command
from backprop_playground.store import Store
from backprop_playground.stream import FrameOutbox, StreamMessage, StreamSession
from tests.waiting import DEADLINE_S, until


def test_outbox_keeps_only_the_newest_frame_but_every_control_message():
    async def main():
        box = FrameOutbox()
        for i in range(100):
            box.put_frame(StreamMessage(str(i)))
        box.put_control({"type": "error", "detail": "x"})
        return [(await box.get())[0].text for _ in range(2)], box.dropped

    (first, second), dropped = asyncio.run(main())
    assert json.loads(first)["type"] == "error" and second == "99" and dropped == 99


@pytest.mark.parametrize(
    "text", ['{"type": "play", "rate": 0}', '{"type": "step", "count": 1000}', "x" * 5000]
)
def test_bad_commands_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_command(text)


def test_commands_parse():
    assert parse_command('{"type": "play", "rate": 5}').rate == 5
    config = parse_command('{"type": "config", "summary_over": null}')
    assert config.model_fields_set == {"type", "summary_over"}


class SlowSocket:
    """A client that sends `play` and then reads one frame every `delay` seconds."""

    def __init__(self, delay: float, commands: list[str]) -> None:
        self.delay, self.sent = delay, []
        self.inbox: asyncio.Queue = asyncio.Queue()
        for command in commands:
            self.inbox.put_nowait({"type": "websocket.receive", "text": command})

    async def receive(self):
        return await self.inbox.get()

    async def send(self, message: dict) -> None:
        self.sent.append(json.loads(message["text"]))
        await asyncio.sleep(self.delay)


def test_slow_client_gets_fewer_newer_frames(tmp_path):
    from backprop_playground.admission.jobs import JobPool
    from backprop_playground.hub import ModelHub

    read_s = 0.1  # the client's time to read one frame: wall time, whatever the CPU's speed

    async def main():
        hub = ModelHub(Store(f"sqlite:///{tmp_path / 'db'}"), DEFAULT_LIMITS, capacity=8, persist_every_s=60)
        jobs = JobPool(2)
        live, _ = await jobs.run(hub.create, _spec())
        socket = SlowSocket(read_s, ['{"type": "play", "rate": 60}'])
        session = StreamSession(socket, hub, jobs, live, rows=4, max_rate=60, persist_every_s=60)
        started = time.monotonic()
        runner = asyncio.ensure_future(session.run())
        await asyncio.sleep(1.0)
        await socket.inbox.put({"type": "websocket.disconnect"})
        await runner
        elapsed = time.monotonic() - started
        await session.finish()
        jobs.shutdown()
        return socket.sent, live.model.step_count, session.outbox.dropped, session.tasks, elapsed

    sent, steps, dropped, tasks, elapsed = asyncio.run(main())
    sent_steps = [m["step"] for m in sent]
    # The client reads at most one frame per read_s of the time the stream was open (measured, so a slow
    # machine that keeps it open longer is allowed more); the model stepped at its own rate meanwhile, and
    # the frames the client had no time for were dropped, not queued.
    assert len(sent) <= elapsed / read_s + 2 and steps > len(sent) and dropped > 0
    assert sent_steps == sorted(sent_steps) and "graph" in sent[0]
    assert all(task.done() for task in tasks)


def _spec():
    from backprop_playground.nets.spec import ModelSpec

    return ModelSpec.model_validate(XOR_EXAMPLE)


class _WaitSignallingLock:
    """A lock that sets `waited` when a caller asks for it willing to wait (the stream's second try)."""

    def __init__(self, lock) -> None:
        self.lock, self.waited = lock, threading.Event()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if blocking and timeout != 0:
            self.waited.set()
        return self.lock.acquire(blocking, timeout)

    def release(self) -> None:
        self.lock.release()


@pytest.mark.parametrize("released", [True, False])
def test_a_step_waits_briefly_for_a_model_another_request_holds(tmp_path, released):
    """Another request holds the model when a step comes: released 50 ms after the step began to wait
    (well within STEP_WAIT_S), the step runs; never released, the step gives up with a 'busy' error after
    STEP_WAIT_S. Both are decided by the order of events, not by how fast this machine is."""
    from backprop_playground.admission.jobs import JobPool
    from backprop_playground.hub import ModelHub

    async def main():
        hub = ModelHub(Store(f"sqlite:///{tmp_path / 'db'}"), DEFAULT_LIMITS, capacity=8, persist_every_s=60)
        jobs = JobPool(2)
        live, _ = await jobs.run(hub.create, _spec())
        socket = SlowSocket(0, [])
        session = StreamSession(socket, hub, jobs, live, rows=4, max_rate=60, persist_every_s=60)
        runner = asyncio.ensure_future(session.run())
        live.lock = lock = _WaitSignallingLock(live.lock)
        lock.acquire(blocking=False)  # the other request
        lock.waited.clear()

        def other_request():
            if lock.waited.wait(30):
                time.sleep(0.05)
                lock.release()

        holder = threading.Thread(target=other_request) if released else None
        if holder:
            holder.start()
        await socket.inbox.put({"type": "websocket.receive", "text": '{"type": "step"}'})
        await until(lambda: socket.sent, "the step's answer")
        await socket.inbox.put({"type": "websocket.disconnect"})
        await runner
        if holder:
            holder.join()
        else:
            lock.release()
        await session.finish()
        jobs.shutdown()
        return socket.sent[0]

    message = asyncio.run(main())
    assert message["type"] == ("trace" if released else "error")
    if not released:
        assert "busy" in message["detail"]


def test_writer_encodes_a_non_finite_trace_in_float32_without_warnings(tmp_path):
    import numpy as np

    from backprop_playground.nets.traces import Frame
    from backprop_playground.stream import StreamView
    from backprop_playground.wire import Encoding

    session = StreamSession(SlowSocket(0, []), None, None, None, rows=4, max_rate=60, persist_every_s=60)
    raw = {"graph": [{"id": "n0"}], "events": [{"type": "forward", "node": "n0",
                                                 "value": np.array([1e300, np.inf, np.nan])}]}
    for encoding in (Encoding(tensors="f32"), Encoding(summary_over=1), StreamView(rows=1).encoding):
        message = json.loads(session._encode(StreamMessage(frame=Frame(raw, 3), encoding=encoding)))
        assert message["step"] == 3 and message["events"][0]["seq"] == 0
    changed = StreamMessage(frame=Frame({**raw, "graph": []}, 0), encoding=encoding)
    assert "graph" in json.loads(session._encode(changed))


def test_queued_resets_and_lr_changes_coalesce_and_pause_drops_queued_steps():
    from backprop_playground.schema.ws import Config, Pause, Reset, Step

    session = StreamSession(SlowSocket(0, []), None, None, None, rows=4, max_rate=60, persist_every_s=60)
    for i in range(20_000):
        session._apply(Reset(type="reset", seed=i % 7))
        session._apply(Config(type="config", lr=0.1 + i % 3))
    session._apply(Step(type="step", count=64))
    queued_steps = session.pending
    session._apply(Pause(type="pause"))
    assert list(session.actions) == ["reset", "lr"] and queued_steps == 64 and session.pending == 0


class DeafSocket(SlowSocket):
    """A client that never reads: every send waits forever (the server's buffer is full)."""

    async def send(self, message: dict) -> None:
        await asyncio.Event().wait()


class GatedSocket(SlowSocket):
    """A client whose every send waits until the test opens `gate` (the transport paused, then drained)."""

    def __init__(self) -> None:
        super().__init__(0, [])
        self.gate: asyncio.Future | None = None

    async def send(self, message: dict) -> None:
        self.sent.append(json.loads(message["text"]))
        self.gate = asyncio.get_running_loop().create_future()
        await self.gate


@pytest.mark.parametrize("turns", range(6))
def test_a_stream_ends_even_when_a_send_completes_as_it_is_cancelled(turns):
    """The client leaves just as a waiting send completes: the writer is cancelled `turns` loop passes after
    the send's future settles. It must end, whatever the interleaving. (asyncio.wait_for on Python 3.11 let
    a cancellation go when the awaited send had completed in the same pass; the writer then waited for its
    next message forever, and so did the handler that cancelled it.)"""

    async def main():
        socket = GatedSocket()
        session = StreamSession(socket, None, None, None, rows=4, max_rate=60, persist_every_s=60)
        session.outbox.put_control({"type": "error", "detail": "x"})
        writer = asyncio.ensure_future(session._writer())
        await until(lambda: socket.gate is not None, "the send under way")
        socket.gate.set_result(None)
        for _ in range(turns):
            await asyncio.sleep(0)
        writer.cancel()
        for _ in range(20):  # passes of the loop, not time: enough for any interleaving to settle
            await asyncio.sleep(0)
        return writer.done() and writer.cancelled()

    assert asyncio.run(main())


@pytest.mark.parametrize("turns", range(4))
def test_a_stream_ends_even_when_a_command_wakes_its_sleep_as_it_is_cancelled(turns):
    """The same for the runner's paced sleep: woken by a command `turns` passes before it is cancelled."""

    async def main():
        session = StreamSession(SlowSocket(0, []), None, None, None, rows=4, max_rate=60, persist_every_s=60)
        sleeper = asyncio.ensure_future(session._sleep(60))
        await asyncio.sleep(0)
        session._wake.set()
        for _ in range(turns):
            await asyncio.sleep(0)
        finished_first = sleeper.done()  # it may have returned before the cancel: then nothing to honour
        sleeper.cancel()
        for _ in range(20):
            await asyncio.sleep(0)
        return sleeper.done() and (finished_first or sleeper.cancelled())

    assert asyncio.run(main())


def test_errors_a_client_leaves_unread_close_it_rather_than_vanish():
    """A client that floods bad commands while not reading: its errors queue (none is dropped); past
    MAX_CONTROL waiting, they give way to one last error and the stream closes with 4408, as a room's
    connection does. Decided by counts, not by time."""
    from backprop_playground.stream import MAX_CONTROL

    async def main():
        socket = GatedSocket()
        for _ in range(MAX_CONTROL + 8):
            socket.inbox.put_nowait({"type": "websocket.receive", "text": "not json"})
        session = StreamSession(socket, None, None, None, rows=4, max_rate=60, persist_every_s=60)
        runner = asyncio.ensure_future(session.run())
        await until(lambda: socket.gate is not None, "the first error's send under way")
        await until(lambda: socket.inbox.empty(), "every command read")
        for _ in range(10_000):  # passes of the loop: the client now reads whatever is sent
            if runner.done():
                break
            if not socket.gate.done():
                socket.gate.set_result(None)
            await asyncio.sleep(0)
        assert runner.done(), "the stream went on"
        return socket.sent, session.close_code, session.outbox.overflowed

    sent, code, overflowed = asyncio.run(main())
    assert code == 4408 and overflowed
    assert [m["type"] for m in sent] == ["error", "error"]
    assert "too slowly" in sent[-1]["detail"] and "4408" in sent[-1]["detail"]


def test_an_outbox_drops_no_error_below_its_bound():
    from backprop_playground.stream import MAX_CONTROL

    async def main():
        box = FrameOutbox()
        for i in range(MAX_CONTROL):
            box.put_control({"type": "error", "detail": str(i)})
        return [json.loads((await box.get())[0].text)["detail"] for _ in range(MAX_CONTROL)], box.overflowed

    details, overflowed = asyncio.run(main())
    assert details == [str(i) for i in range(MAX_CONTROL)] and not overflowed


def test_a_client_that_never_reads_is_closed_after_the_send_timeout(tmp_path):
    from backprop_playground.admission.jobs import JobPool
    from backprop_playground.hub import ModelHub

    async def main():
        hub = ModelHub(Store(f"sqlite:///{tmp_path / 'db'}"), DEFAULT_LIMITS, capacity=8, persist_every_s=60)
        jobs = JobPool(2)
        live, _ = await jobs.run(hub.create, _spec())
        session = StreamSession(DeafSocket(0, ['{"type": "play", "rate": 60}']), hub, jobs, live, rows=4,
                                max_rate=60, persist_every_s=60, send_timeout_s=0.3)
        # a bound only a failure reaches; before, it ran for as long as the client stayed
        await asyncio.wait_for(session.run(), DEADLINE_S)
        await session.finish()
        jobs.shutdown()
        return session.close_code, session.tasks

    code, tasks = asyncio.run(main())
    assert code == 4408 and all(task.done() for task in tasks)


def test_pause_stops_a_fast_forward_within_the_step_in_flight(tmp_path):
    """A pause ends the running batch after its step in flight: at most one step after the pause is applied
    (the batch checks for commands after every step), then a still frame at the model's step and nothing
    more. Decided by the order of events, not by speed."""
    from backprop_playground.admission.jobs import JobPool
    from backprop_playground.hub import ModelHub
    from backprop_playground.schema.ws import Pause

    async def main():
        hub = ModelHub(Store(f"sqlite:///{tmp_path / 'db'}"), DEFAULT_LIMITS, capacity=8, persist_every_s=60)
        jobs = JobPool(2)
        live, _ = await jobs.run(hub.create, _spec())
        socket = SlowSocket(0, ['{"type": "config", "fps": 20}', '{"type": "play", "rate": "max"}'])
        session = StreamSession(socket, hub, jobs, live, rows=4, max_rate=60, persist_every_s=60)
        at_pause = []
        apply = session._apply

        def noting(command):
            if isinstance(command, Pause):
                at_pause.append(live.model.step_count)
            apply(command)

        session._apply = noting
        runner = asyncio.ensure_future(session.run())
        await until(lambda: live.model.step_count > 200 and len(socket.sent) > 3, "a fast-forward under way")
        await socket.inbox.put({"type": "websocket.receive", "text": '{"type": "pause"}'})
        await until(lambda: socket.sent[-1]["type"] == "trace" and not any(
            e["type"] == "metrics" for e in socket.sent[-1]["events"]), "the still frame")
        stopped = live.model.step_count
        await asyncio.sleep(0.2)
        after = live.model.step_count
        await socket.inbox.put({"type": "websocket.disconnect"})
        await runner
        await session.finish()
        jobs.shutdown()
        return at_pause[0], stopped, after, socket.sent

    paused_at, stopped, after, sent = asyncio.run(main())
    assert stopped - paused_at <= 1 and after == stopped == sent[-1]["step"]
    covered = []
    for message in sent:
        if message["type"] == "progress":
            covered.extend(range(message["steps"][0], message["steps"][1] + 1))
        elif message["type"] == "trace":
            covered.extend(e["step"] for e in message["events"] if e["type"] == "metrics")
    assert covered == list(range(1, stopped + 1))


def test_a_dropped_fast_forward_frame_gives_its_loss_to_the_progress_messages():
    async def main():
        box = FrameOutbox()
        box.add_points([(1, 0.5, None), (2, 0.4, None)])
        box.put_frame(StreamMessage("f3", point=(3, 0.3, None)))
        box.add_points([(4, 0.2, None)])
        box.put_frame(StreamMessage("f5", point=(5, 0.1, None)))  # replaces f3, whose loss must not be lost
        return [(await box.get())[0].text for _ in range(2)], box.points

    (progress, frame), left = asyncio.run(main())
    assert json.loads(progress) == {"type": "progress", "steps": [1, 4], "loss": [0.5, 0.4, 0.3, 0.2]}
    assert frame == "f5" and left == []


def test_a_fast_forward_waits_while_its_client_leaves_too_many_losses_unread(tmp_path, monkeypatch):
    """Losses are never dropped, so a client that reads nothing holds its fast-forward at the bound of
    unsent losses (here 300) until it reads (or the send timeout closes it): memory stays bounded."""
    import backprop_playground.stream as stream
    from backprop_playground.admission.jobs import JobPool
    from backprop_playground.hub import ModelHub

    monkeypatch.setattr(stream, "MAX_UNSENT_POINTS", 300)

    async def main():
        hub = ModelHub(Store(f"sqlite:///{tmp_path / 'db'}"), DEFAULT_LIMITS, capacity=8, persist_every_s=60)
        jobs = JobPool(2)
        live, _ = await jobs.run(hub.create, _spec())
        session = StreamSession(DeafSocket(0, ['{"type": "play", "rate": "max"}']), hub, jobs, live, rows=4,
                                max_rate=60, persist_every_s=60, send_timeout_s=DEADLINE_S)
        runner = asyncio.ensure_future(session.run())
        await until(lambda: len(session.outbox.points) >= 300, "300 losses unsent")
        seen = []

        def stalled() -> bool:
            seen.append(live.model.step_count)
            return len(seen) > 10 and seen[-1] == seen[-11]  # no step for ten polls in a row

        await until(stalled, "the fast-forward holding", interval=0.02)
        unsent = len(session.outbox.points)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        jobs.shutdown()
        return unsent, live.model.step_count

    unsent, steps = asyncio.run(main())
    assert 300 <= unsent < steps
