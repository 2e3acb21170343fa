"""A feed-forward net built from a ModelSpec: layer shapes, seeded initialisation, forward pass and loss.

Parameters are plain ndarrays, one dict per layer {"W": (fan_in, fan_out), "b": (fan_out,), "alpha"?};
the forward pass wraps them in engine Tensors so the recorder sees h = g(xW + b) layer by layer.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from backprop_playground.engine import Tensor
from backprop_playground.engine import functional as F
from backprop_playground.nets.limits import DEFAULT_LIMITS, Limits, SpecError
from backprop_playground.nets.spec import ModelSpec

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
HE_ACTIVATIONS = {"relu", "leaky_relu", "abs", "prelu", "maxout"}


@functools.cache
def sub(i: int) -> str:
    """Unicode subscript digits: 12 → '₁₂'."""
    return str(i).translate(_SUB)


@dataclass(frozen=True)
class LayerShape:
    """One affine layer: fan_in → fan_out pre-activations, then `activation` ('output' for the last)."""

    fan_in: int
    fan_out: int
    activation: str
    alpha: float | None = None
    pieces: int = 1


def layer_shapes(spec: ModelSpec, d_in: int) -> list[LayerShape]:
    """Every layer's shape for inputs of width `d_in`; maxout layers have units·pieces pre-activations."""
    shapes, fan_in = [], d_in
    for layer in spec.hidden:
        pieces = (layer.pieces or 2) if layer.activation == "maxout" else 1
        alpha = layer.alpha
        if alpha is None and layer.activation in ("leaky_relu", "prelu"):
            alpha = 0.01 if layer.activation == "leaky_relu" else 0.25
        shapes.append(LayerShape(fan_in, layer.units * pieces, layer.activation, alpha, pieces))
        fan_in = layer.units
    out = spec.output
    width = 3 * out.components if out.kind == "mixture_density" else out.units
    shapes.append(LayerShape(fan_in, width, "output"))
    return shapes


def count_parameters(shapes: list[LayerShape]) -> int:
    """Number of scalar parameters: weights, biases and PReLU slopes."""
    total = 0
    for s in shapes:
        total += s.fan_in * s.fan_out + s.fan_out
        if s.activation == "prelu":
            total += s.fan_out
    return total


def check_size(shapes: list[LayerShape], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise LimitError when the net has more parameters than allowed."""
    limits.check("parameters", count_parameters(shapes))


def init_params(shapes: list[LayerShape], seed: int) -> list[dict[str, np.ndarray]]:
    """Seeded initialisation: He normal for ReLU-like layers, else Xavier (Glorot) normal; zero biases."""
    rng = np.random.default_rng(seed)
    params = []
    for s in shapes:
        if s.activation in HE_ACTIVATIONS:
            std = np.sqrt(2.0 / s.fan_in)
        else:
            std = np.sqrt(2.0 / (s.fan_in + s.fan_out))
        layer = {"W": rng.normal(0.0, std, (s.fan_in, s.fan_out)), "b": np.zeros(s.fan_out)}
        if s.activation == "prelu":
            layer["alpha"] = np.full(s.fan_out, s.alpha)
        params.append(layer)
    return params


def params_from_lists(given: list, shapes: list[LayerShape]) -> list[dict[str, np.ndarray]]:
    """Explicit parameters (LayerParams or dicts of lists) checked against the layer shapes."""
    if len(given) != len(shapes):
        raise SpecError(f"params has {len(given)} layers, the net has {len(shapes)} (hidden layers + output)")
    params = []
    for i, (layer, s) in enumerate(zip(given, shapes, strict=True), start=1):
        layer = layer if isinstance(layer, dict) else layer.model_dump()
        W = _array(layer.get("W"), (s.fan_in, s.fan_out), f"layer {i}: W")
        b = _array(layer.get("b"), (s.fan_out,), f"layer {i}: b")
        entry = {"W": W, "b": b}
        if s.activation == "prelu":
            alpha = layer.get("alpha")
            entry["alpha"] = np.full(s.fan_out, s.alpha) if alpha is None else _array(
                alpha, (s.fan_out,), f"layer {i}: alpha")
        params.append(entry)
    return params


def _array(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be numbers (a {'matrix' if len(shape) == 2 else 'vector'})") from None
    if array.shape != shape:
        raise SpecError(f"{what} has shape {tuple(array.shape)}, expected {shape}")
    if not np.all(np.isfinite(array)):
        raise SpecError(f"{what} must be finite")
    return array


def param_tensors(params: list[dict[str, np.ndarray]]) -> list[dict[str, Tensor]]:
    """Leaf Tensors (requires_grad) around the arrays, labelled W₁, b₁, α₁, … as the lecture writes them."""
    names = {"W": "W", "b": "b", "alpha": "α"}
    return [{key: Tensor(value, requires_grad=True, label=names[key] + sub(i), role="param")
             for key, value in layer.items()} for i, layer in enumerate(params, start=1)]


@dataclass
class Forward:
    """The tensors of one forward pass: pre-activations z per layer, hidden outputs h, the output layer."""

    pre: list[Tensor]
    hidden: list[Tensor]
    out: Tensor


def activate(z: Tensor, shape: LayerShape, alpha: Tensor | None) -> Tensor:
    """g(z) for one hidden layer."""
    kind = shape.activation
    if kind == "relu":
        return z.relu()
    if kind == "leaky_relu":
        return F.leaky_relu(z, shape.alpha)
    if kind == "prelu":
        return F.generalized_relu(z, alpha)
    if kind == "abs":
        return z.abs()
    if kind == "maxout":
        return F.maxout(z, shape.pieces)
    if kind == "linear":
        return z
    return getattr(z, kind)()  # sigmoid, tanh, softplus


def forward(tensors: list[dict[str, Tensor]], x: Tensor, shapes: list[LayerShape]) -> Forward:
    """h₀ = x, zₗ = hₗ₋₁Wₗ + bₗ, hₗ = g(zₗ); the last layer's z is the output layer's input (logits)."""
    pre, hidden, h = [], [], x
    for i, (layer, shape) in enumerate(zip(tensors, shapes, strict=True), start=1):
        z = h @ layer["W"] + layer["b"]
        z.label = "z" + sub(i)
        pre.append(z)
        if shape.activation == "output":
            return Forward(pre, hidden, z)
        h = activate(z, shape, layer.get("alpha"))
        h.label = "h" + sub(i) if h is not z else h.label
        hidden.append(h)
    raise AssertionError("the last layer is always the output layer")
