"""The expression grammar: precedence, positions in errors, and limits."""

import re

import pytest

from backprop_playground.nets.expressions.parse import ExpressionError, parse, variables
from backprop_playground.nets.limits import Limits


def show(node) -> str:
    if node.kind in ("num", "var"):
        return str(node.value)
    if node.kind == "binop":
        return f"({show(node.args[0])} {node.value} {show(node.args[1])})"
    if node.kind == "unary":
        return f"(-{show(node.args[0])})"
    if node.kind == "transpose":
        return f"{show(node.args[0])}.T"
    return f"{node.value}({', '.join(show(a) for a in node.args)})"


@pytest.mark.parametrize("source,tree", [
    ("x*y + x", "((x * y) + x)"),
    ("(x*y + x)*z", "(((x * y) + x) * z)"),
    ("-x**2", "(-(x ** 2.0))"),
    ("x**-1", "(x ** (-1.0))"),
    ("2^3^2", "(2.0 ** (3.0 ** 2.0))"),
    ("a - b - c", "((a - b) - c)"),
    ("x @ W.T + b", "((x @ W.T) + b)"),
    ("sigmoid(w1*x1 + w2*x2 + b)", "sigmoid((((w1 * x1) + (w2 * x2)) + b))"),
    ("leaky_relu(z, 0.1)", "leaky_relu(z, 0.1)"),
    ("1.5e-3 * .5", "(0.0015 * 0.5)"),
])
def test_precedence(source, tree):
    assert show(parse(source)) == tree


def test_variables_in_order_of_appearance():
    assert variables(parse("sigmoid(w1*x1 + w2*x2 + b) * w1")) == ["w1", "x1", "w2", "x2", "b"]


@pytest.mark.parametrize("source,message,column", [
    ("x +", "ended", 4),
    ("2x", "unexpected 'x'", 2),
    ("f(x", "expected ')'", 4),
    ("x $ y", "unexpected character '$'", 3),
    ("x y", "unexpected 'y'", 3),
    (")", "unexpected ')'", 1),
])
def test_syntax_errors_name_the_column(source, message, column):
    with pytest.raises(ExpressionError, match=re.escape(message)) as info:
        parse(source)
    assert info.value.position == column - 1
    assert f"column {column}" in str(info.value)


def test_empty_expression():
    with pytest.raises(ExpressionError, match="empty"):
        parse("   ")


def test_length_depth_and_node_limits():
    with pytest.raises(ExpressionError, match="expression length: 2001 exceeds the limit of 2000"):
        parse("x" * 2001)
    with pytest.raises(ExpressionError, match="expression depth") as info:
        parse("(" * 100 + "x" + ")" * 100)
    assert info.value.limit == "expression_depth"
    with pytest.raises(ExpressionError, match="expression nodes"):
        parse("+".join(["x"] * 40), Limits(expression_nodes=50, expression_depth=1000))
    with pytest.raises(ExpressionError, match="expression depth"):
        parse("+".join(["x"] * 70))


def test_no_python_evaluation():
    with pytest.raises(ExpressionError):
        parse("__import__('os').system('true')")


def test_statements_name_shared_nodes():
    tree = parse("a = x*y; b = exp(a)\na*b + x")
    assert tree.kind == "program" and [s.kind for s in tree.args] == ["let", "let", "binop"]
    assert variables(tree) == ["x", "y"]


# (the same parametrized error-table shape as test_datasets's: an idiom, not shared logic)
@pytest.mark.parametrize("source,message", [
    ("a = 1; a = 2; a", "'a' is assigned twice"),
    ("b = a + 1; a = 2; b", "'a' is used before it is assigned"),
    ("1 = x", "unexpected '='"),
    (";;", "empty"),
])
def test_statement_errors(source, message):
    with pytest.raises(ExpressionError, match=message):
        variables(parse(source), source)


@pytest.mark.parametrize("source", ["x[" * 200 + "0" + "]" * 200, "x" + "[x" * 200 + "]" * 200])
def test_nested_indexing_counts_towards_the_depth_limit(source):
    with pytest.raises(ExpressionError, match="expression depth") as info:
        parse(source)
    assert info.value.limit == "expression_depth"


def test_a_depth_limit_beyond_the_stack_is_still_a_limit_error():
    with pytest.raises(ExpressionError, match="expression depth"):
        parse("(" * 1500 + "x" + ")" * 1500, Limits(expression_length=10_000, expression_depth=10_000))
