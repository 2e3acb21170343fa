"""The expression function table: every listed function parses, evaluates and has correct gradients."""

import numpy as np
import pytest

from backprop_playground.engine import grad_check_node
from backprop_playground.nets.expressions import ExpressionError, evaluate, evaluate_tree, trace_expression
from backprop_playground.nets.expressions.functions import FUNCTIONS, function_list
from backprop_playground.nets.expressions.parse import parse

# away from every kink (relu, abs, max/min ties) and inside every domain (log, sqrt): positive, distinct
POSITIVE = np.array([[0.3, 1.7, 0.9, 1.2], [0.6, 2.1, 0.45, 1.4]])
MIXED = np.array([[-0.7, 1.3, 0.4, -1.6], [0.9, -0.35, 1.8, -1.1]])
_POSITIVE_ONLY = {"log", "sqrt"}


def _calls(entry: dict) -> list[tuple[str, dict]]:
    """Sources calling the function with its required arguments, and with each optional one given."""
    name = entry["name"]
    x = POSITIVE if name in _POSITIVE_ONLY else MIXED
    if name == "maxout":
        return [("maxout(x, 2)", {"x": x})]
    if name == "leaky_relu":
        return [("leaky_relu(x)", {"x": x}), ("leaky_relu(x, 0.2)", {"x": x}),
                ("leaky_relu(x, a)", {"x": x, "a": 0.3})]
    calls = [(f"{name}(x)", {"x": x})]
    if entry["arity"] is None:  # an optional axis
        calls.append((f"{name}(x, 0)", {"x": x}))
    return calls


CASES = [(source, values) for entry in function_list() for source, values in _calls(entry)]


def test_the_list_is_the_table_with_signatures_and_arities():
    listed = {entry["name"]: entry for entry in function_list()}
    assert set(FUNCTIONS) <= set(listed)
    assert {"min", "square"} <= set(listed)
    assert listed["leaky_relu"] == {
        "name": "leaky_relu", "arity": None, "signature": "leaky_relu(x, alpha=0.01)",
        "doc": listed["leaky_relu"]["doc"]}
    assert (listed["relu"]["arity"], listed["relu"]["signature"]) == (1, "relu(x)")
    assert (listed["maxout"]["arity"], listed["maxout"]["signature"]) == (2, "maxout(z, k)")
    assert (listed["sum"]["arity"], listed["sum"]["signature"]) == (None, "sum(x, axis=None)")
    assert (listed["softmax"]["arity"], listed["softmax"]["signature"]) == (None, "softmax(x, axis=-1)")
    assert all(entry["doc"] for entry in listed.values())


@pytest.mark.parametrize(("source", "values"), CASES, ids=[source for source, _ in CASES])
def test_every_listed_function_evaluates_with_correct_gradients(source, values):
    out, _ = evaluate(source, values)
    assert np.all(np.isfinite(out.data))
    trace = trace_expression(source, values)  # recorded, and sized on shapes first, like POST /expressions
    assert set(trace["gradients"]) == set(values)
    tree = parse(source)
    arrays = {name: np.asarray(value, dtype=float) for name, value in values.items()}
    for name in values:
        check = grad_check_node(lambda leaves: evaluate_tree(tree, leaves), arrays, name)
        assert check.passed, (source, name, check.max_rel_error)


def test_min_is_the_smallest_entry_and_ties_share_the_gradient():
    x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 0.5]])
    assert float(trace_expression("min(x)", {"x": x})["value"]) == 0.5
    np.testing.assert_array_equal(trace_expression("min(x, 1)", {"x": x})["value"], [1.0, 0.5])
    grad = trace_expression("min(x)", {"x": x})["gradients"]["x"]
    np.testing.assert_allclose(grad, [[0, 0, 0], [0.5, 0, 0.5]])  # like max: a tie splits it evenly
    np.testing.assert_allclose(trace_expression("min(x, 0)", {"x": x})["gradients"]["x"],
                               [[0, 1, 0], [1, 0, 1]])


def test_square_is_x_squared_with_gradient_2x():
    trace = trace_expression("square(x)", {"x": [-1.5, 0.0, 2.0]})
    np.testing.assert_allclose(trace["value"], [2.25, 0.0, 4.0])
    np.testing.assert_allclose(trace["gradients"]["x"], [-3.0, 0.0, 4.0])
    symbolic = trace_expression("square(x)", {"x": 3.0}, mode="symbolic")
    assert float(symbolic["gradients"]["x"]) == 6.0


def test_leaky_relu_without_a_slope_uses_the_engines_default():
    trace = trace_expression("leaky_relu(x)", {"x": [-2.0, 3.0]})
    np.testing.assert_allclose(trace["value"], [-0.02, 3.0])


@pytest.mark.parametrize(("source", "signature"), [
    ("maxout(x)", "maxout(z, k)"), ("sum(x, 0, 1)", "sum(x, axis=None)"), ("square(x, 2)", "square(x)"),
    ("leaky_relu(x, 0.1, 2)", "leaky_relu(x, alpha=0.01)"), ("min()", "min(x, axis=None)"),
])
def test_a_wrong_argument_count_quotes_the_signature(source, signature):
    with pytest.raises(ExpressionError, match=f"takes {signature.replace('(', '[(]').replace(')', '[)]')}"):
        trace_expression(source, {"x": [1.0, 2.0]})
