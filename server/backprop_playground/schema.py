"""The wire's shapes as pydantic models: the trace (docs/contracts.md §2), stream messages and commands
(§5), the NaN policy.

These models document and validate; the hot path never instantiates them (wire.py encodes traces
directly). `trace_json_schema()` is what `GET /api/v1/schema/trace` serves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, WithJsonSchema

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


class ParamRef(BaseModel):
    """Which model parameter a node is, so that clients name it without parsing its label."""

    model_config = ConfigDict(extra="forbid")
    layer: int = Field(ge=0, description="0-based layer, as in a ModelSpec's `params` list (W₁ is layer 0).")
    key: Literal["W", "b", "alpha"] = Field(description="Which tensor of the layer.")
    index: list[Annotated[int, Field(ge=0)]] | None = Field(
        description="0-based position of one entry, one number per axis; null for the whole tensor "
                    "(every parameter node of a trace is a whole tensor).")


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
    phase: Literal["forward", "backward"] | None = Field(
        default=None, description='"backward": made by a create_graph backward pass (symbol-to-symbol).')
    param: ParamRef | None = Field(default=None, description="Set on the parameter nodes of model traces.")


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


MAX_PENDING_STEPS = 64
MAX_COMMAND_CHARS = 4096


class _Command(RequestModel):
    """A stream command (client → server), JSON text."""


class Step(_Command):
    type: Literal["step"]
    count: int = Field(default=1, ge=1, le=MAX_PENDING_STEPS)


class Play(_Command):
    type: Literal["play"]
    rate: float = Field(gt=0, description="Steps per second (capped by max_stream_rate).")


class Pause(_Command):
    type: Literal["pause"]


class Reset(_Command):
    type: Literal["reset"]
    seed: int | None = Field(default=None, ge=0, lt=2**32)


class Config(_Command):
    type: Literal["config"]
    lr: float | None = Field(default=None, gt=0, le=1e3)
    rows: int | None = Field(default=None, ge=1, le=10_000)
    encoding: Literal["json", "f32"] | None = None
    summary_over: int | None = Field(default=None, ge=0)


Command = Annotated[Step | Play | Pause | Reset | Config, Field(discriminator="type")]
COMMANDS: TypeAdapter[Command] = TypeAdapter(Command)


def parse_command(text: str) -> Command:
    """A command from JSON text; ValueError with a readable message otherwise."""
    if len(text) > MAX_COMMAND_CHARS:
        raise ValueError(f"command longer than {MAX_COMMAND_CHARS} characters")
    try:
        return COMMANDS.validate_python(orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'command'}: {e['msg']}" for e in exc.errors()
        )
        expected = "expected type step, play, pause, reset or config"
        raise ValueError(f"bad command ({problems}); {expected}") from None


def trace_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a trace; stream messages are in its $defs."""
    schema = Trace.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    for model in (StreamTrace, StreamError, Step, Play, Pause, Reset, Config):
        extra = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(extra.pop("$defs", {}))
        defs[model.__name__] = extra
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/schema/trace",
        **schema,
    }
