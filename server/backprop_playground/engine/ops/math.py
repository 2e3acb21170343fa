"""Op table, part 1: arithmetic, elementwise functions, linear algebra, shapes and reductions.

Each row (see `table.py`): name, node label and symbol, the Tensor method and parentheses flags, forward
`(p, *xs)`, VJPs `(B, p, g, out, *xs)`, and the `$`-templates of the forward and the VJPs and of the
inspector's forward and local derivatives.
Rows look alike on purpose: one self-contained call per primitive, so each op reads (and is served by
`describe_ops`, with its source) on its own.
"""

from __future__ import annotations

import operator

import numpy as np

from ..kernels import unbroadcast
from .table import VariadicVjps, defop

# ---- arithmetic (broadcasting: every VJP sums back to its input's shape with B.sum_to) ----
# (rows repeat one shape deliberately, one self-contained defop per primitive: see the module docstring)
# (`g if g.shape == a.shape else B.sum_to(...)` inlines sum_to's first test: this is the hot path)
defop(name="add", label="{0}+{1}", symbol="+",
      forward=lambda p, a, b: a + b, kernel=operator.add,
      vjps=(lambda B, p, g, out, a, b: g if g.shape == a.shape else B.sum_to(g, a.shape),
            lambda B, p, g, out, a, b: g if g.shape == b.shape else B.sum_to(g, b.shape)),
      latex="$a + $b", vjp_latex=("$g", "$g"),
      forward_template="$a + $b", local_templates=("1", "1"))
defop(name="sub", label="{0}−{1}", symbol="−", parens=(False, True),
      forward=lambda p, a, b: a - b, kernel=operator.sub,
      vjps=(lambda B, p, g, out, a, b: B.sum_to(g, a.shape),
            lambda B, p, g, out, a, b: B.sum_to(-g, b.shape)),
      latex="$a - $b", vjp_latex=("$g", "-$g"),
      forward_template="$a - $b", local_templates=("1", "-1"))
defop(name="mul", label="{0}·{1}", symbol="·", parens=True,
      forward=lambda p, a, b: a * b, kernel=operator.mul,
      vjps=(lambda B, p, g, out, a, b: B.sum_to(g * b, a.shape),
            lambda B, p, g, out, a, b: B.sum_to(g * a, b.shape)),
      latex="$a \\cdot $b", vjp_latex=("$g\\, $b", "$g\\, $a"),
      forward_template="$a \\cdot $b", local_templates=("$b", "$a"))
defop(name="div", label="{0}/{1}", symbol="/",
      forward=lambda p, a, b: a / b, kernel=operator.truediv,
      vjps=(lambda B, p, g, out, a, b: B.sum_to(g / b, a.shape),
            lambda B, p, g, out, a, b: B.sum_to(-g * out / b, b.shape)),
      latex="\\frac{$a}{$b}", vjp_latex=("\\frac{$g}{$b}", "-$g\\, \\frac{$y}{$b}"),
      forward_template="\\frac{$a}{$b}", local_templates=("\\frac1{$b}", "-\\frac{$a}{{$b}^2}"))
defop(name="neg", label="−{0}", symbol="−", parens=True,
      forward=lambda p, a: -a, kernel=operator.neg,
      vjps=(lambda B, p, g, out, a: -g,),
      latex="-$a", vjp_latex=("-$g",),
      forward_template="-$a", local_templates=("-1",))
defop(name="pow", label="{0}^c", symbol="^", parens=True,
      forward=lambda p, a: a**p,
      vjps=(lambda B, p, g, out, a: g * (p * a ** (p - 1)),),
      latex="$a^{c}", vjp_latex=("$g\\, c\\, $a^{c-1}",),
      forward_template="{$a}^{c}", local_templates=("c\\, {$a}^{c-1}",))
defop(name="exp", label="exp", symbol="exp", method=True,
      forward=lambda p, a: np.exp(a), kernel=np.exp,
      vjps=(lambda B, p, g, out, a: g * out,),
      latex="e^{$a}", vjp_latex=("$g\\, $y",),
      forward_template="e^{$a}", local_templates=("$y",))
defop(name="sin", label="sin", symbol="sin", method=True,
      forward=lambda p, a: np.sin(a), kernel=np.sin,
      vjps=(lambda B, p, g, out, a: g * B.cos(a),),
      latex="\\sin $a", vjp_latex=("$g\\, \\cos $a",),
      forward_template="\\sin $a", local_templates=("\\cos $a",))
defop(name="cos", label="cos", symbol="cos", method=True,
      forward=lambda p, a: np.cos(a), kernel=np.cos,
      vjps=(lambda B, p, g, out, a: -g * B.sin(a),),
      latex="\\cos $a", vjp_latex=("-$g\\, \\sin $a",),
      forward_template="\\cos $a", local_templates=("-\\sin $a",))
defop(name="log", label="log", symbol="log", method=True, parens=True,
      forward=lambda p, a: np.log(a), kernel=np.log,
      vjps=(lambda B, p, g, out, a: g / a,),
      latex="\\log $a", vjp_latex=("\\frac{$g}{$a}",),
      forward_template="\\log $a", local_templates=("\\frac1{$a}",))
defop(name="abs", label="|{0}|", symbol="abs", method=True,
      forward=lambda p, a: np.abs(a), kernel=np.abs,
      vjps=(lambda B, p, g, out, a: g * B.sign(a),),
      latex="|$a|", vjp_latex=("$g\\, \\operatorname{sign}($a)",),
      forward_template="|$a|", local_templates=("\\operatorname{sign}($a)",))
defop(name="sqrt", label="√{0}", symbol="√", method=True,
      forward=lambda p, a: np.sqrt(a), kernel=np.sqrt,
      vjps=(lambda B, p, g, out, a: g * 0.5 / out,),
      latex="\\sqrt{$a}", vjp_latex=("\\frac{$g}{2 $y}",),
      forward_template="\\sqrt{$a}", local_templates=("\\frac1{2 $y}",))
defop(name="clip", label="clip", symbol="clip",
      forward=lambda p, a: np.clip(a, p[0], p[1]),
      vjps=(lambda B, p, g, out, a: g * B.inside(a, p[0], p[1]),),
      latex="\\operatorname{clip}($a, lo, hi)", vjp_latex=("$g\\, [lo < $a < hi]",),
      forward_template="\\operatorname{clip}($a, lo, hi)", local_templates=("[lo < $a < hi]",))


# ---- linear algebra (the local templates are the gradients sent: {g} is the upstream gradient) ----
def _matmul_vjp_a(B, p, g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return g @ b.T
    if b.ndim == 1:
        if a.ndim == 1:
            return g * b
        return B.reshape(g, g.shape + (1,)) * b
    if a.ndim == 1:
        if b.ndim == 2:
            return B.matmul(b, g)
        return B.sum_to(B.reshape(B.matmul(b, B.reshape(g, g.shape + (1,))), b.shape[:-1]), a.shape)
    return B.sum_to(B.matmul(g, B.mT(b)), a.shape)


def _matmul_vjp_b(B, p, g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        return B.reshape(a, (a.shape[0], 1)) * B.reshape(g, g.shape[:-1] + (1, g.shape[-1]))
    if b.ndim == 1:
        return B.sum_to(B.reshape(g, g.shape + (1,)) * a, b.shape)
    return B.sum_to(B.matmul(B.mT(a), g), b.shape)


defop(name="matmul", label="{0}{1}", symbol="@", parens=True,
      forward=lambda p, a, b: a @ b, kernel=operator.matmul,
      vjps=(_matmul_vjp_a, _matmul_vjp_b),
      latex="$a $b", vjp_latex=("$g\\, $b^\\top", "$a^\\top $g"),
      forward_template="$a \\, $b", local_templates=("$g\\, {$b}^{\\top}", "{$a}^{\\top} $g"))
defop(name="linear", label="{0}{1}+{2}", symbol="xW+b", parens=True,
      forward=lambda p, x, w, b: x @ w + b,
      vjps=(lambda B, p, g, out, x, w, b: (g @ w.T if x.ndim == 2 == w.ndim
                                            else _matmul_vjp_a(B, p, g, out, x, w)),
            lambda B, p, g, out, x, w, b: (x.T @ g if x.ndim == 2 == w.ndim
                                            else _matmul_vjp_b(B, p, g, out, x, w)),
            lambda B, p, g, out, x, w, b: g if g.shape == b.shape else B.sum_to(g, b.shape)),
      latex="$a $b + $c", vjp_latex=("$g\\, $b^\\top", "$a^\\top $g", "\\sum_{\\text{rows}} $g"),
      forward_template="$a \\, $b + $c",
      local_templates=("$g\\, {$b}^{\\top}", "{$a}^{\\top} $g", "\\textstyle\\sum_{\\text{rows}} $g"))
defop(name="transpose", label="{0}ᵀ", symbol="ᵀ", parens=True,
      forward=lambda p, a: a.transpose(p),
      vjps=(lambda B, p, g, out, a: B.transpose(g, None if p is None else tuple(np.argsort(p))),),
      latex="$a^\\top", vjp_latex=("$g^\\top",),
      forward_template="{$a}^{\\top}", local_templates=("{$g}^{\\top}",))

# ---- shapes (the local templates are the gradients sent) ----
defop(name="reshape", label="reshape", symbol="⤷",
      forward=lambda p, a: a.reshape(p),
      vjps=(lambda B, p, g, out, a: B.reshape(g, a.shape),),
      latex="\\operatorname{reshape}($a)", vjp_latex=("\\operatorname{reshape}($g)",),
      forward_template="\\operatorname{reshape}($a)", local_templates=("\\operatorname{reshape}($g)",))
defop(name="broadcast_to", label="bcast", symbol="bcast",
      forward=lambda p, a: np.broadcast_to(a, p),
      vjps=(lambda B, p, g, out, a: B.sum_to(g, a.shape),),
      latex="\\operatorname{broadcast}($a)", vjp_latex=("\\sum_{\\text{bcast}} $g",),
      forward_template="\\operatorname{broadcast}($a)",
      local_templates=("\\textstyle\\sum_{\\text{bcast}} $g",))
defop(name="sum_to", label="Σ→", symbol="Σ→",
      forward=lambda p, a: unbroadcast(a, p),
      vjps=(lambda B, p, g, out, a: B.broadcast_to(g, a.shape),),
      latex="\\sum_{\\text{bcast}} $a", vjp_latex=("\\operatorname{broadcast}($g)",),
      forward_template="\\textstyle\\sum_{\\text{bcast}} $a",
      local_templates=("\\operatorname{broadcast}($g)",))


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, int | slice | np.integer) or i is None or i is Ellipsis for i in items)


def _scatter(p, g):
    index, shape = p
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic_index(index):
        z[index] = g
    else:
        np.add.at(z, index, g)
    return z


defop(name="getitem", label="{0}[i]", symbol="[i]", parens=True,
      forward=lambda p, a: a[p],
      vjps=(lambda B, p, g, out, a: B.scatter(g, p, a.shape),),
      latex="${a}_{[i]}", vjp_latex=("\\operatorname{scatter}_{[i]}($g)",),
      forward_template="{$a}_{[i]}", local_templates=("\\operatorname{scatter}_{[i]}($g)",))
defop(name="scatter", label="scatter", symbol="scatter",
      forward=_scatter,
      vjps=(lambda B, p, g, out, a: B.getitem(g, p[0]),),
      latex="\\operatorname{scatter}_{[i]}($a)", vjp_latex=("${g}_{[i]}",),
      forward_template="\\operatorname{scatter}_{[i]}($a)", local_templates=("{$g}_{[i]}",))


def _concat_vjp(k):
    def vjp(B, p, g, out, *xs):
        axis, bounds = p
        return B.getitem(g, (slice(None),) * axis + (slice(bounds[k], bounds[k + 1]),))
    return vjp


defop(name="concat", label="concat", symbol="⧺", variadic=True,
      forward=lambda p, *xs: np.concatenate(xs, axis=p[0]),
      vjps=VariadicVjps(_concat_vjp),
      latex="[$a, $b, \\dots]", vjp_latex=("${g}_{[k]}",),
      forward_template="\\operatorname{concat}($a, \\dots)", local_templates=None)

# ---- reductions (p = (axis tuple or None, keepdims)) ----
defop(name="sum", label="Σ", symbol="Σ", parens=True,
      forward=lambda p, a: a.sum(axis=p[0], keepdims=p[1]),
      vjps=(lambda B, p, g, out, a: B.expand(g, a.shape, p[0], p[1]),),
      latex="\\sum_i ${a}_i", vjp_latex=("$g \\mathbf{1}",),
      forward_template="\\textstyle\\sum $a", local_templates=("\\mathbf 1",))
defop(name="mean", label="mean", symbol="mean", parens=True,
      forward=lambda p, a: a.mean(axis=p[0], keepdims=p[1]),
      vjps=(lambda B, p, g, out, a: B.expand(g * (out.size / a.size), a.shape, p[0], p[1]),),
      latex="\\frac{1}{n}\\sum_i ${a}_i", vjp_latex=("\\frac{$g}{n} \\mathbf{1}",),
      forward_template="\\operatorname{mean} $a", local_templates=("\\frac1n \\mathbf 1",))
defop(name="max", label="max", symbol="max", parens=True,
      forward=lambda p, a: a.max(axis=p[0], keepdims=p[1]),
      vjps=(lambda B, p, g, out, a: B.expand(g, a.shape, p[0], p[1]) * B.max_mask(a, out, p[0], p[1]),),
      latex="\\max_i ${a}_i", vjp_latex=("$g\\, [${a}_i = $y] / \\#\\text{ties}",),
      forward_template="\\max $a", local_templates=("[{$a}_i = $y] / \\#\\text{ties}",))
