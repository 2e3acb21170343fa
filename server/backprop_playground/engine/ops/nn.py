"""Op table, part 2: activations, the softmax family and fused, numerically stable losses.

VJPs reuse the forward result `out` where that saves a transcendental call (sigmoid, tanh, exp, softmax).
The NumPy kernels (stable sigmoid, softmax family) are in `kernels.py`.
"""

from __future__ import annotations

import numpy as np

from ..kernels import log_softmax, logsumexp, sigmoid, softmax
from .table import defop

_add_reduce = np.add.reduce

# ---- activations ----
defop(name="relu", label="relu", symbol="relu", method=True,
      forward=lambda p, a: np.maximum(a, 0.0), kernel=lambda a: np.maximum(a, 0.0),
      vjps=(lambda B, p, g, out, a: g * (out > 0),),  # a comparison is a constant mask on ndarray and Tensor
      latex="\\max(0, $a)", vjp_latex=("$g\\, [$a > 0]",),
      forward_template="\\max(0, $a)", local_templates=("[$a > 0]",))
defop(name="generalized_relu", label="g(z;α)", symbol="g(z;α)",
      forward=lambda p, a, b: np.maximum(a, 0.0) + b * np.minimum(a, 0.0),
      vjps=(lambda B, p, g, out, a, b: B.sum_to(g * (B.pos(a) + B.neg(a) * b), a.shape),
            lambda B, p, g, out, a, b: B.sum_to(g * (a * B.neg(a)), b.shape)),
      latex="\\max(0, $a) + $b \\min(0, $a)",
      vjp_latex=("$g\\, ([$a > 0] + $b [$a < 0])", "$g\\, \\min(0, $a)"),
      forward_template="\\max(0, $a) + $b \\min(0, $a)",
      local_templates=("[$a > 0] + $b\\, [$a < 0]", "\\min(0, $a)"))


def _maxout_forward(k, z):
    return z.reshape(z.shape[:-1] + (z.shape[-1] // k, k)).max(axis=-1)


def _maxout_vjp(B, k, g, out, z):
    spread = B.reshape(g, g.shape + (1,)) * B.group_argmax_mask(z, k)
    return B.reshape(spread, z.shape)


defop(name="maxout", label="maxout", symbol="maxout",
      forward=_maxout_forward,
      vjps=(_maxout_vjp,),
      latex="\\max_{j \\le k} ${a}_{i,j}", vjp_latex=("$g \\text{ to the argmax of each group}",),
      forward_template="\\operatorname{maxout}($a)",
      local_templates=("$g \\text{ to the argmax of each group}",))
defop(name="sigmoid", label="σ", symbol="σ", method=True,
      forward=lambda p, a: sigmoid(a), kernel=sigmoid,
      vjps=(lambda B, p, g, out, a: g * (out * (1.0 - out)),),
      latex="\\sigma($a)", vjp_latex=("$g\\, $y (1 - $y)",),
      forward_template="\\sigma($a)", local_templates=("$y\\,(1 - $y)",))
defop(name="tanh", label="tanh", symbol="tanh", method=True, parens=True,
      forward=lambda p, a: np.tanh(a), kernel=np.tanh,
      vjps=(lambda B, p, g, out, a: g * (1.0 - out * out),),
      latex="\\tanh $a", vjp_latex=("$g\\, (1 - $y^2)",),
      forward_template="\\tanh($a)", local_templates=("1 - {$y}^2",))
defop(name="softplus", label="softplus", symbol="ζ", method=True,
      forward=lambda p, a: np.logaddexp(0.0, a),
      vjps=(lambda B, p, g, out, a: g * B.sigmoid(a),),
      latex="\\log(1 + e^{$a})", vjp_latex=("$g\\, \\sigma($a)",),
      forward_template="\\log(1 + e^{$a})", local_templates=("\\sigma($a)",))

# ---- softmax family (p = axis for softmax / log_softmax, (axes, keepdims) for logsumexp); the local
# templates are Jacobians along the axis ----
defop(name="softmax", label="softmax", symbol="softmax", parens=True,
      forward=lambda p, a: softmax(a, p),
      vjps=(lambda B, p, g, out, a: out * (g - B.sum(g * out, (p,), True)),),
      latex="\\frac{e^{${a}_i}}{\\sum_j e^{${a}_j}}",
      vjp_latex=("$y \\odot ($g - \\langle $g, $y \\rangle)",),
      forward_template="\\operatorname{softmax}($a)",
      local_templates=("\\operatorname{diag}($y) - $y\\, {$y}^{\\top}",))
defop(name="log_softmax", label="log softmax", symbol="logsm", parens=True,
      forward=lambda p, a: log_softmax(a, p),
      vjps=(lambda B, p, g, out, a: g - B.exp(out) * B.sum(g, (p,), True),),
      latex="${a}_i - \\log \\sum_j e^{${a}_j}", vjp_latex=("$g - e^{$y} \\sum_j ${g}_j",),
      forward_template="\\log \\operatorname{softmax}($a)",
      local_templates=("I - \\mathbf 1\\, \\operatorname{softmax}($a)^{\\top}",))
defop(name="logsumexp", label="logΣexp", symbol="LSE", parens=True,
      forward=lambda p, a: logsumexp(a, p[0], p[1]),
      vjps=(lambda B, p, g, out, a: (B.expand(g, a.shape, p[0], p[1])
                                     * B.exp(a - B.expand(out, a.shape, p[0], p[1]))),),
      latex="\\log \\sum_j e^{${a}_j}", vjp_latex=("$g\\, \\operatorname{softmax}($a)",),
      forward_template="\\log \\textstyle\\sum e^{$a}", local_templates=("\\operatorname{softmax}($a)",))


# ---- fused losses, mean-reduced, scalar result ----
def _rows(a) -> int:
    return a.shape[0] if a.ndim > 1 else 1


def _mse_forward(p, a, b):
    d = a - b
    return (d * d).sum() / d.size  # sum/size: np.mean's Python wrapper costs more than the math here


defop(name="mse", label="MSE", symbol="MSE", parens=True,
      forward=_mse_forward,
      vjps=(lambda B, p, g, out, a, b: B.sum_to((g * (2.0 / max(a.size, b.size))) * (a - b), a.shape),
            lambda B, p, g, out, a, b: B.sum_to((g * (-2.0 / max(a.size, b.size))) * (a - b), b.shape)),
      latex="\\frac{1}{n} \\sum_i (${a}_i - ${b}_i)^2",
      vjp_latex=("\\frac{2 $g}{n} ($a - $b)", "-\\frac{2 $g}{n} ($a - $b)"),
      forward_template="\\frac1n \\textstyle\\sum ($a - $b)^2",
      local_templates=("\\frac2n ($a - $b)", "-\\frac2n ($a - $b)"))


def _bce_logits_forward(p, z, t):
    per_entry = np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))
    return _add_reduce(per_entry, None) / per_entry.size  # what .sum() runs, minus a Python frame


def _bce_logits_kernel(z, t):
    """`_bce_logits_forward` computed into its own temporaries (the same operations, so the same bits)."""
    zt = z * t
    if zt.shape != z.shape or zt.dtype != z.dtype or not z.ndim:  # t widens z's shape or dtype, or 0-d
        return _bce_logits_forward(None, z, t)
    soft = np.abs(z)
    np.negative(soft, soft)
    np.exp(soft, soft)
    np.log1p(soft, soft)
    per_entry = np.maximum(z, 0.0)
    per_entry -= zt
    per_entry += soft
    return _add_reduce(per_entry, None) / per_entry.size


def _bce_logits_vjp_z(B, p, g, out, z, t):
    r = B.scaled_difference(B.sigmoid(z), t, g / z.size)  # (σ(z) − t) · g/n
    return r if r.shape == z.shape else B.sum_to(r, z.shape)


defop(name="bce_with_logits", label="BCE", symbol="BCE", parens=True,
      forward=_bce_logits_forward, kernel=_bce_logits_kernel,
      vjps=(_bce_logits_vjp_z,
            lambda B, p, g, out, z, t: B.sum_to((g / z.size) * -z, t.shape)),
      latex="\\frac{1}{n} \\sum_i \\log(1 + e^{${a}_i}) - ${b}_i ${a}_i",
      vjp_latex=("\\frac{$g}{n} (\\sigma($a) - $b)", "-\\frac{$g}{n} $a"),
      forward_template="\\frac1n \\textstyle\\sum \\log(1 + e^{$a}) - $b \\odot $a",
      local_templates=("\\frac1n (\\sigma($a) - $b)", "-\\frac1n $a"))


def _softmax_ce_forward(p, z, t):
    """Returns (loss, (rows_sum_to_one, log_softmax(z))): the VJP reuses log-softmax."""
    logp = log_softmax(z, -1)
    return -_add_reduce(t * logp, None) / _rows(z), (p, logp)  # _add_reduce(x, None): x.sum()


def _softmax_ce_vjp_z(B, p, g, out, z, t):
    # d/dz of −Σ t·(z − lse z) is softmax(z)·Σt − t; Σt = 1 for one-hot rows (p[0]), which saves a sum
    probs = B.softmax_of(z, p[1])
    if not p[0]:
        probs = probs * B.sum(t, (t.ndim - 1,), True)
    return B.scaled_difference(probs, t, g / _rows(z))  # (probs − t) · g/N


defop(name="softmax_cross_entropy", label="CE", symbol="CE", saves=True, parens=True,
      forward=_softmax_ce_forward,
      vjps=(_softmax_ce_vjp_z,
            lambda B, p, g, out, z, t: B.log_softmax_of(z, p[1]) * (-g / _rows(z))),
      latex="-\\frac{1}{N} \\sum_{r} \\sum_i ${b}_{ri} \\log \\operatorname{softmax}(${a}_r)_i",
      vjp_latex=("\\frac{$g}{N} (\\operatorname{softmax}($a) - $b)",
                 "-\\frac{$g}{N} \\log \\operatorname{softmax}($a)"),
      forward_template="-\\frac1N \\textstyle\\sum $b \\odot \\log \\operatorname{softmax}($a)",
      local_templates=("\\frac1N (\\operatorname{softmax}($a) - $b)",
                       "-\\frac1N \\log \\operatorname{softmax}($a)"))
