"""Training a model over REST: train (JSON or an NDJSON progress stream), one traced step, a trace."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response
from fastapi.responses import StreamingResponse
from pydantic import ConfigDict, Field

from backprop_playground import wire
from backprop_playground.admission import budget as admit
from backprop_playground.admission.jobs import Deadline
from backprop_playground.api.deps import (
    BudgetDep,
    HubDep,
    JobsDep,
    LimitsDep,
    SettingsDep,
    TokenDep,
    TraceDep,
    TraceOpts,
)
from backprop_playground.api.errors import responses
from backprop_playground.api.models import Metrics, ModelId
from backprop_playground.nets.model import Model
from backprop_playground.nets.results import TrainResult
from backprop_playground.nets.traces import step_frame, trace_frame, trace_rows
from backprop_playground.schema.api import RequestModel, WireFloat, WireModel
from backprop_playground.schema.trace import Trace

router = APIRouter(prefix="/models", tags=["training"])
NDJSON = "application/x-ndjson"


class TrainIn(RequestModel):
    model_config = ConfigDict(json_schema_extra={"example": {"steps": 500, "every": 50}})
    steps: int = Field(ge=0, le=10**9, description="Steps to take (at most the server's `steps` limit).")
    every: int | None = Field(
        default=None, ge=1, le=10**9, description="NDJSON: a progress line every N steps (default steps/100)."
    )


class DivergedOut(WireModel):
    """Where training hit NaN or Infinity; the model keeps its last finite parameters."""

    step: int
    node: str | None
    label: str | None
    what: str
    message: str


class TrainOut(WireModel):
    """The run: final step, steps taken now, last metrics, history entries added, and why it stopped early."""

    step: int
    steps: int
    loss: WireFloat | None
    accuracy: WireFloat | None
    history: list[Metrics]
    stopped: bool = Field(description="Stopped before `steps` (time budget or client gone).")
    diverged: DivergedOut | None
    detail: str | None = Field(default=None, description="Why the run stopped early, when it did.")


class ProgressLine(WireModel):
    """NDJSON progress line; the last line is {"type": "result", ...TrainOut} or {"type": "error", ...}."""

    type: Literal["progress"] = "progress"
    step: int
    loss: WireFloat | None
    accuracy: WireFloat | None


_TRAIN_DOCS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The run's result; with `Accept: application/x-ndjson`, progress lines, then it.",
        "content": {NDJSON: {"schema": {"type": "string"}}},
    },
    **responses(400, 401, 403, 404, 409, 413, 422, 503, 507),
}


def train_out(result: TrainResult, deadline: Deadline) -> TrainOut:
    out = TrainOut(**result.to_dict())
    if result.stopped and deadline.expired():
        out.detail = f"stopped at the time budget (request_time_budget_s = {deadline.seconds:g} s)"
    elif result.stopped:
        out.detail = "stopped: the client went away"
    return out


@router.post(
    "/{model_id}/train", response_model=TrainOut, summary="Train up to `steps` steps", responses=_TRAIN_DOCS
)
async def train(
    model_id: ModelId,
    body: TrainIn,
    hub: HubDep,
    jobs: JobsDep,
    token: TokenDep,
    settings: SettingsDep,
    limits: LimitsDep,
    budget: BudgetDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    deadline = Deadline(settings.request_time_budget_s)
    stop = threading.Event()

    def should_stop() -> bool:
        return stop.is_set() or deadline.expired()

    def admitted() -> Model:
        """The model (401/403/404 first), if its steps fit step_work and request_memory_mb (422/413)."""
        model = hub.authorize(model_id, token).model
        admit.check_step(model, limits, budget)
        return model

    def budgeted(*args: Any, **kwargs: Any) -> TrainResult:
        with admit.step(admitted(), limits, budget):
            return hub.train(*args, **kwargs)

    if NDJSON not in (accept or ""):
        result = await jobs.run(budgeted, model_id, token, body.steps, should_stop=should_stop, long=True)
        return train_out(result, deadline)

    await jobs.run(admitted)  # 401/403/404, 413 and 422 before the stream starts
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[bytes] = asyncio.Queue()

    def progress(step: int, loss: float | None, accuracy: float | None) -> None:
        line = ProgressLine(step=step, loss=loss, accuracy=accuracy).model_dump_json().encode() + b"\n"
        loop.call_soon_threadsafe(lines.put_nowait, line)

    every = body.every or max(1, body.steps // 100)
    future = jobs.submit(
        budgeted, model_id, token, body.steps, every=every, on_progress=progress, should_stop=should_stop,
        long=True,
    )
    future.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved even if the client left
    return StreamingResponse(_ndjson(future, lines, stop, deadline), media_type=NDJSON)


async def _ndjson(
    future: asyncio.Future[TrainResult],
    lines: asyncio.Queue[bytes],
    stop: threading.Event,
    deadline: Deadline,
) -> AsyncIterator[bytes]:
    """Progress lines while training runs, then the result (or the error); a client that goes away
    closes this generator, which stops the training at the next step."""
    try:
        while not future.done() or not lines.empty():
            getter = asyncio.ensure_future(lines.get())
            await asyncio.wait({getter, future}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield getter.result()
            else:
                getter.cancel()
        if future.exception() is not None:
            yield wire.dumps({"type": "error", "detail": str(future.exception())}) + b"\n"
        else:
            result = train_out(future.result(), deadline)
            yield b'{"type":"result",' + result.model_dump_json().encode()[1:] + b"\n"
    finally:
        stop.set()


def traced_step(model: Model, opts: TraceOpts, frame=step_frame, full: bool = False) -> bytes:
    """One training step of `model`, recorded over `opts.rows` shown rows and encoded, within the budgets;
    with `frame=trace_frame, full=True`, a trace at the current parameters over all training rows."""
    shown = trace_rows(model, opts.rows)
    with admit.step(model, opts.limits, opts.budget, shown=len(shown), encoding=opts.encoding, full=full):
        return wire.dumps(wire.frame(frame(model, shown), opts.encoding))


def _trace_response(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.post(
    "/{model_id}/step",
    response_model=Trace,
    summary="Take one training step and answer its trace (forward, backward, update, metrics)",
    responses=responses(401, 403, 404, 409, 413, 422, 503, 507),
)
async def step(model_id: ModelId, hub: HubDep, jobs: JobsDep, token: TokenDep, opts: TraceDep) -> Response:
    def run(model: Model) -> bytes:
        return traced_step(model, opts)

    return _trace_response(await jobs.run(hub.use, model_id, run, token=token, mutates=True))


@router.get(
    "/{model_id}/trace",
    response_model=Trace,
    summary="Trace forward and backward at the current parameters, without an update",
    responses=responses(404, 409, 413, 422, 503),
)
async def trace(model_id: ModelId, hub: HubDep, jobs: JobsDep, opts: TraceDep) -> Response:
    def run(model: Model) -> bytes:
        return traced_step(model, opts, trace_frame, full=True)

    return _trace_response(await jobs.run(hub.use, model_id, run))
