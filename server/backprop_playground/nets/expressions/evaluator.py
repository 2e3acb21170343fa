"""The evaluator: a parsed expression built on engine tensors and traced, forward, backward and (symbolic)
the backward graph; its sizes are worked out on shapes first, by the same walk."""

from __future__ import annotations

import numpy as np

from backprop_playground.nets.expressions.functions import FUNCTIONS, engine_function, engine_unary
from backprop_playground.nets.expressions.parse import ExpressionError, Node, over_limit, parse, variables
from backprop_playground.nets.expressions.sizes import SYMBOLIC_FACTOR, ShapeFunctions, Sizes
from backprop_playground.nets.inputs import VALUE_DIMENSIONS
from backprop_playground.nets.limits import DEFAULT_LIMITS, Limits
from backprop_playground.nets.traces import expression_trace

__all__ = ["ExpressionError", "FUNCTIONS", "evaluate", "evaluate_program", "evaluate_tree", "to_tensor_value",
           "trace_expression"]

_BINARY = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "@": "__matmul__"}


def _engine():
    from backprop_playground.engine import OPS, Tensor
    from backprop_playground.engine import functional as F

    return Tensor, F, OPS


def to_tensor_value(name: str, value, limits: Limits) -> np.ndarray:
    """A variable's value as a float64 array: a number or a small rectangular nested list of numbers."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        message = f"value of {name!r} must be a number or a rectangular list of numbers"
        raise ExpressionError(message) from None
    except OverflowError:  # an integer beyond float64's range
        raise ExpressionError(f"value of {name!r} must be finite: a number beyond ±1.8e308") from None
    if array.size > limits.value_elements:
        raise over_limit("value_elements", int(array.size), limits)
    if array.ndim > VALUE_DIMENSIONS:
        raise ExpressionError(f"value of {name!r} has {array.ndim} dimensions; "
                              f"at most {VALUE_DIMENSIONS} are supported")
    if not np.all(np.isfinite(array)):
        raise ExpressionError(f"value of {name!r} must be finite (no NaN or Infinity)")
    return array


def _is_number(node: Node) -> bool:
    """Whether `node` is a literal number, possibly negated."""
    return node.kind == "num" or (node.kind == "unary" and node.args[0].kind == "num")


def _constant(node: Node) -> float:
    """A literal argument (axis, k, slope): a number or a negated number."""
    if node.kind == "num":
        return float(node.value)
    if node.kind == "unary" and node.args[0].kind == "num":
        return -float(node.args[0].value)
    raise ExpressionError("this argument must be a plain number", node.pos)


class _Evaluator:
    """Walks the syntax tree and builds engine tensors, checking names and arities."""

    def __init__(self, leaves: dict):
        self.Tensor, self.F, self.OPS = _engine()
        self.names = dict(leaves)

    def run(self, tree: Node):
        """The value of the program: statements in order, `name = expr` naming (and sharing) a node."""
        if tree.kind != "program":
            return self.eval(tree)
        value = None
        for statement in tree.args:
            if statement.kind == "let":
                value = self.eval(statement.args[0])
                if value.op is not None and not value.label:
                    value.label = statement.value
                self.names[statement.value] = value
            else:
                value = self.eval(statement)
        return value

    def eval(self, node: Node):
        if node.kind == "program":
            return self.run(node)
        if node.kind == "num":
            text = f"{node.value:g}"
            return self.Tensor(node.value, label=text, role="const")
        if node.kind == "var":
            return self.names[node.value]
        if node.kind == "unary":
            return -self.eval(node.args[0])
        if node.kind == "transpose":
            return self.eval(node.args[0]).T
        if node.kind == "index":
            return self.index(node)
        if node.kind == "binop":
            return self.binop(node)
        return self.call(node)

    def binop(self, node: Node):
        left = self.eval(node.args[0])
        if node.value == "**":
            exponent = node.args[1]
            if not _is_number(exponent):
                raise ExpressionError("the exponent of ** must be a plain number", exponent.pos)
            return left ** _constant(exponent)
        right = self.eval(node.args[1])
        try:
            return getattr(left, _BINARY[node.value])(right)
        except ExpressionError:
            raise
        except ValueError as exc:
            raise ExpressionError(f"shapes do not fit for {node.value!r}: {exc}", node.pos) from None

    def index(self, node: Node):
        base = self.eval(node.args[0])
        picks = tuple(int(_constant(arg)) for arg in node.args[1:])
        try:
            return base[picks if len(picks) > 1 else picks[0]]
        except IndexError as exc:
            raise ExpressionError(f"index out of range: {exc}", node.pos) from None

    def call(self, node: Node):
        name, args = node.value, node.args
        function = FUNCTIONS.get(name) or (engine_function(name) if self._engine_unary(name) else None)
        if function is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {name!r} (the engine's op table has no such op); "
                                  f"available: {known}", node.pos)
        if not function.min_args <= len(args) <= function.max_args:
            raise ExpressionError(f"{name} takes {function.signature}; got {len(args)} arguments", node.pos)
        x = self.eval(args[0])
        if function.kind in ("reduction", "along_axis"):
            default = None if function.kind == "reduction" else -1
            axis = int(_constant(args[1])) if len(args) == 2 else default
            if name == "min":  # min x = −max(−x): the engine's max and its tie-sharing gradient
                return -((-x).max(axis=axis))
            return getattr(x, name)(axis=axis)
        if name == "square":
            return x ** 2
        if name == "leaky_relu":
            if len(args) == 1:
                return self.F.leaky_relu(x)
            if _is_number(args[1]):
                return self.F.leaky_relu(x, _constant(args[1]))
            return self.F.generalized_relu(x, self.eval(args[1]))
        if name == "maxout":
            return self.F.maxout(x, int(_constant(args[1])))
        if name == "transpose":
            return x.T
        return getattr(x, name)()

    def _engine_unary(self, name: str) -> bool:
        """An elementwise op the engine gained later (e.g. sin): in its table and a Tensor method."""
        return engine_unary(name, self.OPS, self.Tensor)


def evaluate_tree(tree: Node, leaves: dict):
    """The tensor a parsed expression (or program) computes from leaf tensors {name: Tensor}."""
    return _Evaluator(leaves).run(tree)


def check_sizes(tree: Node, shapes: dict[str, tuple[int, ...]], limits: Limits,
                mode: str = "numeric", source: str = "") -> Sizes:
    """Walk `tree` on shapes only (inputs `shapes`, name → shape): raise the `tensor_elements` or
    `trace_elements` limit error before evaluation would allocate too much; returns the totals."""
    class ShapeEvaluator(_Evaluator):
        def __init__(self, leaves: dict) -> None:
            super().__init__(leaves)
            self.engine_tensor = self.Tensor
            self.Tensor = lambda value, **_: sizes.node(np.shape(value), None)  # a constant: one node
            self.F = ShapeFunctions

        def eval(self, node: Node):
            sizes.at.append(node.pos)
            try:
                return super().eval(node)
            finally:
                sizes.at.pop()

        def _engine_unary(self, name: str) -> bool:
            shape_tensor, self.Tensor = self.Tensor, self.engine_tensor
            try:
                return super()._engine_unary(name)
            finally:
                self.Tensor = shape_tensor

    sizes = Sizes(limits, SYMBOLIC_FACTOR if mode == "symbolic" else 1, source)
    leaves = {name: sizes.node(tuple(shape), None, grad=True) for name, shape in shapes.items()}
    ShapeEvaluator(leaves).run(tree)
    return sizes


def expression_numbers(source: str, values: dict, limits: Limits, mode: str = "numeric") -> int:
    """The numbers a trace of `source` over `values` will record (the limit errors if it is too large)."""
    tree = parse(source, limits)
    shapes = {name: to_tensor_value(name, values[name], limits).shape
              for name in variables(tree, source) if name in values}
    try:
        return check_sizes(tree, shapes, limits, mode, source).total
    except KeyError:  # a variable without a value: evaluation says which
        return 0
    except ExpressionError:
        raise
    except (ValueError, TypeError, ArithmeticError, IndexError) as exc:
        raise ExpressionError(f"cannot evaluate: {exc}") from None


def evaluate(source: str, values: dict, limits: Limits = DEFAULT_LIMITS, requires_grad: bool = True,
             mode: str = "numeric"):
    """Build the expression on engine tensors; returns (output tensor, {variable name: leaf tensor})."""
    out, leaves, _ = evaluate_program(source, values, limits, requires_grad, mode)
    return out, leaves


def evaluate_program(source: str, values: dict, limits: Limits = DEFAULT_LIMITS, requires_grad: bool = True,
                     mode: str = "numeric"):
    """Like `evaluate`, also returning every name's tensor, inputs and `name = expr` results alike.
    Sizes are checked on shapes first (sizes.py): no tensor beyond the limits is ever allocated."""
    tree = parse(source, limits)
    names = variables(tree, source)
    missing = [name for name in names if name not in values]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(repr(m) for m in missing)}")
    Tensor = _engine()[0]
    arrays = {name: to_tensor_value(name, values[name], limits) for name in names}
    leaves = {name: Tensor(arrays[name], requires_grad=requires_grad, label=name, role="input")
              for name in names}
    evaluator = _Evaluator(leaves)
    try:
        check_sizes(tree, {name: a.shape for name, a in arrays.items()}, limits, mode, source)
        out = evaluator.run(tree)
    except (ValueError, TypeError, ArithmeticError) as exc:
        if isinstance(exc, ExpressionError):
            raise
        raise ExpressionError(f"cannot evaluate: {exc}") from None
    return out, leaves, evaluator.names


def trace_expression(source: str, values: dict, mode: str = "numeric",
                     limits: Limits = DEFAULT_LIMITS) -> dict:
    """The recorded forward and backward of `source` as an expression trace (`traces.expression_trace`:
    graph, events, output, value, inputs, gradients); "symbolic" mode builds the backward pass as graph
    nodes."""
    from backprop_playground.engine import Recorder

    if mode not in ("numeric", "symbolic"):
        raise ExpressionError(f"mode must be 'numeric' or 'symbolic', not {mode!r}")
    with Recorder() as rec:
        out, leaves = evaluate(source, values, limits, mode=mode)
        out.label = out.label or "out"
        if out.requires_grad:
            seed = None if out.data.ndim == 0 else np.ones_like(out.data)
            out.backward(seed, create_graph=(mode == "symbolic"))
    return expression_trace(rec, source, mode, out, leaves)
