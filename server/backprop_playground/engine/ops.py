"""The op table: every primitive once, with its forward, one VJP per input and the formulas the UI shows.

An `Op` row holds
- `forward(p, *xs)`: the NumPy forward on input arrays `xs`, with `p` the op's static parameters
  (axis, exponent, shape, ...; `None` for most ops);
- `vjps`: one vector-Jacobian product per input, each `vjp(B, p, g, out, *xs)` where `g` is the upstream
  gradient, `out` the forward result and `xs` the inputs. `B` is a backend namespace: the same VJP code runs
  on ndarrays (`backend.NB`, the fast path) and on Tensors (`backend.TB`, `create_graph=True`: the backward
  pass becomes graph nodes). A `None` entry means "no VJP": differentiating through it raises, naming the op
  and the input;
- `latex` / `vjp_latex`: the forward formula and each local VJP, written with `$a`, `$b`, `$c` for the
  inputs, `$y` for the output and `$g` for the upstream gradient (a `string.Template`), rendered
  generically for `GET /api/v1/ops` and with real input names for each graph node;
- `label`: a short readable label for a graph node (`"{0}·{1}"` composes the input labels, or a symbol);
- `saves`: the forward returns `(value, p)` and the node keeps that `p`, so a VJP can reuse a forward
  intermediate (the fused cross-entropy keeps log-softmax instead of recomputing softmax).
"""

from __future__ import annotations

from string import Template

import numpy as np

GENERIC_NAMES = {"a": "a", "b": "b", "c": "c", "y": "y", "g": "\\bar{y}"}


class Op:
    """One primitive of the engine: forward, VJPs and their formulas."""

    __slots__ = ("name", "arity", "forward", "vjps", "latex_template", "vjp_latex_templates", "label",
                 "symbol", "saves")

    def __init__(self, name, forward, vjps, latex, vjp_latex, label, symbol=None, variadic=False,
                 saves=False):
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.arity = None if variadic else len(vjps)
        self.latex_template = Template(latex)
        self.vjp_latex_templates = tuple(Template(s) for s in vjp_latex)
        self.label = label
        self.symbol = symbol or label
        self.saves = saves

    @property
    def latex(self) -> str:
        """The forward formula with generic input names (`a`, `b`)."""
        return self.latex_template.safe_substitute(GENERIC_NAMES)

    @property
    def vjp_latex(self) -> list[str]:
        """One LaTeX formula per input: the contribution sent to that input (`\\bar{y}` upstream)."""
        return [t.safe_substitute(GENERIC_NAMES) for t in self.vjp_latex_templates]

    def vjp(self, k: int):
        """The VJP for input `k`; raises NotImplementedError naming the op and the input if there is none."""
        fn = self.vjps[k]
        if fn is None:
            arg = "ab"[k] if k < 2 else str(k)
            raise NotImplementedError(f"op '{self.name}' has no VJP for input {k} ({arg})")
        return fn

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity})"


class VariadicVjps:
    """The VJPs of a variadic op (concat): `vjps[k]` is built on demand from `make(k)` and cached."""

    __slots__ = ("make", "cache")

    def __init__(self, make):
        self.make = make
        self.cache = {}

    def __getitem__(self, k):
        fn = self.cache.get(k)
        if fn is None:
            fn = self.cache[k] = self.make(k)
        return fn


OPS: dict[str, Op] = {}
_add_reduce = np.add.reduce


def defop(name, forward, vjps, latex, vjp_latex, label, symbol=None, variadic=False, saves=False) -> Op:
    """Create an Op and enter it in the table `OPS` under `name`."""
    if name in OPS:
        raise ValueError(f"op {name!r} defined twice")
    op = OPS[name] = Op(name, forward, vjps, latex, vjp_latex, label, symbol, variadic, saves)
    return op


def describe_ops() -> list[dict]:
    """The op table as plain dicts for `GET /api/v1/ops`: name, arity (None = variadic), formulas."""
    return [
        {"name": op.name, "arity": op.arity, "forward_latex": op.latex, "vjp_latex": op.vjp_latex}
        for op in OPS.values()
    ]


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


# The table itself lives in two modules that register into OPS on import.
from . import ops_math, ops_nn  # noqa: E402, F401
