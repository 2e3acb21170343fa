"""The lecture's lessons: GET /lessons and GET /lessons/{id} with the facts computed on the engine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import ConfigDict, Field

from backprop_playground.api.constant import ConstantJson
from backprop_playground.api.deps import JobsDep
from backprop_playground.api.errors import responses
from backprop_playground.nets.lessons import cached_lesson, get_lesson, list_lessons
from backprop_playground.schema.api import WireModel

router = APIRouter(prefix="/lessons", tags=["lessons"])


class LessonSummary(WireModel):
    id: str = Field(examples=["xor-relu"])
    title: str = Field(examples=["One ReLU layer solves XOR"])
    slide: str = Field(examples=["Learning XOR"], description="The lecture slide it belongs to.")
    summary: str


class Fact(WireModel):
    """A checkable number of the lesson, computed on the engine; `passed` when it has an expectation."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")
    id: str
    label: str
    value: Any
    expected: Any = None
    compare: str | None = None
    tolerance: float | None = None
    passed: bool | None = None
    fields: dict[str, str | None] | None = Field(
        default=None, description="Words for the record keys in `value`; null: a key not to show.")


class Lesson(LessonSummary):
    """A lesson: its text and panels (each an expression or a model spec) and its computed facts."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")
    text: str
    panels: list[dict[str, Any]]
    facts: list[Fact]


@router.get("", response_model=list[LessonSummary], summary="The lessons, in lecture order")
def lessons(request: Request) -> Response:
    return _SUMMARIES.response(request, list_lessons)


@router.get(
    "/{lesson_id}",
    response_model=Lesson,
    response_model_exclude_none=True,
    summary="One lesson with its panels and computed facts",
    responses=responses(404),
)
async def lesson(lesson_id: Annotated[str, Path(examples=["xor-relu"])], jobs: JobsDep,
                 request: Request) -> Any:
    known = {item["id"] for item in list_lessons()}
    if lesson_id not in known:
        raise HTTPException(404, f"no lesson {lesson_id!r}; choose one of {', '.join(sorted(known))}")
    if not _LESSONS.has(request, lesson_id):  # encoded once, the first time its facts are there
        lesson = cached_lesson(lesson_id)  # facts are computed once, most often at startup
        if lesson is None:  # not yet: a CPU job (it may train a small net) waiting for a slot, never refused
            lesson = await jobs.run(get_lesson, lesson_id, wait=True)
        _LESSONS.encoded(request, lambda: lesson, lesson_id)
    return _LESSONS.response(request, lambda: get_lesson(lesson_id), key=lesson_id)


_SUMMARIES = ConstantJson(list[LessonSummary])
_LESSONS = ConstantJson(Lesson, exclude_none=True)  # computed facts included: a lesson's are fixed
