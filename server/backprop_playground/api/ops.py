"""The engine's op table: GET /api/v1/ops."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backprop_playground.api.constant import ConstantJson
from backprop_playground.engine.ops import describe_ops

router = APIRouter(prefix="/ops", tags=["ops"])


class OpSource(BaseModel):
    """The Python lines behind an op: its forward and its VJPs, as written in the op table."""

    forward: str | None = Field(description="Source of the forward function (null if unreadable).",
                                examples=["lambda p, a, b: a * b"])
    vjps: list[str | None] = Field(
        description="Source of each input's VJP (a lambda expression or a whole function), in input order; "
                    "a variadic op has one entry, the function that builds each input's VJP; null: none.",
        examples=[["lambda B, p, g, out, a, b: B.sum_to(g * b, a.shape)",
                   "lambda B, p, g, out, a, b: B.sum_to(g * a, b.shape)"]],
    )


class OpInfo(BaseModel):
    """One primitive: its forward formula and one vector-Jacobian product per input, in LaTeX, the
    inspector's templates, and the Python source of its forward and VJPs."""

    name: str = Field(examples=["mul"])
    arity: int | None = Field(description="Number of inputs; null for variadic ops (concat).", examples=[2])
    forward_latex: str = Field(examples=["a \\odot b"])
    vjp_latex: list[str] = Field(
        description="The contribution sent to each input, with \\bar{y} the upstream gradient.",
        examples=[["\\bar{y} \\odot b", "\\bar{y} \\odot a"]],
    )
    forward_template: str = Field(
        description="The forward in LaTeX with {0}, {1}, ... standing for the inputs' LaTeX.",
        examples=["{0} \\cdot {1}"],
    )
    local_templates: list[str | None] | None = Field(
        description="Per input, the local derivative ∂y/∂input_k in LaTeX with {0}, {1}, ... (inputs), {y} "
                    "(the output) and {g} (the upstream gradient; a template with {g} is the gradient sent, "
                    "for ops whose Jacobian is no simple factor). Null entries: no meaningful formula; "
                    "null: a variadic op.",
        examples=[["{1}", "{0}"]],
    )
    source: OpSource


_OPS = ConstantJson(list[OpInfo])


@router.get("", response_model=list[OpInfo], summary="Every primitive with its forward and VJP formulas")
def list_ops(request: Request) -> Response:
    return _OPS.response(request, describe_ops)
