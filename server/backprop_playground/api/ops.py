"""The engine's op table: GET /api/v1/ops."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backprop_playground.engine.ops import describe_ops

router = APIRouter(prefix="/ops", tags=["ops"])


class OpInfo(BaseModel):
    """One primitive: its forward formula and one vector-Jacobian product per input, in LaTeX."""

    name: str = Field(examples=["mul"])
    arity: int | None = Field(description="Number of inputs; null for variadic ops (concat).", examples=[2])
    forward_latex: str = Field(examples=["a \\odot b"])
    vjp_latex: list[str] = Field(
        description="The contribution sent to each input, with \\bar{y} the upstream gradient.",
        examples=[["\\bar{y} \\odot b", "\\bar{y} \\odot a"]],
    )


@router.get("", response_model=list[OpInfo], summary="Every primitive with its forward and VJP formulas")
def list_ops() -> list[dict]:
    return describe_ops()
