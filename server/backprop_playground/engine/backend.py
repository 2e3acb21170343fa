"""The two backends VJPs run on: `NB` computes with ndarrays, `TB` builds Tensor graph nodes.

A VJP in the op table is written once, with operators (`g * b`, `g @ b`, `-g`) and the functions below
(`B.sum_to`, `B.exp`, ...). During an ordinary backward pass it receives ndarrays and `B = NB`; with
`create_graph=True` it receives Tensors and `B = TB`, so the same code records the backward pass as graph
nodes that can be differentiated again. Masks (`pos`, `sign`, `max_mask`, ...) are constants in both
backends: plain ndarrays computed from the values.

`TB` is built by `tensor.py` with `tensor_backend(apply)`: this module knows Tensors only through the
`apply` it is given and the methods of the values it receives, so it imports nothing above the op table.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .kernels import keepdims_shape, log_softmax, normalize_axis, sigmoid, softmax, unbroadcast
from .ops import OPS


# ---- masks on ndarrays (shared by both backends) ----
def max_mask(a, out, axis, keepdims):
    """Where `a` attains its max over `axis` (ties share the gradient equally)."""
    full = out if keepdims else out.reshape(keepdims_shape(a.shape, axis))
    hit = a == full
    return hit / hit.sum(axis=axis, keepdims=True)


def group_argmax_mask(z, k):
    """One-hot of the first argmax within each group of `k` along the last axis: shape (..., units, k)."""
    zg = z.reshape(z.shape[:-1] + (z.shape[-1] // k, k))
    return (np.arange(k) == zg.argmax(axis=-1)[..., None]).astype(z.dtype)


def inside(a, lo, hi):
    """1 where lo < a < hi (clip passes the gradient), else 0."""
    return (a > lo) & (a < hi)


def _expand(g, shape, axis, keepdims):
    if not keepdims:
        g = g.reshape(keepdims_shape(shape, axis))
    return np.broadcast_to(g, shape)


def _np_sum(x, axis, keepdims):
    return x.sum(axis=axis, keepdims=keepdims)


def scaled_difference(x, t, s):
    """(x − t)·s, the losses' VJPs. `x` is a fresh array of the caller's (σ(z), softmax(z)), so it is
    computed into x where that makes the same array as the expression (t of x's shape and dtype, s of
    x's dtype or a Python number): two arrays fewer allocated per call."""
    if (x.__class__ is np.ndarray and t.__class__ is np.ndarray and t.shape == x.shape and t.dtype == x.dtype
            and getattr(s, "dtype", x.dtype) == x.dtype):
        x -= t
        x *= s
        return x
    return (x - t) * s


NB = SimpleNamespace(
    name="numpy",
    sum_to=unbroadcast,
    expand=_expand,
    broadcast_to=np.broadcast_to,
    sum=_np_sum,
    reshape=np.reshape,
    transpose=np.transpose,
    mT=lambda x: x.swapaxes(-1, -2),
    matmul=np.matmul,
    exp=np.exp,
    log=np.log,
    sin=np.sin,
    cos=np.cos,
    sigmoid=sigmoid,
    softmax=softmax,
    log_softmax=log_softmax,
    softmax_of=lambda z, logp: np.exp(logp),  # from a saved log-softmax
    log_softmax_of=lambda z, logp: logp,
    scaled_difference=scaled_difference,
    getitem=lambda x, index: x[index],
    scatter=lambda g, index, shape: OPS["scatter"].forward((index, shape), g),
    pos=lambda x: x > 0,
    neg=lambda x: x < 0,
    sign=np.sign,
    inside=inside,
    max_mask=max_mask,
    group_argmax_mask=group_argmax_mask,
)


def tensor_backend(apply) -> SimpleNamespace:
    """The Tensor backend for `apply(op, inputs, p)`, the function that makes a graph node (`tensor.apply`):
    every function builds graph nodes, so a backward pass run on it can be differentiated again."""

    def sum_to(x, shape):
        return x if x.shape == tuple(shape) else apply(OPS["sum_to"], (x,), tuple(shape))

    def broadcast_to(x, shape):
        return x if x.shape == tuple(shape) else apply(OPS["broadcast_to"], (x,), tuple(shape))

    def expand(g, shape, axis, keepdims):
        if not keepdims:
            g = g.reshape(keepdims_shape(shape, axis))
        return broadcast_to(g, shape)

    def tsum(x, axis, keepdims):
        return apply(OPS["sum"], (x,), (normalize_axis(axis, x.ndim), keepdims))

    return SimpleNamespace(
        name="tensor",
        sum_to=sum_to,
        expand=expand,
        broadcast_to=broadcast_to,
        sum=tsum,
        **_tensor_shape_ops(apply),
        **_tensor_masks(),
    )


def _tensor_shape_ops(apply) -> dict:
    """Shape and function ops of the Tensor backend: each builds a graph node."""
    return dict(
        reshape=lambda x, shape: x.reshape(shape),
        transpose=lambda x, axes: apply(OPS["transpose"], (x,), axes),
        mT=lambda x: apply(OPS["transpose"], (x,), _swap_last(x.ndim)),
        matmul=lambda a, b: a @ b,
        exp=lambda x: x.exp(),
        log=lambda x: x.log(),
        sin=lambda x: x.sin(),
        cos=lambda x: x.cos(),
        sigmoid=lambda x: x.sigmoid(),
        softmax=lambda x, axis: x.softmax(axis),
        log_softmax=lambda x, axis: x.log_softmax(axis),
        softmax_of=lambda z, logp: z.softmax(-1),  # a graph node, differentiable again
        scaled_difference=lambda x, t, s: (x - t) * s,
        log_softmax_of=lambda z, logp: z.log_softmax(-1),
        getitem=lambda x, index: apply(OPS["getitem"], (x,), index),
        scatter=lambda g, index, shape: apply(OPS["scatter"], (g,), (index, shape)),
    )


def _tensor_masks() -> dict:
    """Masks of the Tensor backend: constants (ndarrays) computed from the values."""
    return dict(
        pos=lambda x: x.data > 0,
        neg=lambda x: x.data < 0,
        sign=lambda x: np.sign(x.data),
        inside=lambda x, lo, hi: inside(x.data, lo, hi),
        max_mask=lambda a, out, axis, keepdims: max_mask(a.data, out.data, axis, keepdims),
        group_argmax_mask=lambda z, k: group_argmax_mask(z.data, k),
    )


def _swap_last(ndim):
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)
