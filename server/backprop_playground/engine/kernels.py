"""NumPy kernels shared by the op rows, the backends and the nets layer: the stable sigmoid and softmax
family, and the axis and broadcasting helpers. Plain functions on ndarrays; no graph, no Tensor."""

from __future__ import annotations

import numpy as np

_F64 = np.dtype(np.float64)
_add_reduce = np.add.reduce


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + e^{-z}), without overflow warnings for very negative z: e^{-z} is capped
    where it would overflow (z < −700 in float64, −80 in float32), where σ is below 1e−304 (1e−35)."""
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -700.0 if z.dtype is _F64 else -80.0)))


def logsumexp(a: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    """log Σ exp(a) over `axis`, shifted by the max (the log-sum-exp trick)."""
    m = a.max(axis=axis, keepdims=True)
    s = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
    if keepdims:
        return s
    return s.reshape(()) if axis is None else s.squeeze(axis)


def log_softmax(a: np.ndarray, axis: int) -> np.ndarray:
    """a − logsumexp(a) along `axis`."""
    return a - logsumexp(a, (axis,), True)


def softmax(a: np.ndarray, axis: int) -> np.ndarray:
    """exp(a) / Σ exp(a) along `axis`, shifted by the max."""
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `g` back to `shape`: the reverse of NumPy broadcasting (the one place that does it)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:  # np.add.reduce is what g.sum calls, without the Python frame in between
        g = _add_reduce(g, 0 if lead == 1 else tuple(range(lead)))
        if g.shape == shape:
            return g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def keepdims_shape(shape: tuple, axis) -> tuple:
    """The shape of a reduction over `axis` (normalised tuple or None) of `shape` with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def normalize_axis(axis, ndim: int):
    """Axis argument → sorted tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    if isinstance(axis, int | np.integer):
        axis = (axis,)
    out = tuple(sorted(int(a) % ndim if ndim else 0 for a in axis))
    if ndim and len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis}")
    return out
