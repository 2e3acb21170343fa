"""Functions on Tensors: activations, the softmax family, concat and losses (`from backprop_playground.engine
import functional as F`).

Losses return a scalar Tensor, averaged over rows (the first axis); for one output column that is the
average over all entries. Targets may be Tensors, arrays or lists; non-Tensors become constants.
"""

from __future__ import annotations

import math

import numpy as np

from .ops import OPS
from .tensor import Tensor, _lift, apply, binary_op, ternary_op

_LOG_2PI = math.log(2.0 * math.pi)
_bce, _mse = binary_op(OPS["bce_with_logits"]), binary_op(OPS["mse"])
_linear = ternary_op(OPS["linear"])


def _const(x, like: Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else _lift(np.asarray(x), like)


def _like_shape(target: Tensor, pred: Tensor) -> Tensor:
    """Reshape a target with as many entries as `pred` to `pred`'s shape ((N,) vs (N, 1) is a classic bug)."""
    if target.data.shape == pred.data.shape:
        return target
    if target.size == pred.size:
        return target.reshape(pred.shape)
    raise ValueError(f"target shape {target.shape} does not match prediction shape {pred.shape}")


def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x W + b as one node (a fused affine layer: fewer nodes, less per-op overhead than `x @ w + b`)."""
    if b is None:
        return x @ w
    return _linear(x, w, _const(b, x))


# ---- activations ----
def relu(x: Tensor) -> Tensor:
    """max(0, x)."""
    return x.relu()


def generalized_relu(x: Tensor, alpha) -> Tensor:
    """g(z; α) = max(0, z) + α·min(0, z); α a float (leaky: 0.01, absolute value: −1) or a Tensor (PReLU,
    learned; it broadcasts against z, e.g. one α per unit)."""
    return apply(OPS["generalized_relu"], (x, _const(alpha, x)))


def leaky_relu(x: Tensor, alpha: float = 0.01) -> Tensor:
    """max(0, z) + α·min(0, z) with a constant small α."""
    return generalized_relu(x, alpha)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - the lecture's name
    """|x| (the generalized ReLU with α = −1)."""
    return x.abs()


def maxout(z: Tensor, pieces: int) -> Tensor:
    """Max over groups of `pieces` adjacent entries of the last axis: (..., units·pieces) → (..., units)."""
    pieces = int(pieces)
    if pieces < 1 or z.shape[-1] % pieces:
        raise ValueError(f"last axis {z.shape[-1]} is not a multiple of pieces={pieces}")
    return apply(OPS["maxout"], (z,), pieces)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^{−x})."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return x.tanh()


def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), computed stably."""
    return x.softplus()


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x_i) / Σ_j exp(x_j) along `axis`."""
    return x.softmax(axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x_i − logsumexp(x) along `axis`."""
    return x.log_softmax(axis)


def logsumexp(x: Tensor, axis=-1, keepdims: bool = False) -> Tensor:
    """log Σ exp(x) along `axis`, shifted by the max."""
    return x.logsumexp(axis, keepdims)


def clip(x: Tensor, lo: float, hi: float) -> Tensor:
    """x limited to [lo, hi]; the gradient passes only strictly inside."""
    return apply(OPS["clip"], (x,), (float(lo), float(hi)))


def concat(tensors, axis: int = 0) -> Tensor:
    """Join tensors along `axis` (an ordered, variadic op: each input gets its slice of the gradient)."""
    tensors = tuple(tensors)
    axis = axis % tensors[0].ndim
    bounds = [0]
    for t in tensors:
        bounds.append(bounds[-1] + t.shape[axis])
    return apply(OPS["concat"], tensors, (axis, tuple(bounds)))


# ---- losses ----
def mse(pred: Tensor, target) -> Tensor:
    """Mean squared error, mean over all entries (over rows for one output)."""
    return _mse(pred, _like_shape(_const(target, pred), pred))


def binary_cross_entropy_with_logits(logits: Tensor, target) -> Tensor:
    """Mean of log(1 + e^z) − t·z, i.e. −[t log σ(z) + (1−t) log(1−σ(z))], fused and stable."""
    return _bce(logits, _like_shape(_const(target, logits), logits))


def binary_cross_entropy(prob: Tensor, target, eps: float = 1e-7) -> Tensor:
    """The lecture's L_ce(y, p) = −(y log p + (1−y) log(1−p)) on probabilities p clipped to [eps, 1−eps]."""
    t = _like_shape(_const(target, prob), prob)
    p = clip(prob, eps, 1.0 - eps)
    return -(t * p.log() + (1.0 - t) * (1.0 - p).log()).mean()


def one_hot(labels, classes: int, dtype=np.float64) -> np.ndarray:
    """Integer labels (N,) → one-hot rows (N, classes)."""
    labels = np.asarray(labels, dtype=np.intp).reshape(-1)
    out = np.zeros((labels.size, classes), dtype=dtype)
    out[np.arange(labels.size), labels] = 1.0
    return out


def softmax_cross_entropy(logits: Tensor, labels, rows_sum_to_one: bool = False) -> Tensor:
    """−(1/N) Σ_rows Σ_i t_i log softmax(z)_i; `labels` are ints (N,) or one-hot / probability rows (N, C).

    The gradient is softmax(z)·Σ_i t_i − t; with `rows_sum_to_one=True` (implied for integer labels) it is
    computed as softmax(z) − t, one reduction less. Pass it only for targets whose rows do sum to one."""
    one_hot_rows = bool(rows_sum_to_one)
    if not isinstance(labels, Tensor):
        arr = np.asarray(labels)
        if np.issubdtype(arr.dtype, np.integer) and arr.shape != logits.shape:
            arr = one_hot(arr, logits.shape[-1], logits.dtype).reshape(logits.shape)
            one_hot_rows = True
        labels = _lift(arr, logits)
    return apply(OPS["softmax_cross_entropy"], (logits, labels), one_hot_rows)


def gaussian_nll(mean: Tensor, log_std, target) -> Tensor:
    """Negative log-likelihood of `target` under N(mean, σ²) with σ = exp(log_std), summed over output
    columns and averaged over rows. `log_std` is the log standard deviation (a float or a Tensor that
    broadcasts against `mean`); with log_std = 0 this is ½·squared error + ½·log 2π per column."""
    t = _like_shape(_const(target, mean), mean)
    log_std = _const(log_std, mean)
    z = (t - mean) * (-log_std).exp()
    per_entry = log_std + 0.5 * z * z + 0.5 * _LOG_2PI
    rows = mean.shape[0] if mean.ndim > 1 else 1
    return per_entry.sum() * (1.0 / rows)


def mixture_density_nll(logit_pi: Tensor, mu: Tensor, log_sigma: Tensor, target) -> Tensor:
    """Mixture-density NLL for a 1-D target: −(1/N) Σ_rows log Σ_k π_k N(t; μ_k, σ_k²) with
    π = softmax(logit_pi), σ = exp(log_sigma); all three are (N, K), `target` is (N,) or (N, 1).
    Computed in log space with logsumexp, so a far-off component cannot underflow to log 0."""
    t = _const(target, mu)
    t = t.reshape(mu.shape[0], 1)
    z = (t - mu) * (-log_sigma).exp()
    log_comp = logit_pi.log_softmax(-1) - log_sigma - 0.5 * z * z - 0.5 * _LOG_2PI
    return -log_comp.logsumexp(-1).mean()
