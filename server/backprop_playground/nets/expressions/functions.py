"""The functions an expression may call, in one table: the evaluator checks names and argument counts
against it, its error messages quote the signatures, and `GET /expressions/functions` serves it (the web
client's list of function names).

A function's parameters are written as in its signature: `"axis=None"` is optional with that default.
Besides the table, an elementwise op the engine gains later (in its op table with one input, and a Tensor
method) may be called by its name at once; `function_list()` includes those.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    """One callable name: its parameters (`"alpha=0.01"`: optional, with its default) and what it computes."""

    name: str
    params: tuple[str, ...]
    doc: str
    kind: str = "elementwise"  # | "reduction" (axis default: all) | "along_axis" (axis default: -1) | ""

    @property
    def min_args(self) -> int:
        return sum("=" not in p for p in self.params)

    @property
    def max_args(self) -> int:
        return len(self.params)

    @property
    def arity(self) -> int | None:
        """How many arguments it takes, or None when that varies (it has an optional one)."""
        return self.max_args if self.min_args == self.max_args else None

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"

    def to_dict(self) -> dict:
        return {"name": self.name, "arity": self.arity, "signature": self.signature, "doc": self.doc}


def _elementwise(name: str, doc: str) -> Function:
    return Function(name, ("x",), doc)


def _reduction(name: str, doc: str) -> Function:
    return Function(name, ("x", "axis=None"), f"{doc}, over all entries or along `axis`", "reduction")


def _along_axis(name: str, doc: str) -> Function:
    return Function(name, ("x", "axis=-1"), f"{doc}, along the last axis or `axis`", "along_axis")


_TABLE = [
    _elementwise("relu", "max(0, x), elementwise"),
    _elementwise("sigmoid", "1 / (1 + e^(−x)), elementwise"),
    _elementwise("tanh", "tanh(x), elementwise"),
    _elementwise("exp", "e^x, elementwise"),
    _elementwise("log", "the natural logarithm, elementwise"),
    _elementwise("sin", "sin(x), elementwise"),
    _elementwise("cos", "cos(x), elementwise"),
    _elementwise("abs", "|x|, elementwise"),
    _elementwise("sqrt", "√x, elementwise"),
    _elementwise("softplus", "log(1 + e^x), elementwise"),
    _elementwise("square", "x², elementwise (the engine's pow with exponent 2, as x**2)"),
    _reduction("sum", "The sum"),
    _reduction("mean", "The mean"),
    _reduction("max", "The largest entry (tied entries share the gradient)"),
    _reduction("min", "The smallest entry, as −max(−x) (tied entries share the gradient)"),
    _along_axis("softmax", "e^x / Σ e^x"),
    _along_axis("log_softmax", "x − logsumexp(x)"),
    _along_axis("logsumexp", "log Σ e^x"),
    Function("leaky_relu", ("x", "alpha=0.01"),
             "max(0, x) + alpha·min(0, x), elementwise; alpha a number or a variable (the generalized ReLU, "
             "alpha learned)", ""),
    Function("maxout", ("z", "k"), "The largest of each group of k entries along the last axis", ""),
    Function("transpose", ("x",), "x with its axes reversed; also written x.T", ""),
]
FUNCTIONS: dict[str, Function] = {f.name: f for f in _TABLE}
NOT_FUNCTIONS = {"reshape", "neg", "pow", "getitem", "clip"}  # ops with static parameters, or operators


def engine_unary(name: str, ops, tensor_class) -> bool:
    """Whether `name` is an elementwise op outside the table: in the engine's op table with one input, and
    a method of its Tensor (as sin was once)."""
    if name in NOT_FUNCTIONS:
        return False
    op = ops.get(name) if hasattr(ops, "get") else None
    method = getattr(tensor_class, name, None)
    return op is not None and getattr(op, "arity", None) == 1 and callable(method)


def engine_function(name: str) -> Function:
    """The entry of an elementwise engine op outside the table (see `engine_unary`)."""
    return _elementwise(name, "elementwise (an op of the engine's table)")


def function_list() -> list[dict]:
    """Every function an expression may call: {"name", "arity", "signature", "doc"}, the table's in its
    order, then any elementwise engine op outside it (by name)."""
    from backprop_playground.engine import OPS, Tensor

    extra = [engine_function(name) for name in sorted(OPS)
             if name not in FUNCTIONS and engine_unary(name, OPS, Tensor)]
    return [f.to_dict() for f in [*_TABLE, *extra]]
