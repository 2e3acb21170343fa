"""Output units (the lecture's table): the distribution each parameterises, its loss and its predictions.

sigmoid → Bernoulli, binary cross-entropy · softmax → multinoulli, cross-entropy · linear → Gaussian, MSE ·
mixture density → mixture of K Gaussians (π = softmax, μ, σ = exp(log σ)), negative log-likelihood.
"""

from __future__ import annotations

import numpy as np

from backprop_playground.engine import Tensor
from backprop_playground.engine import functional as F
from backprop_playground.engine.kernels import sigmoid, softmax
from backprop_playground.nets.datasets import Dataset
from backprop_playground.nets.limits import SpecError
from backprop_playground.nets.spec import ModelSpec


def targets(spec: ModelSpec, data: Dataset) -> np.ndarray:
    """Targets as the loss wants them — one-hot rows for softmax, (n, units) columns otherwise — or
    SpecError when labels are out of range for the output unit."""
    kind, y = spec.output.kind, np.asarray(data.y)
    units = spec.output.units
    if kind == "softmax":
        if y.ndim != 1 or np.any(y != np.round(y)) or y.min() < 0 or y.max() > units - 1:
            raise SpecError(f"labels out of range: a softmax output with {units} units needs integer labels "
                            f"0…{units - 1} (found {_extremes(y)})")
        return F.one_hot(y.astype(np.int64), units)
    if kind == "mixture_density":
        if y.ndim != 1:
            raise SpecError("a mixture density output models one target column; y has several")
        return y.astype(float)[:, None]
    y = y.astype(float).reshape(len(y), -1)
    if y.shape[1] != units:
        raise SpecError(f"the {kind} output has {units} units but y has {y.shape[1]} column(s)")
    if kind == "sigmoid" and (y.min() < 0 or y.max() > 1):
        found = _extremes(y)
        raise SpecError(f"labels out of range: a sigmoid output needs targets in [0, 1] (found {found})")
    return y


def _extremes(y: np.ndarray) -> str:
    return f"{float(np.min(y)):g} to {float(np.max(y)):g}"


def split_mixture(z: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor]:
    """The MDN output layer's columns as (logit π, μ, log σ), each (n, K)."""
    logit_pi, mu, log_sigma = z[:, :k], z[:, k:2 * k], z[:, 2 * k:]
    logit_pi.label, mu.label, log_sigma.label = "logit π", "μ", "log σ"
    return logit_pi, mu, log_sigma


def loss(spec: ModelSpec, z: Tensor, y: Tensor) -> Tensor:
    """The data term of the cost for output-layer values `z` and targets `y` (mean over rows)."""
    kind, name = spec.output.kind, spec.loss_name
    if kind == "mixture_density":
        return F.mixture_density_nll(*split_mixture(z, spec.output.components), y)
    if kind == "sigmoid" and name == "binary_cross_entropy":
        return F.binary_cross_entropy_with_logits(z, y)
    if kind == "softmax" and name == "cross_entropy":
        return F.softmax_cross_entropy(z, y)
    if kind == "sigmoid":  # squared loss on the probability: the saturation lesson
        p = z.sigmoid()
        p.label = "σ(z)"
        return F.mse(p, y)
    if kind == "softmax":
        p = z.softmax()
        p.label = "softmax(z)"
        return F.mse(p, y)
    return F.mse(z, y)


def predict(spec: ModelSpec, z: np.ndarray) -> np.ndarray:
    """Predictions from output-layer values: probabilities (sigmoid, softmax), the Gaussian mean (linear),
    the mixture mean Σ πₖ μₖ (mixture density)."""
    kind = spec.output.kind
    if kind == "sigmoid":
        return sigmoid(z)
    if kind == "softmax":
        return softmax(z, 1)
    if kind == "mixture_density":
        pi, mu, _ = mixture(spec, z)
        return (pi * mu).sum(axis=1, keepdims=True)
    return z


def mixture(spec: ModelSpec, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixing weights π (softmax), means μ and scales σ = exp(log σ) of a mixture density output."""
    k = spec.output.components
    return softmax(z[:, :k], 1), z[:, k:2 * k], np.exp(z[:, 2 * k:])


def init_output_bias(spec: ModelSpec, bias: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The output layer's initial bias. Zero, except for a mixture density output: its K means start at the
    targets' quantiles (k + ½)/K and its scales at std(y)/K, so the components cover the data from step 0
    instead of starting on one point and having to break their symmetry by chance (Bishop 1994 starts
    them from the data in the same spirit). Without this, whether a mixture reaches the multimodal fit or
    stalls on the conditional mean depends on the last bits of the first steps."""
    if spec.output.kind != "mixture_density" or y.size == 0:
        return bias
    k, targets = spec.output.components, np.asarray(y, dtype=float).reshape(-1)
    out = bias.copy()
    out[k:2 * k] = np.quantile(targets, (np.arange(k) + 0.5) / k)
    out[2 * k:] = np.log(max(float(targets.std()), 1e-3) / k)
    return out


def accuracy(spec: ModelSpec, task: str, z: np.ndarray, y: np.ndarray) -> float | None:
    """Share of rows classified right: threshold 0.5 for binary tasks, argmax for softmax; None otherwise."""
    if spec.output.kind == "softmax":
        return np.count_nonzero(z.argmax(axis=1) == y.argmax(axis=1)) / len(z)
    if task != "binary" or spec.output.kind == "mixture_density" or z.shape[1] != 1:
        return None
    threshold = 0.0 if spec.output.kind == "sigmoid" else 0.5  # σ(z) > ½ exactly when z > 0
    return np.count_nonzero((z[:, 0] > threshold) == (y[:, 0] > 0.5)) / len(z)
