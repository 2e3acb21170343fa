"""Dependencies of the routers as Annotated aliases: settings, limits, hub, job pool, lessons, token,
encoding, and what a traced response needs (`TraceDep`); the trace cache's route class and decorator
(`cached_post`, `CachedTraceDep`) for the deterministic traced routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backprop_playground.admission.budget import MemoryBudget
from backprop_playground.admission.jobs import JobPool
from backprop_playground.hub import ModelHub
from backprop_playground.nets.lessons.library import Library
from backprop_playground.nets.limits import Limits
from backprop_playground.settings import Settings
from backprop_playground.tracecache import Entry, TraceCache
from backprop_playground.wire import Encoding


def get_app_settings(request: Request) -> Settings:
    """The app's own settings (each app has its own: tests and replicas run several in one process), not
    settings.get_settings(), which reads the environment."""
    return request.app.state.settings


def get_hub(request: Request) -> ModelHub:
    return request.app.state.hub


def get_jobs(request: Request) -> JobPool:
    return request.app.state.jobs


def get_limits(request: Request) -> Limits:
    return request.app.state.limits


def get_budget(request: Request) -> MemoryBudget:
    return request.app.state.budget


def get_trace_cache(request: Request) -> TraceCache:
    return request.app.state.trace_cache


def get_lessons(request: Request) -> Library:
    """The lessons this app shows (the built-ins and its lessons folder), looked at again if a file of the
    folder changed."""
    library: Library = request.app.state.lessons
    library.refresh()
    return library


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="edit_token",
    description="The `edit_token` returned when the model was created: `Authorization: Bearer <edit_token>`.",
)


def edit_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    """The bearer token of the request, if any (checked against the model by the hub)."""
    return credentials.credentials if credentials else None


def encoding(
    encoding: Annotated[
        Literal["json", "f32"],
        Query(description="Tensor encoding: plain JSON numbers, or float32 little-endian base64 (`b64`)."),
    ] = "json",
    summary_over: Annotated[
        int | None,
        Query(ge=0, le=10**9, description="Send tensors with more elements as {min, max, mean, std}."),
    ] = None,
) -> Encoding:
    return Encoding(tensors=encoding, summary_over=summary_over)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
HubDep = Annotated[ModelHub, Depends(get_hub)]
JobsDep = Annotated[JobPool, Depends(get_jobs)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
BudgetDep = Annotated[MemoryBudget, Depends(get_budget)]
TraceCacheDep = Annotated[TraceCache, Depends(get_trace_cache)]
LessonsDep = Annotated[Library, Depends(get_lessons)]
TokenDep = Annotated[str | None, Depends(edit_token)]
EncodingDep = Annotated[Encoding, Depends(encoding)]
RowsQuery = Annotated[
    int | None,
    Query(ge=1, le=10_000, description="How many data rows the trace follows (default: a handful)."),
]


@dataclass(frozen=True)
class TraceOpts:
    """What a traced response needs: the rows it follows (the `rows` query, else the `trace_rows` setting),
    the limits and memory budget it is admitted under, and the tensor encoding."""

    rows: int
    limits: Limits
    budget: MemoryBudget
    encoding: Encoding


def trace_opts(settings: SettingsDep, limits: LimitsDep, budget: BudgetDep, encoding: EncodingDep,
               rows: RowsQuery = None) -> TraceOpts:
    return TraceOpts(rows or settings.trace_rows, limits, budget, encoding)


TraceDep = Annotated[TraceOpts, Depends(trace_opts)]


# The trace cache (backprop_playground.tracecache) on the API's side: a route of `cached_post` is answered
# from the cache by its request as sent, before validation and without a CPU job slot; on a miss its function
# runs and answers through `CachedTrace.answer`, which keys the validated request and computes it once.
ENTRY = "backprop_playground.trace_entry"  # scope key: the entry a cached route's function answered
TRACES_ROUTE = "cached_trace"  # the name of GET /traces/{key} (api/traces.py), for Content-Location


def trace_headers(request: Request, entry: Entry) -> dict[str, str]:
    """ETag (the content key) and where the same trace can be fetched with a GET (Content-Location)."""
    prefix = getattr(request.app.state, "trace_location", None)
    if prefix is None:  # the path of GET /traces/{key}, looked up once per app
        prefix = request.app.state.trace_location = request.app.url_path_for(TRACES_ROUTE, key="-")[:-1]
    return {"ETag": entry.etag, "Content-Location": request.scope.get("root_path", "") + prefix + entry.key}


def trace_response(request: Request, entry: Entry) -> Response:
    return Response(entry.body, media_type="application/json", headers=trace_headers(request, entry))


class _Uncached(Exception):
    """The route answered without an entry to share (not a trace answer): its response goes out as it is."""

    def __init__(self, response: Response) -> None:
        self.response = response


class CachedTraceRoute(APIRoute):
    """A route whose answer follows from its request alone: identical requests as sent (method, path, query,
    content type, body bytes) are answered from the trace cache, or wait for the one computing them,
    before FastAPI validates anything; the first one runs the route as usual."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            cache: TraceCache = request.app.state.trace_cache
            scope = request.scope
            kind = next((value for name, value in scope["headers"] if name == b"content-type"), b"")
            key = cache.request_key(scope["method"], scope["path"], scope["query_string"], kind,
                                    await request.body())
            computed: Response | None = None

            async def compute() -> Entry:
                nonlocal computed
                computed = await handler(request)  # validation, admission, the job: errors raise as usual
                entry = scope.get(ENTRY)
                if entry is None or computed.status_code != 200:
                    raise _Uncached(computed)
                return entry

            try:
                entry = await cache.shared(key, compute)
            except _Uncached as uncached:
                return uncached.response
            return computed if computed is not None else trace_response(request, entry)

        return answer


def cached_post(router: APIRouter, path: str, **route: Any) -> Callable:
    """`@router.post(path, **route)` for a route answered through the trace cache (CachedTraceRoute); its
    function answers with `CachedTrace.answer`. Only for routes whose answer follows from the request
    alone."""
    responses = dict(route.pop("responses", {}))
    responses[200] = {**responses.get(200, {}), "headers": {
        "ETag": {"description": "The trace's content key, quoted.", "schema": {"type": "string"}},
        "Content-Location": {"description": "GET /traces/{key}: the same trace, cacheable by URL.",
                             "schema": {"type": "string"}},
    }}

    def add(endpoint: Callable) -> Callable:
        router.add_api_route(path, endpoint, methods=["POST"], responses=responses,
                             route_class_override=CachedTraceRoute, **route)
        return endpoint

    return add


@dataclass(frozen=True)
class CachedTrace:
    """What a cached route's function answers with: `answer(parts, compute)` keys the validated request by
    `parts` and answers the cached trace, the one being computed, or `compute()`'s bytes."""

    cache: TraceCache
    request: Request

    async def answer(self, parts: tuple, compute: Callable[[], Awaitable[bytes]]) -> Response:
        key = self.cache.content_key(*parts)

        async def computed() -> Entry:
            return Entry(key, await compute())

        entry = await self.cache.shared(key, computed)
        self.request.scope[ENTRY] = entry
        return trace_response(self.request, entry)


def get_cached_trace(request: Request) -> CachedTrace:
    return CachedTrace(request.app.state.trace_cache, request)


CachedTraceDep = Annotated[CachedTrace, Depends(get_cached_trace)]
