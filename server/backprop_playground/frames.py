"""Traced steps of a model in wire form, shared by the REST routes and the WebSocket stream."""

from __future__ import annotations

from typing import Any

from backprop_playground import wire
from backprop_playground.nets.model import Model
from backprop_playground.wire import Encoding


def trace_rows(model: Model, count: int) -> list[int]:
    """The first `count` rows of a batch (capped by the smallest batch the model takes)."""
    n = len(model.train_data.x)
    size = model.spec.batch_size
    smallest = n if not size or size >= n else (n % size or size)
    return list(range(min(count, smallest)))


def step_frame(model: Model, rows: int, encoding: Encoding) -> dict[str, Any]:
    """One recorded training step as a wire trace; a diverged step (rolled back by the model) gives the
    trace at the kept parameters plus `diverged` saying where the NaN or Infinity appeared."""
    result = model.take_step(record=True, rows=trace_rows(model, rows))
    if result.diverged is None:
        return wire.trace(result.trace, encoding, step=result.step)
    frame = trace_frame(model, rows, encoding)
    frame["diverged"] = result.diverged.to_dict()
    return frame


def trace_frame(model: Model, rows: int, encoding: Encoding) -> dict[str, Any]:
    """Forward and backward at the current parameters (no update) as a wire trace."""
    return wire.trace(model.trace(rows=trace_rows(model, rows)), encoding, step=model.step_count)
