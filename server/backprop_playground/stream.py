"""A WebSocket stream of one model's training (docs/contracts.md §5): commands in, one trace per step out.

The protocol, message by message (JSON text both ways):

    client → server  {"type": "auth", "token"} first (checked by api/stream.py), then commands, parsed by
                     schema/ws.py `parse_command`: step {count?}, play {rate}, pause, reset {seed?},
                     config {lr?, rows?, encoding?, summary_over?}
    server → client  {"type": "trace", "schema_version", "step", "graph"?, "events", "rows"?, "diverged"?}
                     one per step (`wire.stream_trace`: the graph first and whenever it changes), and
                     {"type": "error", "detail", "diverged"?} for a bad command, a refused step or a
                     periodic save the database refused (the stream goes on; the save is tried again)
    close codes      4401 no token, 4403 wrong token, 4429 too many streams (api/stream.py); 4404 no such
                     model (api/stream.py, or here when it is deleted), 4409 another replica saved it,
                     4408 the client read nothing for `send_timeout_s`, 1011 a task failed (here)

Three tasks per connection: the reader parses commands (a bad one is answered with an error message),
the stepper runs steps in CPU jobs (paced by `play`, or one per `step`), and the writer encodes and sends.
Between stepper and writer sits an Outbox holding only the newest frame, so a slow client gets fewer,
newer frames and memory stays bounded; a frame is encoded only when it is sent, so a dropped one costs
no encoding. The graph goes out with the first frame and again only when it changes. A client that reads
nothing for `send_timeout_s` is closed (4408).

Steps run on the fair lanes of the job pool (lanes.py), light or heavy by the step's measured cost.
Commands never pile up: steps are a counter (at most MAX_PENDING_STEPS), and a queued `reset` or `lr`
change is replaced by a newer one of its kind, so at most one of each waits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from starlette.websockets import WebSocketDisconnect

from backprop_playground import budget as admit
from backprop_playground import wire
from backprop_playground.hub import LiveModel, ModelBusy, ModelConflict, ModelHub, UnknownModel
from backprop_playground.jobs import JobPool
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
from backprop_playground.store import StorageError
from backprop_playground.wire import Encoding

log = logging.getLogger("backprop_playground.stream")
STEP_WAIT_S = 0.25  # how long a stream step waits for a model another request holds
CLOSE_TIMEOUT_S = 1.0  # how long a closing handshake may wait for a client that does not read
FLOPS_PER_S = 1e9  # a rough rate of the engine, to guess a stream's first step cost before measuring it
ENCODE_APART_S = 0.01  # frames of models whose steps cost more are encoded in a thread, off the event loop


@dataclass(frozen=True)
class Message:
    """One message: ready `text`, or a model's `frame` (nets.traces.Frame, whose arrays the engine never
    writes again) that the writer encodes in `encoding` when it sends it."""

    text: str = ""
    frame: Frame | None = None
    encoding: Encoding = Encoding()
    last: bool = False  # the writer closes the stream after sending it


class Outbox:
    """Control messages (errors) in order, plus a single slot for the newest trace frame."""

    def __init__(self) -> None:
        self.frame: Message | None = None
        self.control: deque[Message] = deque(maxlen=32)
        self.dropped = 0
        self._ready = asyncio.Event()

    def put_frame(self, message: Message) -> None:
        if self.frame is not None:
            self.dropped += 1
        self.frame = message
        self._ready.set()

    def put_control(self, message: dict[str, Any] | Message, *, last: bool = False) -> None:
        """Queue a message that must not be dropped (sent before any trace frame waiting in the slot)."""
        if not isinstance(message, Message):
            message = Message(wire.dumps(message).decode(), last=last)
        self.control.append(message)
        self._ready.set()

    async def get(self) -> Message:
        while True:
            if self.control:
                return self.control.popleft()
            if self.frame is not None:
                frame, self.frame = self.frame, None
                return frame
            self._ready.clear()
            await self._ready.wait()


@dataclass(frozen=True)
class View:
    """What the client asked to see: how many rows and which tensor encoding."""

    rows: int
    encoding: Encoding = Encoding()


class StreamSession:
    """One connection's state; `run()` returns when the client leaves (or the model is deleted)."""

    def __init__(self, socket, hub: ModelHub, jobs: JobPool, live: LiveModel, *, rows: int,
                 max_rate: float, persist_every_s: float, client: str = "",
                 send_timeout_s: float = 10.0) -> None:
        self.socket, self.hub, self.jobs, self.live = socket, hub, jobs, live
        self.view = View(rows=rows)
        self.max_rate = max_rate
        self.persist_every_s = persist_every_s
        self.client = client
        self.send_timeout_s = send_timeout_s
        self.cost_s = _guess_cost(live.model) if live is not None else 0.0
        self.playing = False
        self.rate = 1.0
        self.pending = 0
        # Queued model changes by kind ("reset", "lr"): a newer one replaces a waiting one.
        self.actions: dict[str, Callable[[], Awaitable[None]]] = {}
        self.outbox = Outbox()
        self.graph_sent: Any = None  # the graph the client has (as the recorder gave it), set by the writer
        self.tasks: list[asyncio.Task] = []
        self.close_code = 1000
        self._wake = asyncio.Event()

    async def run(self) -> None:
        self.tasks = [
            asyncio.create_task(self._reader(), name="stream-reader"),
            asyncio.create_task(self._stepper(), name="stream-stepper"),
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
        # The same ASGI receive loop as a room's reader (rooms/registry.py), kept apart on purpose: a bad
        # message is answered here and ends the connection there.
        while True:
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                self.outbox.put_control({"type": "error", "detail": "commands are JSON text messages"})
                continue
            try:
                self._apply(parse_command(text))
            except ValueError as exc:
                self.outbox.put_control({"type": "error", "detail": str(exc)})
            # Commands already buffered are received without a pause; let other connections run between.
            await asyncio.sleep(0)

    def _apply(self, command: Command) -> None:
        if isinstance(command, Step):
            self.pending = min(self.pending + command.count, MAX_PENDING_STEPS)
        elif isinstance(command, Play):
            self.playing, self.rate = True, min(command.rate, self.max_rate)
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
        if command.lr is not None:
            self._queue("lr", lambda: self._model_job(_set_lr, command.lr))

    def _queue(self, kind: str, action: Callable[[], Awaitable[None]]) -> None:
        self.actions.pop(kind, None)  # the newer one goes last, after what came before it
        self.actions[kind] = action

    # ---- stepper: model work in CPU jobs ----
    async def _stepper(self) -> None:
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
            elif self.playing:
                delay = next_at - loop.time()
                if delay > 0:
                    await self._sleep(delay)
                    continue
                next_at = max(next_at + 1.0 / self.rate, loop.time())
                await self._model_job(_step)
            else:
                await self._wake.wait()
                next_at = loop.time()

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the next tick, or until a command arrives."""
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    async def _end(self, code: int, exc: Exception) -> None:
        """Say why as the last message, let the writer close the stream with `code`, and do nothing more."""
        self.close_code = code
        self.outbox.put_control({"type": "error", "detail": str(exc)}, last=True)
        await asyncio.Future()

    async def _model_job(self, work: Callable[..., Any], *args: Any) -> None:
        try:
            try:
                message, unsaved = await self.jobs.step(self._locked, work, self.view, *args,
                                                        client=self.client, cost_s=self.cost_s, wait_s=0.0)
            except ModelBusy:
                # Another request holds the model: wait for it in a pool thread, not on the stream lane.
                message, unsaved = await self.jobs.run(self._locked, work, self.view, *args, wait=True,
                                                       wait_s=STEP_WAIT_S)
        except ModelConflict as exc:
            # Another replica saved the model (a failover): this copy is gone; the client reconnects and
            # streams the saved model.
            await self._end(4409, exc)
        except UnknownModel as exc:
            await self._end(4404, exc)  # the model was deleted
        except (ModelBusy, ValueError) as exc:
            self.outbox.put_control({"type": "error", "detail": str(exc)})
            return
        if unsaved is not None:
            # The step stands (in memory); the client learns that it is not saved yet, and why.
            self.outbox.put_control({"type": "error", "detail": (
                f"{unsaved}; the stream goes on, its steps are kept in memory and the save is tried again "
                f"every {self.persist_every_s:g} s")})
        if message is None:
            return
        if message.frame.diverged is None:
            self.outbox.put_frame(message)
            return
        # Divergence pauses the stream; its trace and the error both reach the client, in that order.
        self.playing, self.pending = False, 0
        diverged = message.frame.diverged
        self.outbox.put_control(message)
        self.outbox.put_control({"type": "error", "detail": diverged["message"], "diverged": diverged})

    def _locked(self, work: Callable[..., Any], view: View, *args: Any,
                wait_s: float) -> tuple[Message | None, StorageError | None]:
        """In a worker: run `work` holding the model (ModelBusy if another request keeps it longer than
        `wait_s`) and save if due; the writer encodes the frame it returns, in the view's encoding. Also
        returns the reason a due save was refused, if it was."""
        with self.live.held(wait_s) as model:
            started = time.thread_time()
            frame = work(model, view, *args)
            used = time.thread_time() - started
            # The lane of the next step follows this one's cost (a recent average, quick to rise).
            self.cost_s = used if used > self.cost_s else 0.8 * self.cost_s + 0.2 * used
            unsaved = self.hub.save_if_due(self.live, self.persist_every_s)
        return (None if frame is None else Message(frame=frame, encoding=view.encoding)), unsaved

    # ---- writer: frames out ----
    async def _writer(self) -> None:
        while True:
            message = await self.outbox.get()
            if message.frame is None:
                text = message.text
            elif self.cost_s > ENCODE_APART_S:  # a large model's frame: megabytes to encode
                text = await asyncio.to_thread(self._encode, message)
            else:
                text = self._encode(message)
            try:
                await asyncio.wait_for(self.socket.send_text(text), self.send_timeout_s)
            except TimeoutError:
                # The client reads nothing: the server's send buffer would only grow. Let it go.
                log.info("stream of model %s closed: its client read nothing for %g s",
                         self.live.id, self.send_timeout_s)
                self.close_code = 4408
                return
            if message.last:
                return

    def _encode(self, message: Message) -> str:
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


def _step(model: Model, view: View) -> Frame:
    """One recorded training step (nets.traces.step_frame), after the stream's limits for it."""
    rows = trace_rows(model, view.rows)
    admit.check_trace(model, len(rows), view.encoding)  # a step_work or trace_elements error: nothing ran
    return step_frame(model, rows)


def _trace(model: Model, view: View) -> Frame:
    rows = trace_rows(model, view.rows)
    admit.check_trace(model, len(rows), view.encoding, step=False)
    return trace_frame(model, rows)


def _reset(model: Model, view: View, seed: int | None) -> Frame:
    model.reset(seed)
    return _trace(model, view)


def _set_lr(model: Model, view: View, lr: float) -> None:
    model.set_hyper(lr=lr)
    return None


def _save(hub: ModelHub, live: LiveModel) -> None:
    with live.held(5.0):
        hub.save(live)
