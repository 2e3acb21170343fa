"""The stepper as a GIF or an MP4 made on the server, as a job: POST /media, GET /media/{id}, GET
/media/{id}/file (media_jobs.py). Off unless the server enables it (BACKPROP_MEDIA_JOBS=1) and has Playwright,
Chromium and ffmpeg: 501 says which."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import Field

from backprop_playground import media
from backprop_playground.admission import budget as admit
from backprop_playground.admission.fair import current_client
from backprop_playground.api.deps import BudgetDep, JobsDep, LessonsDep, LimitsDep, SettingsDep
from backprop_playground.api.errors import responses
from backprop_playground.export import ExportError, stepper_html, unpack_page
from backprop_playground.media_jobs import JobRefused, MediaJobs, check_options, unavailable
from backprop_playground.nets.expressions import expression_numbers
from backprop_playground.schema.api import RequestModel, WireModel

router = APIRouter(tags=["media"])

Number = float | list[float] | list[list[float]]


class MediaRequest(RequestModel):
    """What to render: a lesson (its panel, weights) or an expression (its values), as the stepper shows
    it."""

    lesson: Annotated[str | None, Field(max_length=100, examples=["xor-relu"])] = None
    panel: Annotated[int, Field(ge=0, le=100)] = 0
    weights: list[dict] | None = Field(default=None, description="A model panel's weights, per layer {W, b}.")
    expression: Annotated[str | None, Field(max_length=100_000, examples=["(x*y + x)*z"])] = None
    values: dict[str, Number] | None = Field(default=None, examples=[{"x": 2, "y": -1, "z": 3}])
    theme: Literal["light", "dark", "projector"] = "light"
    format: Literal["gif", "mp4"] = "gif"
    size: Annotated[str, Field(pattern=r"^\d{3,4}x\d{3,4}$", examples=["1280x720"])] = "1280x720"
    hold: Annotated[float, Field(ge=0.2, le=10)] = 2.0
    phase: Literal["all", "forward", "backward", "update"] = "all"
    steps: Annotated[list[int] | None, Field(min_length=2, max_length=2, description="[first, last]")] = None


class MediaJobInfo(WireModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    format: str
    name: str
    progress: float = Field(description="0 to 1")
    frames: int
    bytes: int | None
    error: str | None


def _jobs(request: Request) -> MediaJobs:
    state = request.app.state
    if getattr(state, "media_jobs", None) is None:
        state.media_jobs = MediaJobs(state.settings.data_dir)
    return state.media_jobs


def _refuse_unless_enabled(settings, fmt: str | None = None) -> None:
    reason = unavailable(settings.media_jobs, fmt)
    if reason:
        raise HTTPException(501, reason)


@router.post(
    "/media", status_code=202, response_model=MediaJobInfo,
    summary="Render the stepper as a GIF or an MP4, as a job (off unless the server enables it)",
    responses={**responses(400, 404, 413, 422, 429, 503),
               501: {"description": "This server makes no media: why."}},
)
async def create_media(body: MediaRequest, request: Request, jobs: JobsDep, settings: SettingsDep,
                       limits: LimitsDep, budget: BudgetDep, library: LessonsDep) -> Response:
    _refuse_unless_enabled(settings, body.format)
    if (body.lesson is None) == (body.expression is None):
        raise HTTPException(422, "give one of lesson or expression")
    if body.lesson is not None and body.lesson not in library.ids():
        known = ", ".join(sorted(library.ids()))
        raise HTTPException(404, f"no lesson {body.lesson!r}; choose one of {known}")
    try:
        options = media.MediaOptions(format=body.format, size=media.parse_size(body.size), hold=body.hold,
                                     phase=body.phase, steps=tuple(body.steps) if body.steps else None)
    except media.MediaError as exc:
        raise HTTPException(422, str(exc)) from None

    def page() -> tuple[str, dict]:
        numbers = expression_numbers(body.expression, body.values or {}, limits) if body.expression else 0
        with budget.reserve(admit.expression_bytes(numbers), "this expression's trace"):
            html = stepper_html(lesson=body.lesson, panel=body.panel, weights=body.weights,
                                expression=body.expression, values=body.values, theme=body.theme,
                                settings=settings)
            return html, media.page_trace(unpack_page(html)["data"])

    try:
        html, trace = await jobs.run(page)
        checked, frames = check_options(options, trace)
    except (ExportError, media.MediaError) as exc:
        raise HTTPException(422, str(exc)) from None
    stem = re.sub(r"[^a-z0-9]+", "-", (body.lesson or "expression").lower()).strip("-") or "expression"
    name = f"{stem}{'' if body.phase == 'all' else '-' + body.phase}.{body.format}"
    try:
        job = _jobs(request).submit(current_client(), html, trace, checked, frames=frames, name=name)
    except JobRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status,
                            headers={"Retry-After": str(exc.retry_after)})
    return JSONResponse(job.public(), status_code=202, headers={"Location": f"{request.url.path}/{job.id}"})


@router.get("/media/{job_id}", response_model=MediaJobInfo, summary="A media job: its status and progress",
            responses={**responses(404), 501: {"description": "This server makes no media: why."}})
async def media_job(job_id: str, request: Request, settings: SettingsDep) -> dict:
    _refuse_unless_enabled(settings)
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, "no such media job (finished jobs are kept a few minutes)")
    return job.public()


@router.get("/media/{job_id}/file", response_class=FileResponse,
            summary="A finished media job's file (an attachment)",
            responses={**responses(404, 409), 200: {"content": {"image/gif": {}, "video/mp4": {}}},
                       501: {"description": "This server makes no media: why."}})
async def media_file(job_id: str, request: Request, settings: SettingsDep) -> Response:
    _refuse_unless_enabled(settings)
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(404, "no such media job (finished jobs are kept a few minutes)")
    if job.status != "done":
        raise HTTPException(409, f"the job is {job.status}" + (f": {job.error}" if job.error else ""))
    kind = "image/gif" if job.format == "gif" else "video/mp4"
    return FileResponse(job.file, media_type=kind, filename=job.name)
