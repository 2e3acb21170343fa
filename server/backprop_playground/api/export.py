"""The stepper as one HTML file that runs without a server: GET /export ("Download for slides")."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from backprop_playground.admission import budget as admit
from backprop_playground.api.deps import BudgetDep, JobsDep, LessonsDep, LimitsDep, SettingsDep
from backprop_playground.api.errors import responses
from backprop_playground.export import ExportError, parse_values, stepper_html
from backprop_playground.nets.expressions import expression_numbers
from backprop_playground.nets.inputs import read_json

router = APIRouter(tags=["export"])


def _file_name(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "expression"
    return f"{slug}.html"


@router.get(
    "/export",
    response_class=Response,
    summary="The stepper for a lesson or an expression as one self-contained HTML file (an attachment)",
    responses={**responses(404, 413, 422, 503), 200: {"content": {"text/html": {}},
                                                       "description": "The page, as an attachment."}},
)
async def export(
    jobs: JobsDep, settings: SettingsDep, limits: LimitsDep, budget: BudgetDep, library: LessonsDep,
    lesson: Annotated[str | None, Query(max_length=100, description="A lesson id.",
                                        examples=["xor-relu"])] = None,
    panel: Annotated[int, Query(ge=0, le=100, description="The lesson's panel.")] = 0,
    weights: Annotated[str | None, Query(max_length=200_000, description="A model panel's weights as JSON, "
                                         "per layer {W, b} (the stepper's URL `weights`).")] = None,
    expr: Annotated[str | None, Query(max_length=100_000, description="An expression (limit: "
                                      "`expression_length`).", examples=["(x*y + x)*z"])] = None,
    values: Annotated[str | None, Query(max_length=200_000, description="Its values, `x=2,y=-1,v=[1,2]`.",
                                        examples=["x=2,y=-1,z=3"])] = None,
    theme: Literal["light", "dark", "projector"] = "light",
    title: Annotated[str | None, Query(max_length=200, description="The title shown.")] = None,
) -> Response:
    if (lesson is None) == (expr is None):
        raise HTTPException(422, "give one of lesson or expr")
    if lesson is not None and lesson not in library.ids():
        known = ", ".join(sorted(library.ids()))
        raise HTTPException(404, f"no lesson {lesson!r}; choose one of {known}")
    try:
        parsed_values = parse_values(values) if values is not None else None
    except ExportError as exc:
        raise HTTPException(422, str(exc)) from None
    try:
        parsed_weights = read_json(weights, "weights") if weights is not None else None  # nesting limit
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    if parsed_weights is not None and not isinstance(parsed_weights, list):
        raise HTTPException(422, "weights must be a JSON list, one {W, b} per layer")

    def run() -> str:
        numbers = expression_numbers(expr, parsed_values or {}, limits) if expr is not None else 0
        with budget.reserve(admit.expression_bytes(numbers), "this expression's trace"):
            return stepper_html(lesson=lesson, panel=panel, weights=parsed_weights, expression=expr,
                                values=parsed_values, theme=theme, title=title, settings=settings)

    try:
        page = await jobs.run(run)
    except ExportError as exc:
        raise HTTPException(422, str(exc)) from None
    name = _file_name(lesson or "expression")
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
