"""Models: create, read, predict, grid, reset and delete (training and traces are in training.py)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ConfigDict, Field, ValidationError

from backprop_playground.admission import budget as admit
from backprop_playground.admission.fair import current_client
from backprop_playground.api.deps import BudgetDep, HubDep, JobsDep, LimitsDep, TokenDep
from backprop_playground.api.errors import responses
from backprop_playground.nets.model import Model
from backprop_playground.nets.regions import GRID_CHUNK
from backprop_playground.nets.spec import ModelSpec
from backprop_playground.schema.api import RequestModel, WireFloat, WireModel
from backprop_playground.store import owner_of

router = APIRouter(prefix="/models", tags=["models"])
# Every route spells out its path, response model, summary and error codes in its own decorator: that is
# its OpenAPI entry, read in place, so route heads look alike by design.

ModelId = Annotated[str, Path(max_length=64, description="The id returned when the model was created.")]


class LayerParamsOut(WireModel):
    """One layer h = g(xW + b): W is (fan_in, fan_out), b is (fan_out,); alpha for PReLU."""

    W: list[list[WireFloat]]
    b: list[WireFloat]
    alpha: list[WireFloat] | None = None


class Metrics(WireModel):
    """Metrics after a step (test_* only with a held-out split)."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")
    step: int
    loss: WireFloat | None
    accuracy: WireFloat | None = None
    test_loss: WireFloat | None = None
    test_accuracy: WireFloat | None = None


class ModelOut(WireModel):
    """A model: its spec, current parameters, step count, latest metrics and the (thinned) history."""

    id: str
    spec: ModelSpec
    params: list[LayerParamsOut]
    step: int
    metrics: Metrics | None
    history: list[Metrics]


class Created(WireModel):
    """A new model. Keep `edit_token`: it is shown once and needed for every change."""

    id: str = Field(examples=["q3V1q9yYb8Zl2oXx3nq1aA"])
    edit_token: str
    model: ModelOut


class PredictIn(RequestModel):
    model_config = ConfigDict(json_schema_extra={"example": {"x": [[0, 1]]}})
    x: list[list[float]] = Field(description="Rows to predict, each with the model's number of features.")


class PredictOut(WireModel):
    y: list[list[WireFloat]] = Field(description="Probabilities for sigmoid/softmax outputs, else values.")


class GridOut(WireModel):
    """Predictions over the input plane (2-D: values[i][j] at (x[j], y[i])) or along the axis (1-D)."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")
    bounds: list[WireFloat]
    resolution: int
    x: list[WireFloat]
    y: list[WireFloat] | None = None
    values: list[list[WireFloat]] | list[WireFloat]
    confidence: list[list[WireFloat]] | None = None
    probabilities: list[list[list[WireFloat]]] | None = None


class ResetIn(RequestModel):
    seed: int | None = Field(default=None, ge=0, lt=2**32, description="Fresh seeded initialisation.")


async def strict_spec(request: Request, spec: ModelSpec) -> ModelSpec:
    """The spec, validated once more as strict JSON: true is not 1 and "2" is not 2, as the schema says."""
    try:
        return ModelSpec.model_validate_json(await request.body(), strict=True)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None


def model_out(model_id: str, state: dict[str, Any]) -> ModelOut:
    """The public view of a saved model state."""
    return ModelOut(
        id=model_id,
        spec=state["spec"],
        params=state["params"],
        step=state["step"],
        metrics=state["metrics"],
        history=state["history"],
    )


@router.post(
    "",
    status_code=201,
    response_model=Created,
    summary="Create a model from a spec; answers its id and edit token",
    responses=responses(400, 409, 413, 422, 503, 507),
)
async def create_model(
    spec: Annotated[ModelSpec, Depends(strict_spec)], hub: HubDep, jobs: JobsDep, limits: LimitsDep,
    budget: BudgetDep, request: Request, response: Response,
) -> Created:
    client = current_client()
    request.app.state.create_quota.take(client)  # 429 beyond model_creates_per_minute
    live, token = await jobs.run(hub.create, spec, lambda model: admit.check_step(model, limits, budget),
                                 owner_of(client))
    response.headers["Location"] = f"/api/v1/models/{live.id}"
    return Created(id=live.id, edit_token=token, model=model_out(live.id, live.state))


@router.get("/{model_id}", response_model=ModelOut, summary="Read a model", responses=responses(404, 503))
async def get_model(model_id: ModelId, hub: HubDep, jobs: JobsDep) -> ModelOut:
    return model_out(model_id, await jobs.run(hub.state, model_id))


@router.post(
    "/{model_id}/predict",
    response_model=PredictOut,
    summary="Predict rows x",
    responses=responses(400, 404, 409, 413, 422, 503),
)
async def predict(model_id: ModelId, body: PredictIn, hub: HubDep, jobs: JobsDep, limits: LimitsDep,
                  budget: BudgetDep) -> PredictOut:
    def run(model: Model) -> np.ndarray:
        with admit.forward(model, limits, budget, len(body.x), model.shapes[-1].fan_out):
            return model.predict(np.asarray(body.x, dtype=float))

    y = await jobs.run(hub.use, model_id, run)
    return PredictOut(y=y.tolist())


@router.get(
    "/{model_id}/grid",
    response_model=GridOut,
    summary="Predictions on a grid over the data's extent (decision surface heatmap)",
    responses=responses(404, 409, 413, 422, 503),
)
async def grid(
    model_id: ModelId,
    hub: HubDep,
    jobs: JobsDep,
    limits: LimitsDep,
    budget: BudgetDep,
    resolution: Annotated[int, Query(ge=2, le=1024, description=(
        "Cells per axis (at most the `grid_resolution` limit, 512 by default; a large net may be refused "
        "sooner by `request_work` or `response_elements`)."))] = 50,
) -> GridOut:
    def run(model: Model) -> dict[str, Any]:
        limits.check("grid_resolution", resolution)
        points = resolution ** model.shapes[0].fan_in if model.shapes[0].fan_in in (1, 2) else 1
        with admit.forward(model, limits, budget, points, admit.grid_columns(model), GRID_CHUNK):
            return model.grid(resolution)

    return GridOut(**await jobs.run(hub.use, model_id, run))


@router.post(
    "/{model_id}/reset",
    response_model=ModelOut,
    summary="Back to step 0 (the spec's parameters, or a fresh seeded start with `seed`)",
    responses=responses(400, 401, 403, 404, 409, 413, 422, 503, 507),
)
async def reset(
    model_id: ModelId, hub: HubDep, jobs: JobsDep, token: TokenDep, body: ResetIn | None = None
) -> ModelOut:
    seed = body.seed if body else None

    def run(model: Model) -> dict[str, Any]:
        model.reset(seed)
        return model.to_state()

    return model_out(model_id, await jobs.run(hub.use, model_id, run, token=token, mutates=True))


@router.delete(
    "/{model_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a model for good",
    responses=responses(401, 403, 404, 503, 507),
)
async def delete_model(model_id: ModelId, hub: HubDep, jobs: JobsDep, token: TokenDep) -> Response:
    await jobs.run(hub.delete, model_id, token)
    return Response(status_code=204)
