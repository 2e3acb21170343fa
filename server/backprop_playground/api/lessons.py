"""The lecture's lessons: GET /lessons and GET /lessons/{id} with the facts computed on the engine; the
built-in ones and a lecturer's folder of lesson files (settings `lessons_dir`: nets/lessons/library.py)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from backprop_playground.api.constant import ConstantJson
from backprop_playground.api.deps import JobsDep
from backprop_playground.api.errors import responses
from backprop_playground.nets.lessons.files import LessonFileError
from backprop_playground.nets.lessons.library import Library
from backprop_playground.schema.api import WireModel

router = APIRouter(prefix="/lessons", tags=["lessons"])


class LessonFileProblem(WireModel):
    """Why a lesson file cannot be shown: the file (its name in the lessons folder), the line, what is
    wrong."""

    file: str = Field(examples=["03-intro.md"])
    line: int = Field(examples=[14])
    message: str = Field(examples=['panel 2: "values" must map names to numbers (or lists of numbers)'])


class LessonSummary(WireModel):
    id: str = Field(examples=["xor-relu"])
    title: str = Field(examples=["One ReLU layer solves XOR"])
    slide: str = Field(examples=["Learning XOR"], description="The lecture slide it belongs to.")
    summary: str
    error: LessonFileProblem | None = Field(
        default=None, description="Only for a lesson file of the lessons folder that cannot be shown: "
        "what is wrong with it (its title is then the file's name, its summary the message).")


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


class LessonFileAnswer(WireModel):
    """A lesson whose file cannot be shown: `detail` in words, `error` where and why."""

    detail: str
    error: LessonFileProblem


@router.get("", response_model=list[LessonSummary], response_model_exclude_none=True,
            summary="The lessons, in lecture order (a lessons folder's after the built-in ones)")
def lessons(request: Request) -> Response:
    library = _library(request)
    version = library.refresh()
    return _SUMMARIES.response(request, library.entries, generation=version)


@router.get(
    "/{lesson_id}",
    response_model=Lesson,
    response_model_exclude_none=True,
    summary="One lesson with its panels and computed facts",
    responses={**responses(404), 422: {"model": LessonFileAnswer, "description": "The lesson's file (in "
                                       "the lessons folder) cannot be shown: `error` says where and why."}},
)
async def lesson(lesson_id: Annotated[str, Path(examples=["xor-relu"])], jobs: JobsDep,
                 request: Request) -> Any:
    library = _library(request)
    version = library.refresh()
    known = library.ids()
    if lesson_id not in known:
        raise HTTPException(404, f"no lesson {lesson_id!r}; choose one of {', '.join(sorted(known))}")
    try:
        if not _LESSONS.has(request, lesson_id, version):  # encoded once, the first time its facts are there
            lesson = library.cached(lesson_id)  # facts are computed once, most often at startup
            if lesson is None:  # not yet: a CPU job (it may train a small net) waits for a slot, not refused
                lesson = await jobs.run(library.get, lesson_id, wait=True)
            _LESSONS.encoded(request, lambda: lesson, lesson_id, version)
    except LessonFileError as exc:
        return _broken(exc)
    return _LESSONS.response(request, lambda: library.get(lesson_id), key=lesson_id, generation=version)


def _broken(exc: LessonFileError) -> JSONResponse:
    error = {"file": PurePath(exc.file).name, "line": exc.line, "message": exc.message}
    detail = f"the lesson file {error['file']} cannot be shown: line {exc.line}: {exc.message}"
    return JSONResponse({"detail": detail, "error": error}, status_code=422)


def _library(request: Request) -> Library:
    return request.app.state.lessons


_SUMMARIES = ConstantJson(list[LessonSummary], exclude_none=True)
_LESSONS = ConstantJson(Lesson, exclude_none=True)  # computed facts included: a lesson's are fixed
