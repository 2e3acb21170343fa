"""Bases of the REST bodies: requests refuse what their OpenAPI schema forbids; responses follow the NaN
policy (docs/contracts.md §2, §4)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema

NONFINITE = ["NaN", "Infinity", "-Infinity"]

WireFloat = Annotated[
    float,
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "enum": NONFINITE}],
            "description": 'A number; non-finite ones are the strings "NaN", "Infinity", "-Infinity".',
        }
    ),
]
"""A float under the NaN policy: WireModel subclasses serialise NaN/±Infinity as strings."""


class RequestModel(BaseModel):
    """Base of every request body: unknown fields, NaN and type coercions (true as 1, "2" as 2) are
    refused, so what the OpenAPI schema forbids the server refuses too."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class WireModel(BaseModel):
    """Base of every response model: non-finite floats become "NaN" / "Infinity" / "-Infinity"."""

    model_config = ConfigDict(ser_json_inf_nan="strings")
