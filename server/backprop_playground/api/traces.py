"""GET /traces/{key}: a cached trace by its content key, cacheable by URL (browsers, nginx).

`POST /specs/step` and `POST /expressions` answer with `ETag: "<key>"` and `Content-Location:
/api/v1/traces/<key>` (api/deps.py `CachedTraceRoute`, backprop_playground.tracecache). The key names one
trace for as long as the server's version and limits stay the same, so its GET is immutable: a matching
`If-None-Match` answers 304 even once the trace has left the cache, and an evicted one answers 404 (POST
the request again).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response

from backprop_playground.api.deps import TRACES_ROUTE, TraceCacheDep, trace_headers
from backprop_playground.api.errors import responses
from backprop_playground.schema.trace import Trace
from backprop_playground.tracecache import KEY_BYTES

router = APIRouter(tags=["traces"])

MAX_AGE_S = 86_400
CACHE_CONTROL = f"public, max-age={MAX_AGE_S}, immutable"
TraceKey = Annotated[str, Path(pattern=f"^[0-9a-f]{{{2 * KEY_BYTES}}}$",
                               description="The content key: the ETag of a traced POST answer, unquoted.")]


def _matches(if_none_match: str | None, key: str) -> bool:
    """Whether an If-None-Match header names this key's entity tag (weak comparison, as for a GET)."""
    if not if_none_match:
        return False
    tag = f'"{key}"'
    return any(part.strip().removeprefix("W/") == tag for part in if_none_match.split(","))


@router.get(
    "/traces/{key}",
    name=TRACES_ROUTE,
    response_model=Trace,
    summary="A cached trace by its content key (the ETag of a traced POST), cacheable by URL",
    responses={**responses(404),
               304: {"description": "`If-None-Match` names this trace: the client has it already."}},
)
async def cached_trace(key: TraceKey, request: Request, cache: TraceCacheDep) -> Response:
    headers = {"ETag": f'"{key}"', "Cache-Control": CACHE_CONTROL}
    condition = request.headers.get("if-none-match")
    if _matches(condition, key):
        return Response(status_code=304, headers=headers)  # the content of a key never changes
    entry = cache.get(key, aliases=False)
    if entry is not None and condition is not None and condition.strip() == "*":
        return Response(status_code=304, headers=headers)
    if entry is None:
        raise HTTPException(404, f"trace {key} is not cached (or no longer): POST its request again")
    return Response(entry.body, media_type="application/json",
                    headers={**trace_headers(request, entry), "Cache-Control": CACHE_CONTROL})
