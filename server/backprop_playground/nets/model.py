"""Model: a net built from a ModelSpec together with its data, optimizer, step count and history, and their
saved state (`to_state` / `from_state`, what the store keeps)."""

from __future__ import annotations

import threading

import numpy as np
from pydantic import ValidationError

from backprop_playground.engine import Tensor, no_grad
from backprop_playground.nets import heads, optim
from backprop_playground.nets.datasets import Dataset, dataset_from_inline, make_dataset, split
from backprop_playground.nets.limits import DEFAULT_LIMITS, Limits, SpecError
from backprop_playground.nets.net import forward, layer_shapes, param_tensors, params_from_lists
from backprop_playground.nets.results import StepResult, TrainResult
from backprop_playground.nets.spec import ModelSpec, OptimizerSpec, check_architecture, resolve_optimizer
from backprop_playground.nets.training import History, StepUpdate, Trainer, initial_params

__all__ = ["Model", "build_data"]
STATE_VERSION = 1


def build_data(spec: ModelSpec, limits: Limits = DEFAULT_LIMITS) -> tuple[Dataset, Dataset | None]:
    """The spec's training data and (with test_fraction) held-out test data."""
    d = spec.data
    seed = 0 if d.seed is None else d.seed
    if d.dataset is not None:
        data = make_dataset(d.dataset, d.n, d.noise, seed, d.classes, limits)
    else:
        data = dataset_from_inline(d.x, d.y, limits)
    return split(data, d.test_fraction, seed)


class Model:
    """A trainable net. Drive it from one thread at a time; each public method holds the model's lock."""

    def __init__(self, spec: ModelSpec, limits: Limits = DEFAULT_LIMITS):
        check_architecture(spec, limits)
        self.spec, self.limits = spec, limits
        self.train_data, self.test_data = build_data(spec, limits)
        self.shapes = layer_shapes(spec, self.train_data.x.shape[1])
        self._lock = threading.RLock()
        self._trainer = Trainer(spec, self.shapes, self.train_data, self.test_data, limits)
        self.hyper = resolve_optimizer(spec.optimizer)
        self._init_state(initial_params(spec, self.shapes, limits, self.train_data.y))

    @classmethod
    def create(cls, spec: ModelSpec | dict, limits: Limits = DEFAULT_LIMITS) -> Model:
        """Build and initialise a model; SpecError/LimitError say what is wrong with the spec or data."""
        if isinstance(spec, dict):
            try:
                spec = ModelSpec.model_validate(spec)
            except ValidationError as exc:
                raise SpecError(f"invalid model spec: {exc}") from None
        return cls(spec, limits)

    def _init_state(self, params: list[dict[str, np.ndarray]]) -> None:
        self.params = params
        self.opt_state = optim.new_state(self.hyper, self._flat())
        self._step = 0
        self._history = History()
        self._metrics: dict | None = None

    def _flat(self) -> list[np.ndarray]:
        return [a for layer in self.params for a in layer.values()]

    # ---- read-only views ----
    @property
    def step(self) -> StepCount:
        """Steps taken so far, an int; calling it, `model.step(record, rows)`, takes one step."""
        return StepCount(self._step, self)

    @property
    def step_count(self) -> int:
        """Optimizer steps taken since initialisation."""
        return self._step

    @property
    def history(self) -> list[dict]:
        """Per-step metrics {step, loss, accuracy, test_loss?, test_accuracy?} (thinned beyond 5,000)."""
        return list(self._history.entries)

    @property
    def metrics(self) -> dict | None:
        """The latest step's metrics, or None before the first step."""
        return None if self._metrics is None else dict(self._metrics)

    def params_json(self) -> list[dict]:
        """Parameters per layer as lists: {"W": [[..]], "b": [..]} plus "alpha" for PReLU layers."""
        with self._lock:
            return [{key: value.tolist() for key, value in layer.items()} for layer in self.params]

    # ---- training ----
    def take_step(self, record: bool = False, rows: list[int] | None = None) -> StepResult:
        """One optimizer step; with `record`, StepResult.trace holds its graph and events (forward, backward,
        update, metrics) for the training rows `rows` (default: all rows of the batch)."""
        with self._lock:
            return self._take_step(record, rows)

    def train(self, steps: int, every: int = 0, on_progress=None, should_stop=None) -> TrainResult:
        """Take up to `steps` steps; call on_progress(step, loss, accuracy) every `every` steps; stop early
        when should_stop() is true (checked between steps) or when training diverges."""
        self.limits.check("steps", steps)
        if steps < 0:
            raise SpecError(f"steps must be ≥ 0, got {steps}")
        with self._lock:
            first = self._step
            last, stopped = None, False
            for _ in range(steps):
                if should_stop is not None and should_stop():
                    stopped = True
                    break
                last = self._take_step(False, None)
                if last.diverged is not None:
                    break
                if on_progress is not None and every and self._step % every == 0:
                    on_progress(self._step, last.loss, last.accuracy)
            metrics = self._metrics or {}
            return TrainResult(self._step, self._step - first, metrics.get("loss"), metrics.get("accuracy"),
                               [e for e in self._history.entries if e["step"] > first],
                               last.diverged if last else None, stopped)

    def _take_step(self, record: bool, rows: list[int] | None) -> StepResult:
        result, update = self._trainer.run(self, record, rows)
        if update is not None:  # None: the step diverged and is not taken
            self._advance(update)
        return result

    def _advance(self, update: StepUpdate) -> None:
        """Apply a step: parameters, optimizer state, step count, latest metrics, and on the steps the
        history keeps, a history row with the held-out metrics."""
        self.params, self.opt_state, self._step = update.params, update.opt_state, update.step
        entry = dict(update.metrics)
        kept = self._history.wants(self._step)
        if kept and self._trainer.test is not None:
            with np.errstate(all="ignore"):
                entry.update(self._trainer.evaluate(self, self._trainer.test))
        self._metrics = entry
        if kept:
            self._history.add(entry)

    def trace(self, rows: list[int] | None = None) -> dict:
        """Forward and backward on all training rows at the current parameters, without an update."""
        with self._lock:
            return self._trainer.trace(self, rows)

    def evaluate(self) -> dict:
        """Data loss and accuracy at the current parameters on the training rows (and test rows, if any)."""
        with self._lock, np.errstate(all="ignore"):
            trainer = self._trainer
            train = trainer.evaluate(self, trainer.full)
            result = {"loss": train["test_loss"], "accuracy": train["test_accuracy"]}
            if trainer.test is not None:
                result.update(trainer.evaluate(self, trainer.test))
            return result

    def hidden(self, x: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's activations h₁, h₂, … for rows `x`."""
        x = np.asarray(x, dtype=float)
        with self._lock, no_grad(), np.errstate(all="ignore"):
            return [h.data for h in forward(param_tensors(self.params), Tensor(x), self.shapes).hidden]

    # ---- using the model ----
    def output(self, x: np.ndarray) -> np.ndarray:
        """Raw output-layer values (logits, means, mixture columns) for rows `x`."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.shapes[0].fan_in:
            raise SpecError(f"x must have shape (n, {self.shapes[0].fan_in}), got {tuple(x.shape)}")
        self.limits.check("rows", x.shape[0])
        with self._lock, no_grad(), np.errstate(all="ignore"):
            return forward(param_tensors(self.params), Tensor(x), self.shapes).out.data

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions (n, units): probabilities for sigmoid/softmax, the mean for linear, and for a mixture
        density output the mixture mean Σ πₖ μₖ (see `mixture` for the whole distribution)."""
        return heads.predict(self.spec, self.output(x))

    def mixture(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """A mixture density output's π, μ, σ per row, each (n, K)."""
        if self.spec.output.kind != "mixture_density":
            raise SpecError("this model has no mixture density output")
        pi, mu, sigma = heads.mixture(self.spec, self.output(x))
        return {"pi": pi, "mu": mu, "sigma": sigma}

    def grid(self, resolution: int = 50, bounds: list[float] | None = None) -> dict:
        """Predictions on a regular grid over the input space, for heatmaps (see regions.prediction_grid)."""
        from backprop_playground.nets.regions import prediction_grid

        return prediction_grid(self, resolution, bounds)

    # ---- changing the model ----
    def reset(self, seed: int | None = None) -> None:
        """Back to step 0: the spec's initial parameters (explicit `params`, else seeded init), or with
        `seed` a fresh seeded initialisation that ignores explicit params."""
        with self._lock:
            spec = self.spec
            if seed is not None:
                spec = spec.model_copy(update={"seed": int(seed), "params": None})
                self.spec = spec
                self._trainer.spec = spec
            self._init_state(initial_params(spec, self.shapes, self.limits, self.train_data.y))

    def load_initial_params(self, params: list[dict]) -> None:
        """Back to step 0 from `params` (per layer, arrays or lists shaped as the net's), with a fresh
        optimizer state and history."""
        with self._lock:
            self._init_state(params_from_lists(params, self.shapes))

    def set_hyper(self, **changes) -> dict:
        """Change optimizer hyper-parameters (lr, momentum, beta1, beta2, eps, name) or weight_decay
        mid-run, keeping parameters and step; returns the hyper-parameters in force."""
        with self._lock:
            spec = self.spec
            if "weight_decay" in changes:
                spec = _validated(spec, weight_decay=changes.pop("weight_decay"))
            if changes:
                try:
                    merged = OptimizerSpec.model_validate({**spec.optimizer.model_dump(), **changes})
                except ValidationError as exc:
                    raise SpecError(f"invalid optimizer settings: {exc}") from None
                spec = spec.model_copy(update={"optimizer": merged})
                hyper = resolve_optimizer(merged)
                if hyper["name"] != self.hyper["name"]:
                    self.opt_state = optim.new_state(hyper, self._flat())
                self.hyper = hyper
            self.spec = self._trainer.spec = spec
            return dict(self.hyper, weight_decay=spec.weight_decay)

    # ---- persistence ----
    def to_state(self) -> dict:
        """Everything needed to resume, JSON-able and exact: {"version", "spec", "params", "optimizer":
        {"hyper", "state"}, "step", "history", "history_stride", "metrics"}. Floats are JSON numbers:
        Python writes the shortest repr that reads back to the same double, so `json.loads(json.dumps(…))`
        restores every parameter, moment and loss exactly; parameters and moments are always finite (a
        diverged step is rolled back), so no NaN needs encoding."""
        with self._lock:
            return {
                "version": STATE_VERSION,
                "spec": self.spec.model_dump(mode="json"),
                "params": [{key: value.tolist() for key, value in layer.items()} for layer in self.params],
                "optimizer": {"hyper": dict(self.hyper), "state": optim.state_to_json(self.opt_state)},
                "step": self._step,
                # The entries themselves, not copies: a history entry is never written once added (the
                # store appends to what it saved by telling its last entry by identity).
                "history": list(self._history.entries),
                "history_stride": self._history.stride,
                "metrics": None if self._metrics is None else dict(self._metrics),
            }

    @classmethod
    def from_state(cls, state: dict, limits: Limits = DEFAULT_LIMITS) -> Model:
        """The model `to_state` saved, bit-exact; SpecError for anything else."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise SpecError(f"not a saved model state of version {STATE_VERSION}")
        model = cls(ModelSpec.model_validate(state["spec"]), limits)
        model.params = params_from_lists(state["params"], model.shapes)
        model.hyper = dict(state["optimizer"]["hyper"])
        model.opt_state = optim.state_from_json(state["optimizer"]["state"])
        for mine, saved in zip(model._flat(), _moments(model.opt_state), strict=False):
            if saved is not None and saved.shape != mine.shape:
                raise SpecError("saved optimizer state does not fit the parameters")
        model._step = int(state["step"])
        # The saved entries themselves (never written: see to_state), in a list of the model's own.
        model._history = History(list(state["history"]), int(state.get("history_stride", 1)))
        model._metrics = None if state.get("metrics") is None else dict(state["metrics"])
        return model


class StepCount(int):
    """A model's step count that can also be called to take a step, so both `model.step` (the count) and
    `model.step(record=True)` (one step) read naturally; `step_count` and `take_step` say it unambiguously."""

    def __new__(cls, value: int, model: Model):
        count = super().__new__(cls, value)
        count._model = model
        return count

    def __call__(self, record: bool = False, rows: list[int] | None = None) -> StepResult:
        return self._model.take_step(record, rows)

    def __reduce__(self):
        return (int, (int(self),))


def _validated(spec: ModelSpec, **changes) -> ModelSpec:
    try:
        return ModelSpec.model_validate({**spec.model_dump(), **changes})
    except ValidationError as exc:
        raise SpecError(f"invalid setting: {exc}") from None


def _moments(opt_state: dict) -> list[np.ndarray | None]:
    """The optimizer's per-parameter moments (momentum's velocity or Adam's first moment), if it keeps any."""
    for key in ("velocity", "m"):
        if key in opt_state:
            return opt_state[key]
    return []
