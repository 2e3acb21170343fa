"""The lecture's lessons: GET /lessons and GET /lessons/{id} with the facts computed on the engine; the
built-in ones and a lecturer's folder of lesson files (settings `lessons_dir`: nets/lessons/library.py).
POST /lessons/file writes what the stepper shows as a lesson file (nets/lessons/writing.py); POST
/lessons/preview reads a lesson file sent to it and answers it as GET /lessons/{id} would, keeping nothing."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, ValidationError

from backprop_playground.api.constant import ConstantJson
from backprop_playground.api.deps import JobsDep, LimitsDep
from backprop_playground.api.errors import ErrorBody, responses
from backprop_playground.api.expressions import ExpressionIn
from backprop_playground.nets.lessons.files import LessonFileError, parse_lesson
from backprop_playground.nets.lessons.library import Library
from backprop_playground.nets.lessons.schema import ID_PATTERN
from backprop_playground.nets.lessons.writing import facts_once, lesson_file
from backprop_playground.nets.spec import LayerParams, ModelSpec
from backprop_playground.schema.api import RequestModel, WireModel

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


LESSON_FILE_BYTES = 64 * 1024  # the largest lesson file the page sends or asks for


async def _small_body(request: Request) -> bytes:
    """The request's body (read once: FastAPI keeps it), refused with 413 above LESSON_FILE_BYTES. Checked
    after the body is validated, so that what the schema forbids is a 422 whatever its size."""
    body = await request.body()
    if len(body) > LESSON_FILE_BYTES:
        raise HTTPException(413, f"request body exceeds {LESSON_FILE_BYTES} bytes (64 KB), the largest "
                                 "lesson file")
    return body


class ExpressionPanelIn(RequestModel):
    """An expression panel: the expression as POST /expressions takes it."""

    title: str | None = Field(default=None, max_length=200, description="The panel's title.")
    expression: ExpressionIn


class RetrainIn(RequestModel):
    seed: int = Field(ge=0, lt=2**32)
    steps: int = Field(ge=1, le=100_000)


class ModelPanelIn(RequestModel):
    """A model panel: its spec (as POST /models takes it) and the weights the page shows, if not the
    spec's."""

    title: str | None = Field(default=None, max_length=200, description="The panel's title.")
    spec: ModelSpec
    start: list[LayerParams] | None = Field(
        default=None, description="The weights shown (a lesson panel's `start`, or the page's weights): one "
        "{W, b} per layer; the file's spec has them as its `params`.")
    retrain: RetrainIn | None = Field(default=None, description="The re-initialise and train controls.")


class LessonFileIn(RequestModel):
    """What the stepper shows, to be written as a lesson file."""

    model_config = ConfigDict(json_schema_extra={"example": {
        "title": "A product, by the chain rule",
        "panel": {"expression": {"source": "h = w * x; L = (h - t)**2",
                                 "values": {"w": 0.5, "x": 2, "t": 3}}}}})
    title: str | None = Field(default=None, max_length=200, description="Default: after what it shows.")
    id: str | None = Field(default=None, max_length=80, pattern=ID_PATTERN,
                           description="The lesson's id and file name; default: from the title.")
    panel: ExpressionPanelIn | ModelPanelIn


class LessonFileIssue(WireModel):
    """An invalid request (`detail`); for a lesson file that cannot be read, `error` says where and why."""

    detail: Any
    error: LessonFileProblem | None = None


_MARKDOWN = {"content": {"text/markdown": {"schema": {"type": "string"}}}}


@router.post(
    "/file",
    response_class=Response,
    summary="What the stepper shows as a lesson file (Markdown with a YAML front matter), for download",
    responses={200: {"description": "The lesson file, `<id>.md` in Content-Disposition.", **_MARKDOWN},
               413: {"model": ErrorBody, "description": "The body is larger than 64 KB, or the work would "
                     "need more memory than `request_memory_mb`."},
               422: {"model": ErrorBody, "description": "The panel is invalid or exceeds a limit; `detail` "
                     "names it."},
               **responses(400, 503)},
)
async def lesson_file_route(body: LessonFileIn, request: Request, jobs: JobsDep,
                            limits: LimitsDep) -> Response:
    await _small_body(request)
    panel = body.panel.model_dump(mode="json", exclude_unset=True)
    if isinstance(body.panel, ExpressionPanelIn):
        panel["expression"] = body.panel.expression.model_dump(mode="json")
    else:
        panel["spec"] = body.panel.spec.model_dump(mode="json", exclude_unset=True)
    # a visitor's request: a CPU job admitted as others are (503/429 when the slots or its share are taken)
    name, text = await jobs.run(lesson_file, panel, body.title, body.id, limits)
    return Response(text, media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class LessonFileText(RequestModel):
    """A lesson file's text, and its name (for errors)."""

    name: str = Field(default="lesson.md", max_length=200, examples=["03-intro.md"])
    text: str = Field(description="The file's text (the body is at most 64 KB).")


_PREVIEW_BODY = {"requestBody": {"required": True, "content": {
    "text/markdown": {"schema": {"type": "string", "description": "The file's text (at most 64 KB)."}},
    "application/json": {"schema": LessonFileText.model_json_schema()},
}}}


@router.post(
    "/preview",
    response_model=Lesson,
    response_model_exclude_none=True,
    summary="Read a lesson file sent in the body and answer it as GET /lessons/{id} does, keeping nothing",
    openapi_extra=_PREVIEW_BODY,
    responses={413: {"model": ErrorBody, "description": "The body is larger than 64 KB."},
               422: {"model": LessonFileIssue, "description": "The file cannot be shown (`error`: its line "
                     "and what is wrong), or the body is not a lesson file's text."},
               **responses(400, 503)},
)
async def preview(request: Request, jobs: JobsDep, limits: LimitsDep) -> Any:
    name, text = "lesson.md", None
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            sent = LessonFileText.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None
        await _small_body(request)
        name, text = PurePath(sent.name.replace("\\", "/")).name or name, sent.text
    else:
        await _small_body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _broken(LessonFileError(name, 1, f"the file is not UTF-8 text ({exc.reason})"))
    try:  # reading the file (YAML, the schema, its expressions) is CPU work too: all of it in the job
        return await jobs.run(_preview, text, name, limits)
    except LessonFileError as exc:
        return _broken(exc)


def _preview(text: str, name: str, limits) -> dict:
    """A lesson file's text read and its facts computed (in a CPU job), as GET /lessons/{id} answers."""
    return facts_once(parse_lesson(text, name), limits)


def _broken(exc: LessonFileError) -> JSONResponse:
    error = {"file": PurePath(exc.file).name, "line": exc.line, "message": exc.message}
    detail = f"the lesson file {error['file']} cannot be shown: line {exc.line}: {exc.message}"
    return JSONResponse({"detail": detail, "error": error}, status_code=422)


def _library(request: Request) -> Library:
    return request.app.state.lessons


_SUMMARIES = ConstantJson(list[LessonSummary], exclude_none=True)
_LESSONS = ConstantJson(Lesson, exclude_none=True)  # computed facts included: a lesson's are fixed
