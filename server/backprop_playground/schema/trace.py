"""Traces and the stream's messages as pydantic models (docs/contracts.md §2, §5): what
`GET /api/v1/schema/trace` serves (`trace_json_schema`) and what the trace routes declare."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backprop_playground.schema.api import WireFloat
from backprop_playground.schema.ws import Config, Pause, Play, Reset, Step

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


class StreamProgress(BaseModel):
    """WebSocket, while fast-forwarding: the losses of the untraced steps `steps[0]`…`steps[1]` (one entry a
    step, in order), sent before the next trace; every step's loss arrives once, here or in a trace."""

    type: Literal["progress"]
    steps: tuple[int, int] = Field(description="The first and last step of the run, inclusive.")
    loss: list[float] = Field(description="Each step's training loss (its batch's data loss).")
    accuracy: list[float | None] | None = Field(
        default=None, description="Each step's batch accuracy; absent for nets without one (regression).")


class StreamError(BaseModel):
    """WebSocket: a command was not understood or failed; the connection stays open."""

    type: Literal["error"]
    detail: Any


def trace_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a trace; stream messages are in its $defs."""
    schema = Trace.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    for model in (StreamTrace, StreamProgress, StreamError, Step, Play, Pause, Reset, Config):
        extra = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(extra.pop("$defs", {}))
        defs[model.__name__] = extra
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/schema/trace",
        **schema,
    }
