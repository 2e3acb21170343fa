"""Liveness: GET /api/v1/health."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backprop_playground import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server answers and says which version it runs."""

    status: str = "ok"
    version: str


@router.get("/health", response_model=Health, summary="Is the server up?")
def health() -> Health:
    return Health(version=__version__)
