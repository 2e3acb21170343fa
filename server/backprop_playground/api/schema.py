"""The trace JSON Schema: GET /api/v1/schema/trace."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter

from backprop_playground.schema.trace import trace_json_schema

router = APIRouter(prefix="/schema", tags=["schema"])


@router.get(
    "/trace",
    response_model=dict[str, Any],
    summary="JSON Schema (2020-12) of a trace and of the stream's messages",
)
def trace_schema() -> dict[str, Any]:
    return _schema()


@cache
def _schema() -> dict[str, Any]:
    return trace_json_schema()
