"""The training step on the engine: forward, cost (data term + weight decay), backward, optimizer update,
metrics and divergence detection; plus the thinned metrics history.

The trainer reads a model and returns what a step changes (`StepUpdate`); the model applies it, so only
the model writes its own state."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from backprop_playground.engine import Recorder, Tensor, no_grad
from backprop_playground.nets import heads, optim
from backprop_playground.nets.datasets import Dataset
from backprop_playground.nets.limits import Limits, SpecError
from backprop_playground.nets.net import (
    LayerShape,
    check_size,
    forward,
    init_params,
    param_tensors,
    params_from_lists,
)
from backprop_playground.nets.results import Diverged, StepResult
from backprop_playground.nets.spec import ModelSpec
from backprop_playground.nets.traces import GraphCache, model_trace

MAX_HISTORY = 5_000


def initial_params(spec: ModelSpec, shapes: list[LayerShape], limits: Limits,
                   y: np.ndarray | None = None) -> list[dict[str, np.ndarray]]:
    """The spec's explicit `params`, or a seeded initialisation (whose output bias may start from the
    training targets `y`, see heads.init_output_bias)."""
    check_size(shapes, limits)
    if spec.params is not None:
        return params_from_lists(spec.params, shapes)
    params = init_params(shapes, spec.seed)
    if y is not None:
        params[-1]["b"] = heads.init_output_bias(spec, params[-1]["b"], y)
    return params


class History:
    """Metrics of every `stride`-th step; when more than MAX_HISTORY pile up, every other one is dropped and
    the stride doubles, so a long run keeps an evenly spaced, bounded curve."""

    def __init__(self, entries: list[dict] | None = None, stride: int = 1):
        self.entries = entries or []
        self.stride = stride

    def wants(self, step: int) -> bool:
        return step % self.stride == 0

    def add(self, entry: dict) -> None:
        self.entries.append(entry)
        if len(self.entries) > MAX_HISTORY:
            self.stride *= 2
            self.entries = [e for e in self.entries if e["step"] % self.stride == 0]


@dataclass(frozen=True)
class StepUpdate:
    """What one finished step changes, for the model to apply: the parameters and optimizer state after
    it, the step count and the step's metrics row {step, loss, accuracy} (held-out metrics are the
    model's to add, on the steps its history keeps)."""

    params: list[dict[str, np.ndarray]]
    opt_state: dict
    step: int
    metrics: dict


class Batch:
    """One step's rows as engine leaves: x and y (batched, so traces can show single rows)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, index: np.ndarray | None = None):
        self.x = Tensor(x, label="x", role="input", batched=True)
        self.y = Tensor(y, label="y", role="input", batched=True)
        self.index = index


class Trainer:
    """Runs steps for a Model: holds the data as tensors and the batch schedule (seeded per epoch)."""

    def __init__(self, spec: ModelSpec, shapes: list[LayerShape], train: Dataset, test: Dataset | None,
                 limits: Limits):
        self.spec, self.shapes, self.task = spec, shapes, train.task
        # parameter leaves first, then the data: every step's graph numbers its nodes the same way
        self._leaves = param_tensors([_placeholder(shape) for shape in shapes])
        self.x, self.y = train.x, heads.targets(spec, train)
        self.full = Batch(self.x, self.y)
        self.test = None if test is None else Batch(test.x, heads.targets(spec, test))
        self.graphs = GraphCache()  # every step's recorded graph is the same: built once

    # ---- one step ----
    def batch(self, step: int) -> Batch:
        """Rows of step `step` (0-based): everything, or the next mini-batch of a seeded shuffle per epoch."""
        size, n = self.spec.batch_size, len(self.x)
        if size is None or size >= n:
            return self.full
        per_epoch = -(-n // size)
        epoch, k = divmod(step, per_epoch)
        order = np.random.default_rng([self.spec.seed, epoch]).permutation(n)
        index = np.sort(order[k * size:(k + 1) * size])
        return Batch(self.x[index], self.y[index], index)

    def cost(self, tensors: list[dict[str, Tensor]], batch: Batch) -> tuple[Tensor, Tensor, np.ndarray]:
        """(J, data loss L, output values) for one batch: J = L + λ Σₗ ‖Wₗ‖² when weight decay is on."""
        out = forward(tensors, batch.x, self.shapes).out
        if self.spec.output.kind == "linear":
            out.label = "ŷ"
        loss = heads.loss(self.spec, out, batch.y)
        loss.label = "L"
        lam = self.spec.weight_decay
        if lam == 0:
            return loss, loss, out.data
        squares = [(layer["W"] * layer["W"]).sum() for layer in tensors]
        total = squares[0]
        for s in squares[1:]:
            total = total + s
        penalty = total * lam
        penalty.label = "λ‖W‖²"
        cost = loss + penalty
        cost.label = "J"
        return cost, loss, out.data

    def leaves(self, params: list[dict[str, np.ndarray]]) -> list[dict[str, Tensor]]:
        """The parameter leaves, made once and pointed at the current arrays each step (gradients cleared).
        Updates replace arrays rather than writing into them, so recorded values stay as they were."""
        for layer, arrays in zip(self._leaves, params, strict=True):
            for key, t in layer.items():
                t.data = arrays[key]
                t.grad = None
        return self._leaves

    def compute(self, model, batch: Batch):
        """Forward and backward at the model's parameters: (tensors, J, L, output, grads)."""
        tensors = self.leaves(model.params)
        cost, loss, out = self.cost(tensors, batch)
        cost.backward()
        grads = [t.grad for layer in tensors for t in layer.values()]
        return tensors, cost, loss, out, grads

    def run(self, model, record: bool = False,
            rows: list[int] | None = None) -> tuple[StepResult, StepUpdate | None]:
        """One step from `model`'s state: its result and the StepUpdate to apply (None when anything became
        non-finite: the step is not taken, and the result says where)."""
        batch = self.batch(model.step_count)
        rows = _check_rows(rows, len(batch.x.data)) if record else None
        with np.errstate(all="ignore"):
            if record:
                with Recorder(row_index=rows) as rec:
                    result, update = self._step(model, batch, rec)
                if update is not None:
                    result.trace = model_trace(rec, self._leaves, rows, len(batch.x.data), batch.index,
                                               self.graphs)
                return result, update
            return self._step(model, batch, None)

    def _step(self, model, batch: Batch, rec) -> tuple[StepResult, StepUpdate | None]:
        tensors, cost, loss, out, grads = self.compute(model, batch)
        value = float(loss.data)
        flat = [t for layer in tensors for t in layer.values()]
        new, deltas, state = optim.update(model.hyper, [t.data for t in flat], grads, model.opt_state)
        step = model.step_count
        if not all_finite([cost.data, *new]):  # a NaN/Inf gradient always makes its update non-finite
            return StepResult(step, None, None, self.locate(model, batch, new)), None
        step += 1
        accuracy = heads.accuracy(self.spec, self.task, out, batch.y.data)
        if rec is not None:
            for t, p, d in zip(flat, new, deltas, strict=True):
                rec.add_update(t, p, d)
            rec.add_metrics(step, value, accuracy)
        update = StepUpdate(_unflatten(model.params, new), state, step,
                            {"step": step, "loss": value, "accuracy": accuracy})
        return StepResult(step, value, accuracy), update

    def evaluate(self, model, batch: Batch) -> dict:
        """Data loss and accuracy on held-out rows, without recording."""
        with no_grad():
            out = forward(param_tensors(model.params), batch.x, self.shapes).out
            loss = heads.loss(self.spec, out, batch.y)
        return {"test_loss": float(loss.data),
                "test_accuracy": heads.accuracy(self.spec, self.task, out.data, batch.y.data)}

    # ---- divergence ----
    def locate(self, model, batch: Batch, new: list[np.ndarray]) -> Diverged:
        """Re-run the failed step with a recorder to name the first non-finite node (forward, then backward),
        else the parameter whose update overflowed."""
        with Recorder() as rec:
            tensors, cost, _, _, _ = self.compute(model, batch)
        labels = {node["id"]: node["label"] for node in rec.graph()}
        for event in rec.events:
            value = event.get("value", event.get("contribution"))
            if value is not None and not np.all(np.isfinite(value)):
                what = "forward value" if event["type"] == "forward" else "gradient"
                if event["node"] == rec.node_id(cost):
                    what = "loss"
                return Diverged(model.step_count + 1, event["node"], labels[event["node"]], what)
        flat = [t for layer in tensors for t in layer.values()]
        for t, p in zip(flat, new, strict=True):
            if not np.all(np.isfinite(p)):
                return Diverged(model.step_count + 1, rec.node_id(t), t.label, "parameter")
        return Diverged(model.step_count + 1, None, None, "value")

    # ---- traces ----
    def trace(self, model, rows: list[int] | None) -> dict:
        """Forward + backward over all training rows at the current parameters, recorded, no update."""
        rows = _check_rows(rows, len(self.x))
        with np.errstate(all="ignore"), Recorder(row_index=rows) as rec:
            _, _, loss, out, _ = self.compute(model, self.full)
            rec.add_metrics(model.step_count, float(loss.data),
                            heads.accuracy(self.spec, self.task, out, self.full.y.data))
        return model_trace(rec, self._leaves, rows, len(self.x), cache=self.graphs)


def _placeholder(shape: LayerShape) -> dict[str, np.ndarray]:
    layer = {"W": np.zeros((shape.fan_in, shape.fan_out)), "b": np.zeros(shape.fan_out)}
    if shape.activation == "prelu":
        layer["alpha"] = np.zeros(shape.fan_out)
    return layer


def all_finite(arrays: list[np.ndarray]) -> bool:
    """Whether every entry is finite: one sum per array (NaN and ±Inf propagate into the total), which is
    cheaper on small nets than an isfinite pass per array; a total overflowing from finite values above
    ~1e307 also counts as diverged."""
    total = 0.0
    for a in arrays:
        total += float(a.sum())
    return math.isfinite(total)


def _check_rows(rows: list[int] | None, n: int) -> list[int] | None:
    if rows is None:
        return None
    rows = [int(r) for r in rows]
    bad = [r for r in rows if not 0 <= r < n]
    if bad:
        raise SpecError(f"row {bad[0]} is out of range: the batch has {n} rows (0…{n - 1})")
    return rows


def _unflatten(params: list[dict[str, np.ndarray]], flat: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    it = iter(flat)
    return [{key: next(it) for key in layer} for layer in params]
