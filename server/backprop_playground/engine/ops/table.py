"""The op table's core: `Op`, `defop`, the table `OPS` and `describe_ops`. The rows live in `math.py` and
`nn.py`, which register into `OPS` when the package loads; this module imports neither.

An `Op` row holds
- `forward(p, *xs)`: the NumPy forward on input arrays `xs`, with `p` the op's static parameters
  (axis, exponent, shape, ...; `None` for most ops);
- `vjps`: one vector-Jacobian product per input, each `vjp(B, p, g, out, *xs)` where `g` is the upstream
  gradient, `out` the forward result and `xs` the inputs. `B` is a backend namespace: the same VJP code runs
  on ndarrays (`backend.NB`, the fast path) and on Tensors (`backend.TB`, `create_graph=True`: the backward
  pass becomes graph nodes). A `None` entry means "no VJP": differentiating through it raises, naming the op
  and the input;
- `latex` / `vjp_latex`: the forward formula and each local VJP, rendered generically for `GET /api/v1/ops`
  and with real input names for each graph node;
- `label`: a short readable label for a graph node (`"{0}·{1}"` composes the input labels, or a symbol);
- `kernel` (optional, ops without static parameters): the same forward as one callable of the input
  arrays alone, e.g. `operator.add` or `np.exp`, which Tensor's operators and methods call instead of
  `forward`: one Python frame less per node, the same result bit for bit (a test checks it);
- `saves`: the forward returns `(value, p)` and the node keeps that `p`, so a VJP can reuse a forward
  intermediate (the fused cross-entropy keeps log-softmax instead of recomputing softmax);
- `forward_template` / `local_templates`: the forward and each input's local derivative ∂y/∂input_k for
  the inspector (a template with `$g` gives the gradient sent to the input, for ops whose Jacobian is no
  simple factor). `local_templates` is None for a variadic op, and an entry None where no formula is
  meaningful. `GET /api/v1/ops` serves them with `{0}`, `{1}`, ... for the inputs, `{y}` and `{g}`, which
  the client fills with a plain replace: so a literal brace group never holds just a digit, `y` or `g`
  (`\\frac1{$a}`, not `\\frac{1}{$a}`);
- `parens`: whether a compound input (`x + y`) is bracketed where the op's LaTeX names it in a node's
  formula: True for an op whose formula sets an input beside an operator (`$a \\cdot $b`, `\\log $a`),
  False (the default) for one that delimits its inputs itself (`\\max(0, $a)`, `\\frac{$a}{$b}`, `e^{$a}`);
  or one flag per input (`sub`: `(False, True)`, since `$a - ($b)`);
- `method`: the op is also a Tensor method of its name (`x.tanh()`), for a unary op without static
  parameters; expressions may then call it by its name.

Every template (`latex`, `vjp_latex`, `forward_template`, `local_templates`) is a `string.Template` over
`$a`, `$b`, `$c` for the inputs, `$y` for the output and `$g` for the upstream gradient (`${a}_i` where
a letter, digit or `_` follows); one substitution renders each of them, with generic names (`GET /ops`),
with the inputs' formulas (a node's LaTeX) or with the client's placeholders (the inspector's templates).
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import textwrap
from string import Template

GENERIC_NAMES = {"a": "a", "b": "b", "c": "c", "y": "y", "g": "\\bar{y}"}
PLACEHOLDERS = {"a": "{0}", "b": "{1}", "c": "{2}", "y": "{y}", "g": "{g}"}  # what the client fills in


class Op:
    """One primitive of the engine: forward, VJPs and their formulas."""

    __slots__ = ("name", "arity", "forward", "vjps", "latex_template", "vjp_latex_templates", "label",
                 "symbol", "saves", "forward_template", "local_templates", "_source", "kernel", "parens",
                 "method")

    def __init__(self, name, forward, vjps, latex, vjp_latex, label, symbol=None, variadic=False,
                 saves=False, *, forward_template=None, local_templates=None, kernel=None, parens=False,
                 method=False):
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.arity = None if variadic else len(vjps)
        self.latex_template = Template(latex)
        self.vjp_latex_templates = tuple(Template(s) for s in vjp_latex)
        self.label = label
        self.symbol = symbol or label
        self.saves = saves
        self.forward_template = _placeholders(forward_template)
        self.local_templates = None if local_templates is None else list(map(_placeholders, local_templates))
        self._source = None
        self.kernel = kernel
        self.parens = parens
        self.method = method

    @property
    def latex(self) -> str:
        """The forward formula with generic input names (`a`, `b`)."""
        return self.latex_template.safe_substitute(GENERIC_NAMES)

    @property
    def vjp_latex(self) -> list[str]:
        """One LaTeX formula per input: the contribution sent to that input (`\\bar{y}` upstream)."""
        return [t.safe_substitute(GENERIC_NAMES) for t in self.vjp_latex_templates]

    @property
    def source(self) -> dict:
        """The Python source of the forward and of each VJP (a variadic op's one VJP factory), dedented;
        an entry is None where the source cannot be read (or the VJP is missing)."""
        if self._source is None:
            vjps = [self.vjps.make] if isinstance(self.vjps, VariadicVjps) else list(self.vjps)
            self._source = {"forward": function_source(self.forward),
                            "vjps": [function_source(fn) for fn in vjps]}
        return self._source

    def brackets(self, k: int) -> bool:
        """Whether a compound input `k` is bracketed in this op's node formula (see `parens`)."""
        parens = self.parens
        return parens[k] if isinstance(parens, tuple) else parens

    def vjp(self, k: int):
        """The VJP for input `k`; raises NotImplementedError naming the op and the input if there is none."""
        fn = self.vjps[k]
        if fn is None:
            arg = "ab"[k] if k < 2 else str(k)
            raise NotImplementedError(f"op '{self.name}' has no VJP for input {k} ({arg})")
        return fn

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity})"


def _placeholders(template: str | None) -> str | None:
    """An inspector template as served: the client's placeholders `{0}`, `{y}`, ... for `$a`, `$y`, ..."""
    return None if template is None else Template(template).safe_substitute(PLACEHOLDERS)


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


def defop(*, name, forward, vjps, latex, vjp_latex, label, forward_template, local_templates, symbol=None,
          variadic=False, saves=False, kernel=None, parens=False, method=False) -> Op:
    """Create an Op and enter it in the table `OPS` under `name` (keyword arguments only; see `Op`)."""
    if name in OPS:
        raise ValueError(f"op {name!r} defined twice")
    op = OPS[name] = Op(name, forward, vjps, latex, vjp_latex, label, symbol, variadic, saves,
                        forward_template=forward_template, local_templates=local_templates, kernel=kernel,
                        parens=parens, method=method)
    return op


def describe_ops() -> list[dict]:
    """The op table as plain dicts for `GET /api/v1/ops`: name, arity (None = variadic), formulas,
    inspector templates and the Python source of the forward and the VJPs."""
    return [
        {"name": op.name, "arity": op.arity, "forward_latex": op.latex, "vjp_latex": op.vjp_latex,
         "forward_template": op.forward_template, "local_templates": op.local_templates, "source": op.source}
        for op in OPS.values()
    ]


def function_source(fn) -> str | None:
    """The dedented source of a function; for a lambda, the lambda expression alone (the lines
    `inspect.getsource` gives may hold a whole call, or a sibling lambda); None if it cannot be read."""
    if fn is None:
        return None
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    text = textwrap.dedent("".join(lines))
    if fn.__name__ != "<lambda>":
        return text.rstrip("\n")
    return _lambda_expression(fn, first) or text.strip()


def _lambda_expression(fn, first: int) -> str | None:
    """The source of the innermost lambda expression holding `fn`'s body, from its file's syntax tree."""
    spots = [(line, col) for line, end_line, col, end_col in fn.__code__.co_positions()
             if None not in (line, end_line, col, end_col) and (end_line, end_col) > (line, col)]
    path = inspect.getsourcefile(fn)
    if not spots or path is None:
        return None
    source, lambdas = _lambdas(path)
    start, best = min(spots), None
    for node in lambdas:
        if (node.lineno, node.col_offset) <= start <= (node.end_lineno, node.end_col_offset) and (
                best is None or (node.lineno, node.col_offset) > (best.lineno, best.col_offset)):
            best = node
    if best is None or best.lineno < first:
        return None
    return textwrap.dedent(ast.get_source_segment(source, best, padded=True))


@functools.cache
def _lambdas(path: str) -> tuple[str, list[ast.Lambda]]:
    """A source file's text and its lambda expressions (read once per file)."""
    source = "".join(linecache.getlines(path))
    return source, [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Lambda)]
