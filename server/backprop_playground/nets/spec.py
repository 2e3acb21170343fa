"""ModelSpec: the JSON a lecturer writes to describe a net, its data, loss and optimizer
(docs/contracts.md §3)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backprop_playground.nets.limits import DEFAULT_LIMITS, JSON_INT_MAX, LimitError, Limits, SpecError

__all__ = [
    "ACTIVATIONS", "DEFAULT_LOSS", "DataSpec", "HiddenLayer", "LayerParams", "LimitError", "Limits",
    "ModelSpec", "OptimizerSpec", "OutputSpec", "SpecError", "DEFAULT_LIMITS",
]

Activation = Literal["relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh", "linear", "softplus"]
OutputKind = Literal["sigmoid", "softmax", "linear", "mixture_density"]
LossName = Literal["binary_cross_entropy", "cross_entropy", "mse", "mixture_nll"]
ACTIVATIONS: tuple[str, ...] = Activation.__args__

DEFAULT_LOSS = {
    "sigmoid": "binary_cross_entropy",
    "softmax": "cross_entropy",
    "linear": "mse",
    "mixture_density": "mixture_nll",
}
ALLOWED_LOSSES = {
    "sigmoid": {"binary_cross_entropy", "mse"},
    "softmax": {"cross_entropy", "mse"},
    "linear": {"mse"},
    "mixture_density": {"mixture_nll"},
}

XOR_EXAMPLE = {
    "name": "xor",
    "hidden": [{"units": 2, "activation": "relu"}],
    "output": {"kind": "linear", "units": 1},
    "loss": "mse",
    "optimizer": {"name": "sgd", "lr": 0.1},
    "weight_decay": 0.0,
    "batch_size": None,
    "seed": 0,
    "data": {"dataset": "xor"},
    "params": [{"W": [[1, 1], [1, 1]], "b": [0, -1]}, {"W": [[1], [-2]], "b": [0]}],
}

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


class HiddenLayer(BaseModel):
    """One hidden layer h = g(xW + b): its width and activation g."""

    model_config = _STRICT
    units: int = Field(ge=1, le=JSON_INT_MAX, description="Width of the layer (outputs after maxout).")
    activation: Activation = "relu"
    alpha: float | None = Field(
        default=None, description="Slope for z < 0: fixed for leaky_relu (default 0.01), initial for prelu."
    )
    pieces: int | None = Field(default=None, ge=2, le=JSON_INT_MAX,
                               description="Linear pieces per maxout unit (default 2).")

    @model_validator(mode="after")
    def _options_fit_activation(self) -> HiddenLayer:
        if self.pieces is not None and self.activation != "maxout":
            raise ValueError(f"'pieces' applies to maxout only, not to {self.activation}")
        if self.alpha is not None and self.activation not in ("leaky_relu", "prelu"):
            raise ValueError(f"'alpha' applies to leaky_relu and prelu only, not to {self.activation}")
        return self


class OutputSpec(BaseModel):
    """The output unit: sigmoid (Bernoulli), softmax (multinoulli), linear (Gaussian) or mixture density."""

    model_config = _STRICT
    kind: OutputKind
    units: int = Field(default=1, ge=1, le=JSON_INT_MAX,
                       description="Outputs: classes for softmax, target columns otherwise.")
    components: int | None = Field(default=None, ge=1, le=JSON_INT_MAX,
                                   description="Gaussians of a mixture density output.")

    @model_validator(mode="after")
    def _components_fit_kind(self) -> OutputSpec:
        if self.kind == "mixture_density":
            if self.components is None:
                self.components = 3
            if self.units != 1:
                raise ValueError("a mixture density output models one target column (units = 1)")
        elif self.components is not None:
            raise ValueError(f"'components' applies to mixture_density only, not to {self.kind}")
        if self.kind == "softmax" and self.units < 2:
            raise ValueError("a softmax output needs at least 2 units (one per class)")
        return self


class OptimizerSpec(BaseModel):
    """Gradient descent and its hyper-parameters: sgd, momentum (default 0.9) or adam."""

    model_config = _STRICT
    name: Literal["sgd", "momentum", "adam"] = "sgd"
    lr: float = Field(default=0.1, gt=0, le=1e3, description="Learning rate ε.")
    momentum: float | None = Field(default=None, ge=0, lt=1)
    beta1: float | None = Field(default=None, ge=0, lt=1)
    beta2: float | None = Field(default=None, ge=0, lt=1)
    eps: float | None = Field(default=None, gt=0, le=1)


class DataSpec(BaseModel):
    """Training data: a named seeded dataset ({dataset, n, noise, seed}) or inline rows ({x, y})."""

    model_config = _STRICT
    dataset: str | None = Field(default=None, description="A name from GET /datasets.")
    n: int | None = Field(default=None, ge=1, le=JSON_INT_MAX)
    noise: float | None = Field(default=None, ge=0, le=100)
    seed: int | None = Field(default=None, ge=0, lt=2**32)
    classes: int | None = Field(default=None, ge=2, le=JSON_INT_MAX,
                                description="Arms of spiral, blobs of gaussians.")
    test_fraction: float | None = Field(default=None, ge=0, lt=1, description="Held-out share of rows.")
    x: list[list[float]] | None = None
    y: list[float] | list[list[float]] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        inline = self.x is not None or self.y is not None
        if inline and self.dataset is not None:
            raise ValueError("give either 'dataset' or inline 'x' and 'y', not both")
        if inline and (self.x is None or self.y is None):
            raise ValueError("inline data needs both 'x' and 'y'")
        if not inline and self.dataset is None:
            raise ValueError("data needs a 'dataset' name or inline 'x' and 'y'")
        return self


class LayerParams(BaseModel):
    """Explicit parameters of one layer: W (fan_in × fan_out), b (fan_out), and alpha for prelu."""

    model_config = _STRICT
    W: list[list[float]]
    b: list[float]
    alpha: list[float] | None = None


class ModelSpec(BaseModel):
    """A whole scenario: architecture, output unit, loss, optimizer, data, seed and optional parameters."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"example": XOR_EXAMPLE})
    name: str = Field(default="model", max_length=200)
    hidden: list[HiddenLayer] = Field(default_factory=list)
    output: OutputSpec
    loss: LossName | None = Field(default=None, description="Default: the output unit's matching loss.")
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    weight_decay: float = Field(default=0.0, ge=0, le=1e3, description="λ of the cost term λ Σ‖W‖².")
    batch_size: int | None = Field(default=None, ge=1, le=JSON_INT_MAX,
                                   description="Rows per step; null = full batch.")
    seed: int = Field(default=0, ge=0, lt=2**32)
    data: DataSpec
    params: list[LayerParams] | None = None

    @model_validator(mode="after")
    def _loss_fits_output(self) -> ModelSpec:
        if self.loss is None:
            return self
        if self.loss not in ALLOWED_LOSSES[self.output.kind]:
            allowed = ", ".join(sorted(ALLOWED_LOSSES[self.output.kind]))
            raise ValueError(f"loss {self.loss} does not fit a {self.output.kind} output (use {allowed})")
        return self

    @property
    def loss_name(self) -> str:
        """The loss in force: the explicit one or the output unit's matching default."""
        return self.loss or DEFAULT_LOSS[self.output.kind]


def check_architecture(spec: ModelSpec, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise LimitError when the spec's depth, widths, pieces or components exceed `limits`."""
    limits.check("hidden_layers", len(spec.hidden))
    for layer in spec.hidden:
        limits.check("units", layer.units)
        if layer.pieces is not None:
            limits.check("pieces", layer.pieces)
    limits.check("units", spec.output.units)
    if spec.output.components is not None:
        limits.check("components", spec.output.components)
    if spec.output.kind == "softmax":
        limits.check("classes", spec.output.units)


def resolve_optimizer(opt: OptimizerSpec) -> dict[str, float | str]:
    """The optimizer's hyper-parameters with defaults filled in (momentum 0.9, Adam 0.9/0.999/1e-8)."""
    out: dict[str, float | str] = {"name": opt.name, "lr": opt.lr}
    if opt.name == "momentum":
        out["momentum"] = 0.9 if opt.momentum is None else opt.momentum
    if opt.name == "adam":
        out["beta1"] = 0.9 if opt.beta1 is None else opt.beta1
        out["beta2"] = 0.999 if opt.beta2 is None else opt.beta2
        out["eps"] = 1e-8 if opt.eps is None else opt.eps
    return out

