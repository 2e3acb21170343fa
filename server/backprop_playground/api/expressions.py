"""Expressions: trace a typed formula (POST /expressions), check its gradients (POST /gradcheck), and the
functions a formula may call (GET /expressions/functions)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from fastapi import APIRouter, Request, Response
from pydantic import ConfigDict, Field, StrictFloat, StrictInt

from backprop_playground import wire
from backprop_playground.admission import budget as admit
from backprop_playground.api.constant import ConstantJson
from backprop_playground.api.deps import (
    BudgetDep,
    CachedTraceDep,
    EncodingDep,
    JobsDep,
    LimitsDep,
    cached_post,
)
from backprop_playground.api.errors import responses
from backprop_playground.nets.expressions import expression_numbers, trace_expression
from backprop_playground.nets.expressions.functions import function_list
from backprop_playground.nets.expressions.gradcheck import check_expression
from backprop_playground.schema.api import RequestModel, WireFloat, WireModel
from backprop_playground.schema.trace import Tensor, TensorData, Trace

router = APIRouter(tags=["expressions"])

Number = StrictFloat | StrictInt  # strict: true/false are not numbers
Value = Number | list[Number] | list[list[Number]] | list[list[list[Number]]]
_EXAMPLE = {"source": "(x*y + x)*z", "values": {"x": 2, "y": -1, "z": 3}, "mode": "numeric"}


class ExpressionIn(RequestModel):
    """A formula over named variables, e.g. `(x*y + x)*z` or `sum(relu(x @ W + b))`."""

    model_config = ConfigDict(json_schema_extra={"example": _EXAMPLE})
    source: str = Field(max_length=100_000, description="The expression (limit: `expression_length`).")
    values: dict[str, Value] = Field(default_factory=dict, description="A number or nested list each.")
    mode: Literal["numeric", "symbolic"] = Field(
        default="numeric", description="symbolic: the backward pass is built as graph nodes (create_graph)."
    )


class ExpressionTrace(Trace):
    """The trace plus where to find things in it: output node, each variable's node and gradient."""

    source: str
    mode: str
    output: str = Field(description="Node id of the expression's value.")
    value: Tensor
    inputs: dict[str, str] = Field(description="Variable → node id.")
    gradients: dict[str, Tensor] = Field(description="Variable → ∂output/∂variable (summed over outputs).")
    gradient_nodes: dict[str, str | None] | None = Field(default=None, description="symbolic: their nodes.")


class GradCheckIn(ExpressionIn):
    model_config = ConfigDict(json_schema_extra={"example": {**_EXAMPLE, "variable": "y"}})
    variable: str | None = Field(default=None, description="Check only this variable (default: all).")
    eps: float = Field(default=1e-6, gt=0, le=1e-1, description="Finite-difference step ε.")
    tolerance: float = Field(default=1e-6, gt=0, le=1, description="Largest accepted relative error.")


class GradCheck(WireModel):
    """Backprop's gradient of one variable against central differences (f(x+ε) − f(x−ε)) / 2ε."""

    variable: str
    passed: bool
    max_rel_error: WireFloat
    tolerance: float
    analytic: TensorData = Field(description="The engine's gradient.")
    numeric: TensorData = Field(description="The finite-difference estimate (NaN where not sampled).")


class ExpressionFunction(WireModel):
    """One function an expression may call (the web client's list of names comes from here)."""

    name: str = Field(examples=["leaky_relu"])
    arity: int | None = Field(
        description="How many arguments it takes; null when that varies (an optional argument, shown with "
                    "its default in `signature`).", examples=[None])
    signature: str = Field(examples=["leaky_relu(x, alpha=0.01)"])
    doc: str = Field(examples=["max(0, x) + alpha·min(0, x), elementwise; alpha a number or a variable"])


@router.get("/expressions/functions", response_model=list[ExpressionFunction],
            summary="The functions an expression may call")
def functions(request: Request) -> Response:
    return _FUNCTIONS.response(request, function_list)


@cached_post(
    router, "/expressions",
    response_model=ExpressionTrace,
    summary="Trace forward and backward of an expression's output",
    responses=responses(400, 413, 422, 503),
)
async def trace(body: ExpressionIn, jobs: JobsDep, limits: LimitsDep, budget: BudgetDep,
                encoding: EncodingDep, cached: CachedTraceDep) -> Response:
    # Deterministic (a formula on given values): identical requests share one computation (tracecache.py).
    def run() -> bytes:
        numbers = expression_numbers(body.source, body.values, limits, body.mode)
        with budget.reserve(admit.expression_bytes(numbers), "this expression's trace"):
            raw = trace_expression(body.source, body.values, body.mode, limits)
            return wire.dumps(wire.expression(raw, encoding))

    key = ("expressions", body.model_dump_json(), encoding.tensors, encoding.summary_over)
    return await cached.answer(key, lambda: jobs.run(run))


@router.post(
    "/gradcheck",
    response_model=list[GradCheck],
    summary="Check an expression's gradients against finite differences",
    responses=responses(400, 413, 422, 503),
)
async def gradcheck(body: GradCheckIn, jobs: JobsDep, limits: LimitsDep) -> list[GradCheck]:
    results = await jobs.run(
        check_expression, body.source, body.values, limits,
        variable=body.variable, eps=body.eps, tolerance=body.tolerance,
    )
    return [GradCheck(**{**r, "analytic": _plain(r["analytic"]), "numeric": _plain(r["numeric"])})
            for r in results]


def _plain(values: np.ndarray) -> TensorData:
    return TensorData(shape=list(values.shape), data=values.ravel().tolist())


_FUNCTIONS = ConstantJson(list[ExpressionFunction])
