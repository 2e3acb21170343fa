"""NumPy kernels shared by the op rows, the backends and the nets layer: the stable sigmoid and softmax
family, and the axis and broadcasting helpers. Plain functions on ndarrays; no graph, no Tensor."""

from __future__ import annotations

import numpy as np

_F64 = np.dtype(np.float64)
# What `x.sum(...)` and `x.max(...)` run, without the Python frame of NumPy's method wrappers in between.
# The kernels below also compute into temporaries of their own (a ufunc's output argument, `+=`): the same
# operations in the same order, so the same bits, with fewer arrays allocated (at a few hundred rows an
# allocation costs about a third of a ufunc call). Arguments go by position, the reductions' as (axis,
# dtype, out, keepdims): keywords cost a ufunc call more to parse. 0-d inputs take the plain expressions
# (ufuncs hand back NumPy scalars for them, which cannot be written into), and so do integer arrays (an
# exponential cannot be written into one).
_add_reduce = np.add.reduce
_max_reduce = np.maximum.reduce
_negative, _exp, _log, _divide, _subtract = np.negative, np.exp, np.log, np.divide, np.subtract


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + e^{-z}), without overflow warnings for very negative z: e^{-z} is capped
    where it would overflow (z < −700 in float64, −80 in float32), where σ is below 1e−304 (1e−35)."""
    s = np.maximum(z, -700.0 if z.dtype is _F64 else -80.0)
    if s.__class__ is not np.ndarray:
        return 1.0 / (1.0 + np.exp(-s))
    _negative(s, s)
    _exp(s, s)
    s += 1.0
    return _divide(1.0, s, s)


def logsumexp(a: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    """log Σ exp(a) over `axis`, shifted by the max (the log-sum-exp trick)."""
    s = _logsumexp_kept(a, axis)[0]
    if keepdims:
        return s
    return s.reshape(()) if axis is None else s.squeeze(axis)


def _logsumexp_kept(a: np.ndarray, axis) -> tuple:
    """(logsumexp over `axis` with kept dimensions, a scratch array of a's shape or None)."""
    if a.ndim and a.dtype.kind == "f":
        m = _max_reduce(a, axis, None, None, True)
        e = a - m
        s = _add_reduce(_exp(e, e), axis, None, None, True)
        _log(s, s)
        s += m
        return s, e
    m = a.max(axis=axis, keepdims=True)
    return np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m, None


def log_softmax(a: np.ndarray, axis: int) -> np.ndarray:
    """a − logsumexp(a) along `axis` (written into logsumexp's scratch array when there is one)."""
    lse, scratch = _logsumexp_kept(a, (axis,))
    return a - lse if scratch is None else _subtract(a, lse, scratch)


def softmax(a: np.ndarray, axis: int) -> np.ndarray:
    """exp(a) / Σ exp(a) along `axis`, shifted by the max."""
    if not a.ndim or a.dtype.kind != "f":
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    e = a - _max_reduce(a, axis, None, None, True)
    _exp(e, e)
    e /= _add_reduce(e, axis, None, None, True)
    return e


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
