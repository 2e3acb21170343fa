"""The wire's shapes as pydantic models: the trace (contracts §2), stream messages (§4), the NaN policy.

These models document and validate; the hot path never instantiates them (server.wire encodes traces
directly). `trace_json_schema()` is what `GET /api/v1/schema/trace` serves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

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


Shape = Annotated[list[int], Field(description="Dimensions, e.g. [4, 2]; [] for a scalar.")]


class TensorData(BaseModel):
    """Plain JSON tensor: `data` is flat, row-major."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="strings")
    shape: Shape
    data: list[WireFloat]


class TensorF32(BaseModel):
    """Compact tensor: little-endian float32 bytes, base64 (asked for with encoding=f32)."""

    model_config = ConfigDict(extra="forbid")
    shape: Shape
    dtype: Literal["float32"]
    b64: str


class Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: WireFloat | None
    max: WireFloat | None
    mean: WireFloat | None
    std: WireFloat | None


class TensorSummary(BaseModel):
    """A large tensor sent as statistics only (asked for with summary_over=N)."""

    model_config = ConfigDict(extra="forbid")
    shape: Shape
    summary: Summary


Tensor = TensorData | TensorF32 | TensorSummary


class Node(BaseModel):
    """A node of the computation graph, in creation (topological) order."""

    model_config = ConfigDict(extra="allow")
    id: str
    op: str
    label: str | None = None
    role: Literal["input", "param", "const", "op", "loss"]
    shape: Shape
    inputs: list[str] = Field(description="Argument order; a node used twice appears twice.")
    latex: str | None = None


class Graph(BaseModel):
    nodes: list[Node]


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")
    seq: int = Field(ge=0, description="Increasing within one trace.")


class ForwardEvent(_Event):
    type: Literal["forward"]
    node: str
    value: Tensor


class BackwardEvent(_Event):
    """One gradient contribution along an edge: consumer `from` → input `node`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    type: Literal["backward"]
    node: str
    from_: str = Field(alias="from")
    input_index: int = Field(ge=0)
    contribution: Tensor
    total: Tensor
    pending: int = Field(ge=0)


class UpdateEvent(_Event):
    type: Literal["update"]
    node: str
    value: Tensor
    delta: Tensor


class MetricsEvent(_Event):
    type: Literal["metrics"]
    step: int
    loss: WireFloat | None
    accuracy: WireFloat | None


Event = Annotated[ForwardEvent | BackwardEvent | UpdateEvent | MetricsEvent, Field(discriminator="type")]


class Trace(BaseModel):
    """A trace: the graph and the forward, backward, update and metrics events of one pass."""

    model_config = ConfigDict(extra="allow")
    schema_version: Literal[1]
    step: int | None = Field(default=None, description="Model step after this trace (model traces).")
    graph: Graph
    events: list[Event]
    rows: list[int] | None = Field(default=None, description="Which data rows the trace follows.")


class StreamTrace(BaseModel):
    """WebSocket: one message per training step; `graph` only first and whenever it changes."""

    model_config = ConfigDict(extra="allow")
    type: Literal["trace"]
    schema_version: Literal[1]
    step: int
    graph: Graph | None = None
    events: list[Event]
    rows: list[int] | None = None


class StreamError(BaseModel):
    """WebSocket: a command was not understood or failed; the connection stays open."""

    type: Literal["error"]
    detail: Any


def trace_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a trace; stream messages are in its $defs."""
    schema = Trace.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    for model in (StreamTrace, StreamError):
        extra = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(extra.pop("$defs", {}))
        defs[model.__name__] = extra
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/schema/trace",
        **schema,
    }
