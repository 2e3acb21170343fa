"""Errors as JSON {"detail": ...}: the handlers that map lower layers' exceptions to 4xx (and a storage
failure to 507 or 503: never a bare 500), and their docs."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from backprop_playground.admission.budget import MemoryBusy, MemoryTooLarge
from backprop_playground.admission.fair import OverShare
from backprop_playground.admission.jobs import Busy
from backprop_playground.hub import ModelBusy, NotAllowed, UnknownModel
from backprop_playground.nets.inputs import NestingError
from backprop_playground.store import NoSpace, OwnerFull, StorageUnavailable, StoreFull

log = logging.getLogger("backprop_playground.api")


class ErrorBody(BaseModel):
    """Every error: a message a person can act on (a list of problems for invalid input)."""

    detail: Any = Field(examples=["units per layer: 4096 exceeds the limit of 512"])


_DESCRIPTIONS = {
    400: "The request could not be read.",
    401: "The edit token is missing: send `Authorization: Bearer <edit_token>`.",
    403: "The edit token is not this model's.",
    404: "No such model, dataset or lesson.",
    409: (
        "The model is busy with another request (Retry-After says when to retry), "
        "or the database already keeps `max_models` models."
    ),
    413: "The request body is larger than `max_body_bytes`, or the work would need more memory than "
    "`request_memory_mb`.",
    422: "The request is invalid or exceeds a limit; `detail` names it.",
    429: "This client is over its share (`detail` names it; Retry-After says when to retry).",
    503: "All CPU job slots are busy, running requests hold the memory budget `memory_budget_mb`, or the "
    "database cannot take the request now: read-only, unreachable or busy (`detail` says which; Retry-After "
    "says when to retry).",
    507: "The server's storage is full: nothing was written. Deleting models frees space (a delete works on "
    "a full disk).",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error answers a route can give (a route that may be busy (503) may
    also find its client over its share (429))."""
    if 503 in codes and 429 not in codes:
        codes = (*codes, 429)
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in sorted(codes)}


def _template_regex(template: str) -> str:
    return "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in template.split("/"))


def _allowed(app: FastAPI, path: str) -> list[str]:
    """The methods the API documents for this path (its OpenAPI path item). A literal path such as
    `/datasets/csv` wins over a template that also matches it (`/datasets/{name}`), as routing does."""
    matching = [(template, item) for template, item in app.openapi()["paths"].items()
                if re.fullmatch(_template_regex(template), path)]
    literal = [entry for entry in matching if "{" not in entry[0]]
    return sorted({method.upper() for _, item in (literal or matching) for method in item
                   if method != "parameters"})


def _error(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers: the API answers 4xx with a message, never an HTML page or a bare 500."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            # Starlette lists only the first route matching the path; Allow must name every method.
            return _error(405, exc.detail, {"Allow": ", ".join(_allowed(app, request.url.path))})
        if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
            # The body parser ran out of stack (api/guards.py JsonBody refuses JSON nested that deep first).
            return _error(422, str(NestingError("request body")))
        return await http_exception_handler(request, exc)

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        # Input nested deeper than a walk of it could follow: the user's to fix, so a 422 naming the limit.
        log.warning("%s %s: input nested too deeply (%s)", request.method, request.url.path, exc)
        return _error(422, str(NestingError("request")))

    @app.exception_handler(NoSpace)
    async def no_space(_: Request, exc: NoSpace) -> JSONResponse:  # logged by the store
        return _error(507, f"{exc}: nothing was written; deleting models frees space (DELETE "
                           "/api/v1/models/{id} works on a full disk)")

    @app.exception_handler(StorageUnavailable)
    async def storage_unavailable(_: Request, exc: StorageUnavailable) -> JSONResponse:  # logged by the store
        return _error(503, f"{exc}; nothing was written, retry in {exc.retry_after_s} s",
                      {"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(UnknownModel)
    async def unknown_model(_: Request, exc: UnknownModel) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(NotAllowed)
    async def not_allowed(_: Request, exc: NotAllowed) -> JSONResponse:
        if exc.missing:
            return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})
        return _error(403, str(exc))

    @app.exception_handler(ModelBusy)
    async def model_busy(_: Request, exc: ModelBusy) -> JSONResponse:
        return _error(409, str(exc), {"Retry-After": "1"})

    @app.exception_handler(OwnerFull)
    async def owner_full(_: Request, exc: OwnerFull) -> JSONResponse:
        return _error(429, str(exc), {"Retry-After": "3600"})

    @app.exception_handler(StoreFull)
    async def store_full(_: Request, exc: StoreFull) -> JSONResponse:
        return _error(409, str(exc))

    @app.exception_handler(MemoryTooLarge)
    async def memory_too_large(_: Request, exc: MemoryTooLarge) -> JSONResponse:
        return _error(413, str(exc))

    @app.exception_handler(MemoryBusy)
    async def memory_busy(_: Request, exc: MemoryBusy) -> JSONResponse:
        return _error(503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        return _error(503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(OverShare)
    async def over_share(_: Request, exc: OverShare) -> JSONResponse:
        return _error(429, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(ValueError)
    async def invalid(_: Request, exc: ValueError) -> JSONResponse:
        # SpecError, LimitError, ExpressionError and friends: the message names the problem or the limit.
        return _error(422, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal server error")
