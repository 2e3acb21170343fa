"""A WebSocket stream of one model's training (docs/contracts.md §5): commands in, traces and losses out.

The protocol, message by message (JSON text both ways):

    client → server  {"type": "auth", "token"} first (checked by api/stream.py), then commands, parsed by
                     schema/ws.py `parse_command`: step {count?}, play {rate: number | "max"}, pause,
                     reset {seed?}, config {lr?, rows?, encoding?, summary_over?, fps?}
    server → client  {"type": "trace", "schema_version", "step", "graph"?, "events", "rows"?, "diverged"?}
                     one per step up to max_stream_rate (`wire.stream_trace`: the graph first and whenever
                     it changes); when fast-forwarding, one per frame (at most `fps` a second) and
                     {"type": "progress", "steps": [first, last], "loss", "accuracy"?} before it, with the
                     losses of the untraced steps since the previous one;
                     {"type": "error", "detail", "diverged"?} for a bad command, a refused step or a
                     periodic save the database refused (the stream goes on; the save is tried again)
    close codes      4401 no token, 4403 wrong token, 4429 too many streams (api/stream.py); 4404 no such
                     model (api/stream.py, or here when it is deleted), 4409 another replica saved it,
                     4408 the client read nothing for `send_timeout_s` or left MAX_CONTROL errors unread,
                     1011 a task failed (here)

Three tasks per connection: the reader parses commands (a bad one is answered with an error message),
the runner runs steps in CPU jobs (paced by `play`, or one per `step`), and the writer encodes and sends.
Between runner and writer sits a FrameOutbox (sockets.py's outbox, which rooms use too) holding only the
newest frame, so a slow client gets fewer, newer frames and memory stays bounded; a frame is encoded only
when it is sent, so a dropped one costs no encoding. The graph goes out with the first frame and again only
when it changes. A client that reads nothing for `send_timeout_s`, or leaves MAX_CONTROL errors unread, is
closed (4408) after one last error saying why; the error that ends a stream (4404, 4409) goes out before
anything still waiting.

Steps are not frames. Up to `max_stream_rate` (60/s) `play` traces every step, as `step` does. Faster
(up to `max_play_rate`, or "max") it fast-forwards: each lane turn runs a batch of untraced steps (the
engine without a Recorder), bounded in time (MAX_TURN_S, less when other jobs wait on the lane) and ended
early by any command, and traces the turn's last step when a frame is due (`fps`, capped by
`max_stream_fps`). The untraced steps' losses wait in the outbox in order and go out as `progress`
messages just before the next frame; a frame that a newer one replaces gives its step's loss to them, so
no step's loss is lost to latest-wins. When fast-forwarding stops (pause; not a diverged step, whose frame
says so), a still frame (the trace at the model's parameters, without metrics) shows where it stopped: the
client's sign that no more steps come.

Steps run on the fair lanes of the job pool (admission/lanes.py), light or heavy by the step's measured cost.
Commands never pile up: steps are a counter (at most MAX_PENDING_STEPS), and a queued `reset` or `lr`
change is replaced by a newer one of its kind, so at most one of each waits.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Any

from starlette.websockets import WebSocketDisconnect

from backprop_playground import wire
from backprop_playground.admission import budget as admit
from backprop_playground.admission.jobs import JobPool
from backprop_playground.hub import LiveModel, ModelBusy, ModelConflict, ModelHub, UnknownModel
from backprop_playground.nets.model import Model
from backprop_playground.nets.traces import Frame, step_frame, trace_frame, trace_rows
from backprop_playground.schema.ws import (
    MAX_PENDING_STEPS,
    Command,
    Config,
    Pause,
    Play,
    Reset,
    Step,
    parse_command,
)
from backprop_playground.sockets import CLOSE_TOO_SLOW, Outbox, send_now, texts
from backprop_playground.store import StorageError
from backprop_playground.wire import Encoding

log = logging.getLogger("backprop_playground.stream")
STEP_WAIT_S = 0.25  # how long a stream step waits for a model another request holds
FLOPS_PER_S = 1e9  # a rough rate of the engine, to guess a stream's first step cost before measuring it
ENCODE_APART_S = 0.01  # frames of models whose steps cost more are encoded in a thread, off the event loop
MAX_TURN_S = 0.03  # a fast-forward batch's time on its lane, alone there...
MIN_TURN_S = 0.002  # ...and at least, however many jobs wait (a step longer than the turn still runs)
ROUND_S = 0.1  # with jobs waiting, a batch takes ROUND_S / (waiting + 1), so turns come round quickly
MIN_BATCH_S = 0.01  # a paced fast-forward waits for this many seconds of steps before it asks for a turn
MAX_BEHIND_S = 0.5  # steps a paced fast-forward owes (the lane was busy) beyond this are let go
MAX_UNSENT_POINTS = 50_000  # losses not yet sent, at most: beyond, fast-forward waits for the client
DEFAULT_FPS = 30.0
MAX_CONTROL = 32  # errors (never dropped) waiting unsent, at most: beyond, the client is too slow (4408)
INLINE_SAVE_MARGIN_S = 0.05  # a step runs on the event loop only if no save comes due within this
Point = tuple[int, float, float | None]  # (step, loss, accuracy) of one step


@dataclass(frozen=True)
class StreamMessage:
    """One message: ready `text`, or a model's `frame` (nets.traces.Frame, whose arrays the engine never
    writes again) that the writer encodes in `encoding` when it sends it."""

    text: str = ""
    frame: Frame | None = None
    encoding: Encoding = Encoding()
    point: Point | None = None  # a fast-forward frame's own step: kept as a loss if the frame is dropped


def _text(message: dict[str, Any]) -> StreamMessage:
    return StreamMessage(wire.dumps(message).decode())


def _too_slow(limit: int) -> StreamMessage:
    return _text({"type": "error", "detail": (
        f"the client reads too slowly: {limit} messages waited unsent; closing ({CLOSE_TOO_SLOW})")})


class FrameOutbox(Outbox[StreamMessage]):
    """A stream's outbox (sockets.Outbox): control messages (errors) in order, one slot ("frame") for the
    newest trace frame, and the losses of fast-forwarded steps (`points`, in order), which go out as
    `progress` messages before the frame that follows them and are never dropped. A control message is
    never dropped either: when MAX_CONTROL wait unsent, the client is too slow, and what waits gives way
    to one last error (`overflowed`: the stream closes with 4408, as a room's connection does)."""

    def __init__(self) -> None:
        super().__init__(MAX_CONTROL, _too_slow)
        self.dropped = 0  # frames replaced unsent
        self.points: list[Point] = []
        self.before_frame = 0  # how many of `points` precede the frame in the slot

    def put_frame(self, message: StreamMessage) -> None:
        replaced = self.latest("frame", message)
        if replaced is not None:
            self._dropped(replaced)
        self.before_frame = len(self.points)

    def _dropped(self, frame: StreamMessage) -> None:
        self.dropped += 1
        if frame.point is not None:  # its step's loss goes out with the others, in its place
            self.points.insert(self.before_frame, frame.point)

    def add_points(self, points: list[Point]) -> None:
        """Losses of untraced steps; they go out just before the next frame (no wake-up of their own)."""
        self.points.extend(points)

    def put_control(self, message: dict[str, Any] | StreamMessage, *, last: bool = False) -> None:
        """Queue a message that must not be dropped (sent before any trace frame waiting in the slot), or,
        `last`, the final one (sent first; the stream then closes). A trace (a diverged step's) replaces
        the waiting frame and goes after every loss before it."""
        if not isinstance(message, StreamMessage):
            message = _text(message)
        if last:
            self.end(message)
            return
        if message.frame is not None and self.final is None:
            replaced = self.slots.pop("frame", None)
            if replaced is not None:
                self._dropped(replaced)
            while self.points:  # the losses before it, as progress, ahead of it (not counted as controls)
                self.queue.append(self._progress(len(self.points)))
            self.before_frame = 0
        self.put(message)

    def clear(self) -> None:
        super().clear()
        self.points, self.before_frame = [], 0

    def take(self) -> tuple[StreamMessage | None, bool]:
        if self.final is None and not self.queue and self.before_frame and "frame" in self.slots:
            return self._progress(self.before_frame), False
        return super().take()

    def _progress(self, upto: int) -> StreamMessage:
        """A progress message of the longest run of consecutive steps at the front of points[:upto]."""
        points = self.points
        run = 1
        while run < upto and points[run][0] == points[run - 1][0] + 1:
            run += 1
        chunk = points[:run]
        del points[:run]
        self.before_frame = max(0, self.before_frame - run)
        message: dict[str, Any] = {"type": "progress", "steps": [chunk[0][0], chunk[-1][0]],
                                   "loss": [wire.number(p[1]) for p in chunk]}
        if any(p[2] is not None for p in chunk):
            message["accuracy"] = [p[2] for p in chunk]
        return _text(message)


@dataclass(frozen=True)
class Plan:
    """One fast-forward turn: at most `steps` steps for about `turn_s` seconds (one at least, unless a
    command came first), the last one traced if `frame_at` (time.monotonic) has come by then; `stop()`
    ends it after the step in flight (a command arrived)."""

    steps: int
    turn_s: float
    frame_at: float
    stop: Callable[[], bool]


@dataclass(frozen=True)
class Ran:
    """What a job did: its frame (if any), the losses of its untraced steps and how many steps it took."""

    frame: Frame | None = None
    points: tuple[Point, ...] | list[Point] = ()
    steps: int = 0
    point: Point | None = None  # the traced step's own (step, loss, accuracy), in fast-forward


@dataclass(frozen=True)
class StreamView:
    """What the client asked to see: how many rows and which tensor encoding."""

    rows: int
    encoding: Encoding = Encoding()


class StreamSession:
    """One connection's state; `run()` returns when the client leaves (or the model is deleted)."""

    def __init__(self, socket, hub: ModelHub, jobs: JobPool, live: LiveModel, *, rows: int,
                 max_rate: float, persist_every_s: float, client: str = "",
                 send_timeout_s: float = 10.0, max_play_rate: float = 2000.0,
                 max_fps: float = DEFAULT_FPS) -> None:
        self.socket, self.hub, self.jobs, self.live = socket, hub, jobs, live
        self.view = StreamView(rows=rows)
        self.max_rate = max_rate
        self.max_play_rate = max_play_rate
        self.max_fps = max_fps
        self.fps = min(DEFAULT_FPS, max_fps)
        self.fast = False  # fast-forwarding: untraced steps, a traced frame at most `fps` times a second
        self.forwarded = False  # steps were fast-forwarded since the last still frame or other trace
        self.commands = 0  # commands applied so far: a fast-forward batch ends when it changes
        self.next_frame_at = 0.0
        self.paced_from: float | None = None  # when a paced fast-forward started counting its steps
        self.paced_steps = 0
        self.persist_every_s = persist_every_s
        self.client = client
        self.send_timeout_s = send_timeout_s
        self.cost_s = _guess_cost(live.model) if live is not None else 0.0
        self.playing = False
        self.rate = 1.0
        self.pending = 0
        # Queued model changes by kind ("reset", "lr"): a newer one replaces a waiting one.
        self.actions: dict[str, Callable[[], Awaitable[None]]] = {}
        self.outbox = FrameOutbox()
        self.graph_sent: Any = None  # the graph the client has (as the recorder gave it), set by the writer
        self.tasks: list[asyncio.Task] = []
        self.close_code = 1000
        self._wake = asyncio.Event()

    async def run(self) -> None:
        self.tasks = [
            asyncio.create_task(self._reader(), name="stream-reader"),
            asyncio.create_task(self._runner(), name="stream-runner"),
            asyncio.create_task(self._writer(), name="stream-writer"),
        ]
        try:
            done, _ = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.cancelled() or isinstance(task.exception(), WebSocketDisconnect):
                    continue
                if task.exception() is not None:
                    log.error("stream task failed", exc_info=task.exception())
                    self.close_code = 1011
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

    # ---- reader: commands in ----
    async def _reader(self) -> None:
        async with aclosing(texts(self.socket)) as messages:
            async for text in messages:
                if text is None:
                    self.outbox.put_control({"type": "error", "detail": "commands are JSON text messages"})
                    continue
                try:
                    self._apply(parse_command(text))
                except ValueError as exc:  # answered; the stream goes on (a room's connection would end)
                    self.outbox.put_control({"type": "error", "detail": str(exc)})

    def _apply(self, command: Command) -> None:
        self.commands += 1
        if isinstance(command, Step):
            self.pending = min(self.pending + command.count, MAX_PENDING_STEPS)
        elif isinstance(command, Play):
            self.fast = command.rate == "max" or command.rate > self.max_rate
            if command.rate == "max":
                self.rate = math.inf
            else:
                self.rate = min(command.rate, self.max_play_rate if self.fast else self.max_rate)
            self.playing, self.paced_from = True, None
        elif isinstance(command, Pause):
            self.playing, self.pending = False, 0
        elif isinstance(command, Reset):
            self.pending = 0
            self._queue("reset", lambda: self._model_job(_reset, command.seed))
        else:
            self._configure(command)
        self._wake.set()

    def _configure(self, command: Config) -> None:
        view = self.view
        if command.rows is not None:
            view = replace(view, rows=command.rows)
        if command.encoding is not None:
            view = replace(view, encoding=replace(view.encoding, tensors=command.encoding))
        if "summary_over" in command.model_fields_set:
            view = replace(view, encoding=replace(view.encoding, summary_over=command.summary_over))
        self.view = view
        if command.fps is not None:
            self.fps = min(command.fps, self.max_fps)
        if command.lr is not None:
            self._queue("lr", lambda: self._model_job(_set_lr, command.lr))

    def _queue(self, kind: str, action: Callable[[], Awaitable[None]]) -> None:
        self.actions.pop(kind, None)  # the newer one goes last, after what came before it
        self.actions[kind] = action

    # ---- runner: model work in CPU jobs ----
    async def _runner(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            self._wake.clear()
            if self.actions:
                kind = next(iter(self.actions))
                await self.actions.pop(kind)()
            elif self.pending:
                self.pending -= 1
                await self._model_job(_step)
            elif self.playing and self.fast:
                await self._fast_forward()
            elif self.playing:
                delay = next_at - loop.time()
                if delay > 0:
                    await self._sleep(delay)
                    continue
                next_at = max(next_at + 1.0 / self.rate, loop.time())
                await self._model_job(_step)
            elif self.forwarded:  # fast-forward stopped: show where the model is
                self.forwarded = False  # once, even if the trace is refused
                await self._model_job(_still)
            else:
                await self._wake.wait()
                next_at = loop.time()

    async def _fast_forward(self) -> None:
        """One fast-forward turn on the lane (or a wait until steps or the client are due)."""
        now = time.monotonic()
        if len(self.outbox.points) >= MAX_UNSENT_POINTS:  # the client reads too slowly: let it catch up
            await self._sleep(1.0 / self.fps)
            return
        if math.isinf(self.rate):
            steps = 1 << 30
        else:
            if self.paced_from is None:
                self.paced_from, self.paced_steps = now, 0
            owed = int((now - self.paced_from) * self.rate) - self.paced_steps
            if owed > self.rate * MAX_BEHIND_S:  # the lane was busy: what it could not give is let go
                self.paced_from = now - (self.paced_steps + self.rate * MAX_BEHIND_S) / self.rate
                owed = int(self.rate * MAX_BEHIND_S)
            wanted = max(1, int(self.rate * MIN_BATCH_S))
            if owed < wanted:
                await self._sleep(self.paced_from + (self.paced_steps + wanted) / self.rate - now)
                return
            steps = owed
        queued = self.jobs.lanes.queued(self.cost_s)
        turn_s = max(MIN_TURN_S, min(MAX_TURN_S, ROUND_S / (queued + 1)))
        commands = self.commands
        plan = Plan(steps, turn_s, self.next_frame_at, lambda: self.commands != commands)
        ran = await self._model_job(_batch, plan)
        if ran is not None:
            self.paced_steps += ran.steps
            if ran.frame is not None:
                self.next_frame_at = time.monotonic() + 1.0 / self.fps

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the next tick, or until a command arrives."""
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _end(self, code: int, exc: Exception) -> None:
        """Say why as the last message, let the writer close the stream with `code`, and do nothing more."""
        self.close_code = code
        self.outbox.put_control({"type": "error", "detail": str(exc)}, last=True)
        await asyncio.Future()

    async def _model_job(self, work: Callable[..., Any], *args: Any) -> Ran | None:
        # A traced step of a tiny model may run on the event loop itself (lanes.LoopLane: no thread
        # hand-off), unless a save comes due about now (the loop never waits for the database).
        inline = (work is _step
                  and self.hub.save_due_in(self.live, self.persist_every_s) > INLINE_SAVE_MARGIN_S)
        try:
            try:
                ran, unsaved = await self.jobs.step(self._locked, work, self.view, *args,
                                                    client=self.client, cost_s=self.cost_s, inline=inline,
                                                    wait_s=0.0, may_save=not inline)
            except ModelBusy:
                # Another request holds the model: wait for it in a pool thread, not on the stream lane.
                ran, unsaved = await self.jobs.run(self._locked, work, self.view, *args, wait=True,
                                                   wait_s=STEP_WAIT_S, may_save=True)
        except ModelConflict as exc:
            # Another replica saved the model (a failover): this copy is gone; the client reconnects and
            # streams the saved model.
            await self._end(4409, exc)
        except UnknownModel as exc:
            await self._end(4404, exc)  # the model was deleted
        except (ModelBusy, ValueError) as exc:
            if isinstance(exc, ValueError) and work is _batch:
                self.playing = False  # a refused fast-forward would be refused again at once, every turn
            self.outbox.put_control({"type": "error", "detail": str(exc)})
            return None
        if ran.points:
            self.outbox.add_points(ran.points)
        if work is _batch:
            self.forwarded = self.forwarded or ran.steps > 0
        elif ran.frame is not None:
            self.forwarded = False  # a step, a reset or a slow play's trace shows the model already
        if unsaved is not None:
            # The step stands (in memory); the client learns that it is not saved yet, and why.
            self.outbox.put_control({"type": "error", "detail": (
                f"{unsaved}; the stream goes on, its steps are kept in memory and the save is tried again "
                f"every {self.persist_every_s:g} s")})
        if ran.frame is None:
            return ran
        message = StreamMessage(frame=ran.frame, encoding=self.view.encoding, point=ran.point)
        if ran.frame.diverged is None:
            self.outbox.put_frame(message)
            return ran
        # Divergence pauses the stream; its trace and the error both reach the client, in that order.
        self.playing, self.pending, self.forwarded = False, 0, False
        diverged = ran.frame.diverged
        self.outbox.put_control(message)
        self.outbox.put_control({"type": "error", "detail": diverged["message"], "diverged": diverged})
        return ran

    def _locked(self, work: Callable[..., Any], view: StreamView, *args: Any, wait_s: float,
                may_save: bool = True) -> tuple[Ran, StorageError | None]:
        """In a worker (or, for a tiny step, on the event loop with `wait_s` 0 and not `may_save`): run
        `work` holding the model (ModelBusy if another request keeps it longer than `wait_s`) and save if due
        and `may_save`; the writer encodes the frame it returns, in the view's encoding. Also returns the
        reason a due save was refused, if it was."""
        with self.live.held(wait_s) as model:
            started = time.thread_time()
            ran = work(model, view, *args)
            if not isinstance(ran, Ran):
                ran = Ran(frame=ran, steps=int(work is _step))
            used = (time.thread_time() - started) / max(1, ran.steps)
            # The lane of the next step follows one step's cost (a recent average, quick to rise).
            self.cost_s = used if used > self.cost_s else 0.8 * self.cost_s + 0.2 * used
            unsaved = self.hub.save_if_due(self.live, self.persist_every_s, may_save=may_save)
        return ran, unsaved

    # ---- writer: frames out ----
    async def _writer(self) -> None:
        while True:
            message, last = await self.outbox.get()
            if message.frame is None:
                text = message.text
            elif self.cost_s > ENCODE_APART_S:  # a large model's frame: megabytes to encode
                text = await asyncio.to_thread(self._encode, message)
            else:
                text = self._encode(message)
            if not await self._send(text):
                # The client reads nothing: the server's send buffer would only grow. Let it go.
                log.info("stream of model %s closed: its client read nothing for %g s",
                         self.live.id, self.send_timeout_s)
                self.close_code = CLOSE_TOO_SLOW
                return
            if last:
                if self.outbox.overflowed:
                    self.close_code = CLOSE_TOO_SLOW
                return

    async def _send(self, text: str) -> bool:
        """Send `text`; False when the client read nothing for `send_timeout_s`. The send's first step runs
        right here (sockets.send_now): only a send that waits (the client reads slowly) is awaited, under
        the timeout."""
        rest = send_now(self.socket, text)
        if rest is None:
            return True
        try:
            async with asyncio.timeout(self.send_timeout_s):
                await rest
        except TimeoutError:
            return False
        return True

    def _encode(self, message: StreamMessage) -> str:
        """The trace message of a recorded step, with the graph if the client does not have it yet."""
        graph = message.frame.trace["graph"]
        new_graph = graph is not self.graph_sent and graph != self.graph_sent  # steps share one (GraphCache)
        self.graph_sent = graph
        return wire.dumps(wire.stream_trace(message.frame, message.encoding, with_graph=new_graph)).decode()

    async def finish(self) -> None:
        """Save what the stream changed since the last periodic save."""
        if self.live.dirty and not self.live.deleted:
            try:
                await self.jobs.run(_save, self.hub, self.live, wait=True)
            except (UnknownModel, ModelBusy, StorageError):
                pass  # a refused save was logged; the changes stay in memory for a later one


def _guess_cost(model: Model) -> float:
    """A first step's CPU time, guessed from the multiply-adds of forward and backward over the batch."""
    weights = sum(layer["W"].size for layer in model.params)
    return 6.0 * admit.step_rows(model) * weights / FLOPS_PER_S


def _step(model: Model, view: StreamView) -> Frame:
    """One recorded training step (nets.traces.step_frame), after the stream's limits for it."""
    rows = trace_rows(model, view.rows)
    admit.check_trace(model, len(rows), view.encoding)  # a step_work or trace_elements error: nothing ran
    return step_frame(model, rows)


def _batch(model: Model, view: StreamView, plan: Plan) -> Ran:
    """A fast-forward turn (docs/contracts.md §5): untraced steps for the turn's time, the last one traced if
    a frame is due by then. A frame coming due during the turn ends it there; one already due when it began
    waits for the turn's end, so under load a turn is still mostly steps. A command ends the turn after the
    step in flight, untraced. A diverging step is taken again traced: its frame says where (no metrics)."""
    rows = trace_rows(model, view.rows)
    admit.check_trace(model, len(rows), view.encoding)  # as a traced step's: nothing ran yet
    started = time.monotonic()
    until = started + plan.turn_s
    if started < plan.frame_at < until:
        until = plan.frame_at
    points: list[Point] = []
    while not plan.stop():
        now = time.monotonic()
        last = len(points) + 1 >= plan.steps or now >= until  # the turn's last step
        if last and now >= plan.frame_at:
            frame = step_frame(model, rows)
            if frame.diverged is not None:
                return Ran(_without_metrics(frame), points, len(points))
            metrics = model.metrics
            return Ran(frame, points, len(points) + 1, (frame.step, metrics["loss"], metrics["accuracy"]))
        result = model.take_step(record=False)
        if result.diverged is not None:
            return Ran(_without_metrics(step_frame(model, rows)), points, len(points))
        points.append((result.step, result.loss, result.accuracy))
        if last:
            break
    return Ran(None, points, len(points))


def _still(model: Model, view: StreamView) -> Frame:
    """Where a fast-forward stopped: the trace at the model's parameters, with no step and no metrics (its
    step's loss was already sent)."""
    return _without_metrics(_trace(model, view))


def _without_metrics(frame: Frame) -> Frame:
    events = [event for event in frame.trace["events"] if event["type"] != "metrics"]
    return replace(frame, trace={**frame.trace, "events": events})


def _trace(model: Model, view: StreamView) -> Frame:
    rows = trace_rows(model, view.rows)
    admit.check_trace(model, len(rows), view.encoding, step=False)
    return trace_frame(model, rows)


def _reset(model: Model, view: StreamView, seed: int | None) -> Frame:
    model.reset(seed)
    return _trace(model, view)


def _set_lr(model: Model, view: StreamView, lr: float) -> None:
    model.set_hyper(lr=lr)
    return None


def _save(hub: ModelHub, live: LiveModel) -> None:
    with live.held(5.0):
        hub.save(live)
