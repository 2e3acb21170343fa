"""A spec's step or training run without a stored model.

The stepper shows one traced training step of a lesson's net, and its lesson controls re-initialise and
train that net; none of it needs a model kept in the store. These routes build the model in the job, use it
and drop it: nothing is written, so they count against no creation quota and work when the store is full,
and a lecture hall behind one address can open the same lesson three hundred times a minute. They take CPU
like any other request (the job pool's fair shares, the memory and work budgets, the time budget), except
that a spec's step is computed once for identical requests: the others are answered from the trace cache
(tracecache.py), or wait for the one computing, without a CPU job slot.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import ConfigDict, Field

from backprop_playground.admission import budget as admit
from backprop_playground.admission.jobs import Deadline
from backprop_playground.api.deps import (
    BudgetDep,
    CachedTraceDep,
    JobsDep,
    LimitsDep,
    SettingsDep,
    TraceDep,
    cached_post,
)
from backprop_playground.api.errors import responses
from backprop_playground.api.models import LayerParamsOut, strict_spec
from backprop_playground.api.training import DivergedOut, traced_step
from backprop_playground.nets.limits import Limits
from backprop_playground.nets.model import Model
from backprop_playground.nets.spec import ModelSpec
from backprop_playground.schema.api import RequestModel, WireFloat, WireModel
from backprop_playground.schema.trace import Trace

router = APIRouter(prefix="/specs", tags=["specs"])
# Every route spells out its path, response model, summary and error codes in its own decorator: that is
# its OpenAPI entry, read in place, so route heads look alike by design.


class SpecTrainIn(RequestModel):
    model_config = ConfigDict(json_schema_extra={"example": {
        "spec": {"name": "xor", "hidden": [{"units": 2, "activation": "relu"}],
                 "output": {"kind": "linear"}, "loss": "mse", "optimizer": {"name": "sgd", "lr": 0.1},
                 "seed": 1, "data": {"dataset": "xor"}},
        "steps": 300}})
    spec: ModelSpec
    steps: int = Field(ge=0, le=10**9, description="Steps to train (at most the server's `steps` limit); "
                                                   "0 answers the initial parameters.")


class SpecTrainOut(WireModel):
    """The parameters after the run, the loss of its last step, and why it stopped early, if it did."""

    step: int
    loss: WireFloat | None
    params: list[LayerParamsOut]
    stopped: bool = Field(description="Stopped before `steps` at the time budget.")
    diverged: DivergedOut | None


def _admitted(spec: ModelSpec, limits: Limits, budget: admit.MemoryBudget) -> Model:
    model = Model.create(spec, limits)
    admit.check_step(model, limits, budget)  # step_work (422) and request_memory_mb (413) before the work
    return model


@cached_post(
    router, "/step",
    response_model=Trace,
    summary="Trace one training step of a spec, without storing a model",
    responses=responses(400, 413, 422, 429, 503),
)
async def spec_step(
    spec: Annotated[ModelSpec, Depends(strict_spec)], jobs: JobsDep, opts: TraceDep, cached: CachedTraceDep,
) -> Response:
    # Deterministic: the net starts from the spec's params or its seeded initialisation (seeds default to
    # 0) and the data are seeded too, so identical requests share one computation (tracecache.py).
    def run() -> bytes:
        return traced_step(_admitted(spec, opts.limits, opts.budget), opts)

    key = ("specs/step", spec.model_dump_json(), opts.rows, opts.encoding.tensors, opts.encoding.summary_over)
    return await cached.answer(key, lambda: jobs.run(run))


@router.post(
    "/train",
    response_model=SpecTrainOut,
    summary="Train a spec's net from its initial parameters and answer the parameters, without storing it",
    responses=responses(400, 413, 422, 429, 503),
)
async def spec_train(
    body: SpecTrainIn, jobs: JobsDep, settings: SettingsDep, limits: LimitsDep, budget: BudgetDep,
) -> Any:
    deadline = Deadline(settings.request_time_budget_s)
    gone = threading.Event()

    def run() -> SpecTrainOut:
        model = _admitted(body.spec, limits, budget)
        with admit.step(model, limits, budget):
            result = model.train(body.steps, should_stop=lambda: gone.is_set() or deadline.expired())
        return SpecTrainOut(step=result.step, loss=result.loss, params=model.params_json(),
                            stopped=result.stopped,
                            diverged=None if result.diverged is None else result.diverged.to_dict())

    try:
        return await jobs.run(run, long=body.steps > 0)
    finally:
        gone.set()
