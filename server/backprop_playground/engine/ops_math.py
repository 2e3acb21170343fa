"""Op table, part 1: arithmetic, elementwise functions, linear algebra, shapes and reductions.

Each row: name, forward `(p, *xs)`, VJPs `(B, p, g, out, *xs)` (see `ops.py`), LaTeX, node label.
"""

from __future__ import annotations

import numpy as np

from .ops import VariadicVjps, defop, unbroadcast

# ---- arithmetic (broadcasting: every VJP sums back to its input's shape with B.sum_to) ----
# (`g if g.shape == a.shape else B.sum_to(...)` inlines sum_to's first test: this is the hot path)
defop("add", lambda p, a, b: a + b,
      (lambda B, p, g, out, a, b: g if g.shape == a.shape else B.sum_to(g, a.shape),
       lambda B, p, g, out, a, b: g if g.shape == b.shape else B.sum_to(g, b.shape)),
      "$a + $b", ("$g", "$g"), "{0}+{1}", "+")
defop("sub", lambda p, a, b: a - b,
      (lambda B, p, g, out, a, b: B.sum_to(g, a.shape),
       lambda B, p, g, out, a, b: B.sum_to(-g, b.shape)),
      "$a - $b", ("$g", "-$g"), "{0}−{1}", "−")
defop("mul", lambda p, a, b: a * b,
      (lambda B, p, g, out, a, b: B.sum_to(g * b, a.shape),
       lambda B, p, g, out, a, b: B.sum_to(g * a, b.shape)),
      "$a \\cdot $b", ("$g\\, $b", "$g\\, $a"), "{0}·{1}", "·")
defop("div", lambda p, a, b: a / b,
      (lambda B, p, g, out, a, b: B.sum_to(g / b, a.shape),
       lambda B, p, g, out, a, b: B.sum_to(-g * out / b, b.shape)),
      "\\frac{$a}{$b}", ("\\frac{$g}{$b}", "-$g\\, \\frac{$y}{$b}"), "{0}/{1}", "/")
defop("neg", lambda p, a: -a,
      (lambda B, p, g, out, a: -g,),
      "-$a", ("-$g",), "−{0}", "−")
defop("pow", lambda p, a: a**p,
      (lambda B, p, g, out, a: g * (p * a ** (p - 1)),),
      "$a^{c}", ("$g\\, c\\, $a^{c-1}",), "{0}^c", "^")
defop("exp", lambda p, a: np.exp(a),
      (lambda B, p, g, out, a: g * out,),
      "e^{$a}", ("$g\\, $y",), "exp", "exp")
defop("sin", lambda p, a: np.sin(a),
      (lambda B, p, g, out, a: g * B.cos(a),),
      "\\sin $a", ("$g\\, \\cos $a",), "sin", "sin")
defop("cos", lambda p, a: np.cos(a),
      (lambda B, p, g, out, a: -g * B.sin(a),),
      "\\cos $a", ("-$g\\, \\sin $a",), "cos", "cos")
defop("log", lambda p, a: np.log(a),
      (lambda B, p, g, out, a: g / a,),
      "\\log $a", ("\\frac{$g}{$a}",), "log", "log")
defop("abs", lambda p, a: np.abs(a),
      (lambda B, p, g, out, a: g * B.sign(a),),
      "|$a|", ("$g\\, \\operatorname{sign}($a)",), "|{0}|", "abs")
defop("sqrt", lambda p, a: np.sqrt(a),
      (lambda B, p, g, out, a: g * 0.5 / out,),
      "\\sqrt{$a}", ("\\frac{$g}{2 $y}",), "√{0}", "√")
defop("clip", lambda p, a: np.clip(a, p[0], p[1]),
      (lambda B, p, g, out, a: g * B.inside(a, p[0], p[1]),),
      "\\operatorname{clip}($a, lo, hi)", ("$g\\, [lo < $a < hi]",), "clip", "clip")


# ---- linear algebra ----
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


defop("matmul", lambda p, a, b: a @ b, (_matmul_vjp_a, _matmul_vjp_b),
      "$a $b", ("$g\\, $b^\\top", "$a^\\top $g"), "{0}{1}", "@")
defop("linear", lambda p, x, w, b: x @ w + b,
      (lambda B, p, g, out, x, w, b: g @ w.T if x.ndim == 2 == w.ndim else _matmul_vjp_a(B, p, g, out, x, w),
       lambda B, p, g, out, x, w, b: x.T @ g if x.ndim == 2 == w.ndim else _matmul_vjp_b(B, p, g, out, x, w),
       lambda B, p, g, out, x, w, b: g if g.shape == b.shape else B.sum_to(g, b.shape)),
      "$a $b + $c", ("$g\\, $b^\\top", "$a^\\top $g", "\\sum_{\\text{rows}} $g"), "{0}{1}+{2}", "xW+b")
defop("transpose", lambda p, a: a.transpose(p),
      (lambda B, p, g, out, a: B.transpose(g, None if p is None else tuple(np.argsort(p))),),
      "$a^\\top", ("$g^\\top",), "{0}ᵀ", "ᵀ")

# ---- shapes ----
defop("reshape", lambda p, a: a.reshape(p),
      (lambda B, p, g, out, a: B.reshape(g, a.shape),),
      "\\operatorname{reshape}($a)", ("\\operatorname{reshape}($g)",), "reshape", "⤷")
defop("broadcast_to", lambda p, a: np.broadcast_to(a, p),
      (lambda B, p, g, out, a: B.sum_to(g, a.shape),),
      "\\operatorname{broadcast}($a)", ("\\sum_{\\text{bcast}} $g",), "bcast", "bcast")
defop("sum_to", lambda p, a: unbroadcast(a, p),
      (lambda B, p, g, out, a: B.broadcast_to(g, a.shape),),
      "\\sum_{\\text{bcast}} $a", ("\\operatorname{broadcast}($g)",), "Σ→", "Σ→")


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


defop("getitem", lambda p, a: a[p],
      (lambda B, p, g, out, a: B.scatter(g, p, a.shape),),
      "${a}_{[i]}", ("\\operatorname{scatter}_{[i]}($g)",), "{0}[i]", "[i]")
defop("scatter", _scatter,
      (lambda B, p, g, out, a: B.getitem(g, p[0]),),
      "\\operatorname{scatter}_{[i]}($a)", ("${g}_{[i]}",), "scatter", "scatter")


def _concat_vjp(k):
    def vjp(B, p, g, out, *xs):
        axis, bounds = p
        return B.getitem(g, (slice(None),) * axis + (slice(bounds[k], bounds[k + 1]),))
    return vjp


defop("concat", lambda p, *xs: np.concatenate(xs, axis=p[0]), VariadicVjps(_concat_vjp),
      "[$a, $b, \\dots]", ("${g}_{[k]}",), "concat", "⧺", variadic=True)

# ---- reductions (p = (axis tuple or None, keepdims)) ----
defop("sum", lambda p, a: a.sum(axis=p[0], keepdims=p[1]),
      (lambda B, p, g, out, a: B.expand(g, a.shape, p[0], p[1]),),
      "\\sum_i ${a}_i", ("$g \\mathbf{1}",), "Σ", "Σ")
defop("mean", lambda p, a: a.mean(axis=p[0], keepdims=p[1]),
      (lambda B, p, g, out, a: B.expand(g * (out.size / a.size), a.shape, p[0], p[1]),),
      "\\frac{1}{n}\\sum_i ${a}_i", ("\\frac{$g}{n} \\mathbf{1}",), "mean", "mean")
defop("max", lambda p, a: a.max(axis=p[0], keepdims=p[1]),
      (lambda B, p, g, out, a: B.expand(g, a.shape, p[0], p[1]) * B.max_mask(a, out, p[0], p[1]),),
      "\\max_i ${a}_i", ("$g\\, [${a}_i = $y] / \\#\\text{ties}",), "max", "max")
