"""Dependencies of the routers as Annotated aliases: settings, limits, hub, job pool, token, encoding, and
what a traced response needs (`TraceDep`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backprop_playground.budget import MemoryBudget
from backprop_playground.hub import ModelHub
from backprop_playground.jobs import JobPool
from backprop_playground.nets.limits import Limits
from backprop_playground.settings import Settings
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
