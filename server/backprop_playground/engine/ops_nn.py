"""Op table, part 2: activations, the softmax family and fused, numerically stable losses.

VJPs reuse the forward result `out` where that saves a transcendental call (sigmoid, tanh, exp, softmax).
"""

from __future__ import annotations

import numpy as np

from .ops import defop

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


# ---- activations ----
defop("relu", lambda p, a: np.maximum(a, 0.0),
      (lambda B, p, g, out, a: g * (out > 0),),  # a comparison is a constant mask on ndarray and Tensor
      "\\max(0, $a)", ("$g\\, [$a > 0]",), "relu", "relu")
defop("generalized_relu", lambda p, a, b: np.maximum(a, 0.0) + b * np.minimum(a, 0.0),
      (lambda B, p, g, out, a, b: B.sum_to(g * (B.pos(a) + B.neg(a) * b), a.shape),
       lambda B, p, g, out, a, b: B.sum_to(g * (a * B.neg(a)), b.shape)),
      "\\max(0, $a) + $b \\min(0, $a)",
      ("$g\\, ([$a > 0] + $b [$a < 0])", "$g\\, \\min(0, $a)"), "g(z;α)", "g(z;α)")


def _maxout_forward(k, z):
    return z.reshape(z.shape[:-1] + (z.shape[-1] // k, k)).max(axis=-1)


def _maxout_vjp(B, k, g, out, z):
    spread = B.reshape(g, g.shape + (1,)) * B.group_argmax_mask(z, k)
    return B.reshape(spread, z.shape)


defop("maxout", _maxout_forward, (_maxout_vjp,),
      "\\max_{j \\le k} ${a}_{i,j}", ("$g \\text{ to the argmax of each group}",), "maxout", "maxout")
defop("sigmoid", lambda p, a: sigmoid(a),
      (lambda B, p, g, out, a: g * (out * (1.0 - out)),),
      "\\sigma($a)", ("$g\\, $y (1 - $y)",), "σ", "σ")
defop("tanh", lambda p, a: np.tanh(a),
      (lambda B, p, g, out, a: g * (1.0 - out * out),),
      "\\tanh $a", ("$g\\, (1 - $y^2)",), "tanh", "tanh")
defop("softplus", lambda p, a: np.logaddexp(0.0, a),
      (lambda B, p, g, out, a: g * B.sigmoid(a),),
      "\\log(1 + e^{$a})", ("$g\\, \\sigma($a)",), "softplus", "ζ")

# ---- softmax family (p = axis for softmax / log_softmax, (axes, keepdims) for logsumexp) ----
defop("softmax", lambda p, a: softmax(a, p),
      (lambda B, p, g, out, a: out * (g - B.sum(g * out, (p,), True)),),
      "\\frac{e^{${a}_i}}{\\sum_j e^{${a}_j}}", ("$y \\odot ($g - \\langle $g, $y \\rangle)",),
      "softmax", "softmax")
defop("log_softmax", lambda p, a: log_softmax(a, p),
      (lambda B, p, g, out, a: g - B.exp(out) * B.sum(g, (p,), True),),
      "${a}_i - \\log \\sum_j e^{${a}_j}", ("$g - e^{$y} \\sum_j ${g}_j",), "log softmax", "logsm")
defop("logsumexp", lambda p, a: logsumexp(a, p[0], p[1]),
      (lambda B, p, g, out, a: B.expand(g, a.shape, p[0], p[1])
       * B.exp(a - B.expand(out, a.shape, p[0], p[1])),),
      "\\log \\sum_j e^{${a}_j}", ("$g\\, \\operatorname{softmax}($a)",), "logΣexp", "LSE")


# ---- fused losses, mean-reduced, scalar result ----
def _rows(a) -> int:
    return a.shape[0] if a.ndim > 1 else 1


def _mse_forward(p, a, b):
    d = a - b
    return (d * d).sum() / d.size  # sum/size: np.mean's Python wrapper costs more than the math here


defop("mse", _mse_forward,
      (lambda B, p, g, out, a, b: B.sum_to((g * (2.0 / max(a.size, b.size))) * (a - b), a.shape),
       lambda B, p, g, out, a, b: B.sum_to((g * (-2.0 / max(a.size, b.size))) * (a - b), b.shape)),
      "\\frac{1}{n} \\sum_i (${a}_i - ${b}_i)^2",
      ("\\frac{2 $g}{n} ($a - $b)", "-\\frac{2 $g}{n} ($a - $b)"), "MSE", "MSE")


def _bce_logits_forward(p, z, t):
    per_entry = np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))
    return _add_reduce(per_entry, None) / per_entry.size  # what .sum() runs, minus a Python frame


def _bce_logits_vjp_z(B, p, g, out, z, t):
    r = (B.sigmoid(z) - t) * (g / z.size)
    return r if r.shape == z.shape else B.sum_to(r, z.shape)


defop("bce_with_logits", _bce_logits_forward,
      (_bce_logits_vjp_z,
       lambda B, p, g, out, z, t: B.sum_to((g / z.size) * -z, t.shape)),
      "\\frac{1}{n} \\sum_i \\log(1 + e^{${a}_i}) - ${b}_i ${a}_i",
      ("\\frac{$g}{n} (\\sigma($a) - $b)", "-\\frac{$g}{n} $a"), "BCE", "BCE")


def _softmax_ce_forward(p, z, t):
    """Returns (loss, (rows_sum_to_one, log_softmax(z))): the VJP reuses log-softmax."""
    logp = log_softmax(z, -1)
    return -(t * logp).sum() / _rows(z), (p, logp)


def _softmax_ce_vjp_z(B, p, g, out, z, t):
    # d/dz of −Σ t·(z − lse z) is softmax(z)·Σt − t; Σt = 1 for one-hot rows (p[0]), which saves a sum
    probs = B.softmax_of(z, p[1])
    if not p[0]:
        probs = probs * B.sum(t, (t.ndim - 1,), True)
    return (probs - t) * (g / _rows(z))


defop("softmax_cross_entropy", _softmax_ce_forward,
      (_softmax_ce_vjp_z,
       lambda B, p, g, out, z, t: B.log_softmax_of(z, p[1]) * (-g / _rows(z))),
      "-\\frac{1}{N} \\sum_{r} \\sum_i ${b}_{ri} \\log \\operatorname{softmax}(${a}_r)_i",
      ("\\frac{$g}{N} (\\operatorname{softmax}($a) - $b)",
       "-\\frac{$g}{N} \\log \\operatorname{softmax}($a)"),
      "CE", "CE", saves=True)
