"""The one place traces and frames are built from the engine's recordings (docs/contracts.md §2).

- `recorded`: any recording as a plain trace: graph and events.
- `model_trace`: a model's recorded step or pass: graph (parameter nodes carry `param`), events, rows;
  `GraphCache` keeps a model's graph between steps that record the same structure.
- `expression_trace`: an expression's recorded forward and backward, with where to find things in it.
- `Frame`, `step_frame`, `trace_frame`: a model's traced step (or, when it diverged, the trace at the
  parameters it kept) with its step count: what REST answers and the stream sends, one frame per step.

What is built here holds NumPy arrays and no `seq` or `schema_version`: Python callers (the trainer,
lesson facts, tests) read it as it is; `backprop_playground.wire` numbers the events and encodes them.
The engine's `Recorder` only observes; a trace's shape is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from backprop_playground.engine import Recorder, Tensor


def recorded(rec: Recorder) -> dict:
    """{"graph": nodes, "events": events} of whatever `rec` recorded: the part every trace shares."""
    return {"graph": rec.graph(), "events": rec.events}


class GraphCache:
    """The graph of a model's last recording, reused while the recorded structure stays the same
    (`Recorder.structure`): every step records the same program, and composing its labels and LaTeX
    cost more than the step's arithmetic. Traces built with it share one graph: read it, never write it."""

    __slots__ = ("key", "graph")

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.graph: list[dict] = []


def model_trace(rec: Recorder, leaves: list[dict[str, Tensor]], rows: list[int] | None, batch_size: int,
                batch_index: np.ndarray | None = None, cache: GraphCache | None = None) -> dict:
    """{"graph": nodes, "events": events, "rows": traced rows of the batch, "data_rows": dataset rows}.
    `rows` None means every row of the batch (`batch_size` rows); `batch_index` maps batch rows to dataset
    rows (None: the batch is the dataset). Each parameter node (a tensor of `leaves`, per layer key →
    leaf) carries `param`: {"layer": 0-based layer, "key": "W" | "b" | "alpha", "index": None}, index None
    because the node is the whole tensor (see `param_identity`). With `cache`, the graph of an earlier
    trace of the same structure is reused (the same list)."""
    shown = list(range(batch_size)) if rows is None else rows
    data_rows = shown if batch_index is None else [int(batch_index[r]) for r in shown]
    identity = {rec.node_id(t): (layer, key)
                for layer, tensors in enumerate(leaves) for key, t in tensors.items()}
    structure = None if cache is None else rec.structure()
    if structure is not None:
        structure = (structure, tuple(identity.items()))
        if structure == cache.key:
            return {"graph": cache.graph, "events": rec.events, "rows": shown, "data_rows": data_rows}
    trace = recorded(rec)
    for node in trace["graph"]:
        ref = identity.get(node["id"])
        if ref is not None:
            node["param"] = param_identity(*ref)
    if structure is not None:
        cache.key, cache.graph = structure, trace["graph"]
    return {**trace, "rows": shown, "data_rows": data_rows}


def param_identity(layer: int, key: str, index: list[int] | None = None) -> dict:
    """Which parameter a node is: layer (0-based, as in ModelSpec `params`), key ("W", "b", "alpha") and
    index (0-based position of one entry, one number per axis; None for the whole tensor). Clients name
    it from these (W₁, b₂, W₁[0,1]) instead of parsing labels."""
    return {"layer": layer, "key": key, "index": index}


def expression_trace(rec: Recorder, source: str, mode: str, out: Tensor, leaves: dict[str, Tensor]) -> dict:
    """{"source", "mode", "graph", "events", "output", "value", "inputs", "gradients"} of an expression
    recorded by `rec`: `out` its value, `leaves` its variables (name → leaf); "gradients" are each
    variable's ∂out/∂variable (zeros for one that does not reach `out`). Symbolic mode adds
    "gradient_nodes", the node of each gradient (None where there is none)."""
    result = {
        "source": source, "mode": mode, **recorded(rec),
        "output": rec.node_id(out), "value": out.data,
        "inputs": {name: rec.node_id(leaf) for name, leaf in leaves.items()},
        "gradients": {name: _grad_value(leaf.grad, leaf.data) for name, leaf in leaves.items()},
    }
    if mode == "symbolic":
        result["gradient_nodes"] = {name: _node_id(rec, leaf.grad) for name, leaf in leaves.items()}
    return result


def _grad_value(grad, like: np.ndarray) -> np.ndarray:
    if grad is None:
        return np.zeros_like(like)
    return np.asarray(getattr(grad, "data", grad), dtype=float)


def _node_id(rec: Recorder, tensor) -> str | None:
    if tensor is None or not hasattr(tensor, "data"):
        return None
    try:
        return rec.node_id(tensor)
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class Frame:
    """A model's trace and its step count, not yet encoded: `trace` as `model_trace` built it (its arrays
    are never written again), `step` the model's step after it; `diverged` (a `Diverged.to_dict()`) when
    the step was rolled back, `trace` then being the one at the parameters the model kept."""

    trace: Mapping[str, Any]
    step: int
    diverged: dict | None = None


def trace_rows(model, count: int) -> list[int]:
    """The first `count` rows of a batch of `model` (capped by the smallest batch the model takes)."""
    n = len(model.train_data.x)
    size = model.spec.batch_size
    smallest = n if not size or size >= n else (n % size or size)
    return list(range(min(count, smallest)))


def step_frame(model, rows: list[int]) -> Frame:
    """One recorded training step of `model` showing batch rows `rows`; a diverged step (rolled back by
    the model) gives the trace at the kept parameters plus `diverged` saying where the NaN or Infinity
    appeared."""
    result = model.take_step(record=True, rows=rows)
    if result.diverged is None:
        return Frame(result.trace, result.step)
    return replace(trace_frame(model, rows), diverged=result.diverged.to_dict())


def trace_frame(model, rows: list[int]) -> Frame:
    """Forward and backward of `model` at its current parameters (no update), showing rows `rows`."""
    return Frame(model.trace(rows=rows), model.step_count)
