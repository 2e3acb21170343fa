"""Expressions traced on the engine: values, gradients, symbolic backward graphs and clear errors."""

import math

import numpy as np
import pytest

from backprop_playground.nets.expressions import ExpressionError, trace_expression
from backprop_playground.nets.limits import Limits


def test_contract_example_numeric():
    trace = trace_expression("(x*y + x)*z", {"x": 2, "y": -1, "z": 3})
    assert float(trace["value"]) == 0.0
    grads = {name: float(g) for name, g in trace["gradients"].items()}
    assert grads == {"x": 0.0, "y": 6.0, "z": 0.0}  # ∂/∂x = (y + 1) z, ∂/∂y = xz, ∂/∂z = xy + x
    labels = {node["id"]: node["label"] for node in trace["graph"]}
    assert {labels[i] for i in trace["inputs"].values()} == {"x", "y", "z"}


def test_trigonometric_functions():
    trace = trace_expression("(x*y + sin(x))*z + cos(y)", {"x": 2, "y": -1, "z": 3})
    x, y, z = 2.0, -1.0, 3.0
    assert float(trace["value"]) == pytest.approx((x * y + math.sin(x)) * z + math.cos(y), abs=1e-15)
    grads = {name: float(g) for name, g in trace["gradients"].items()}
    assert grads["x"] == pytest.approx((y + math.cos(x)) * z, abs=1e-15)
    assert grads["y"] == pytest.approx(x * z - math.sin(y), abs=1e-15)
    assert grads["z"] == pytest.approx(x * y + math.sin(x), abs=1e-15)


def test_a_variable_used_twice_gets_two_contributions():
    trace = trace_expression("x*x", {"x": 3})
    x = trace["inputs"]["x"]
    mul = next(node for node in trace["graph"] if node["op"] == "mul")
    assert mul["inputs"] == [x, x]
    contributions = [e for e in trace["events"] if e["type"] == "backward" and e["node"] == x]
    assert [float(e["contribution"]) for e in contributions] == [3.0, 3.0]
    assert [e["pending"] for e in contributions] == [1, 0]


def test_logistic_unit():
    values = {"w1": 0.5, "x1": 1.0, "w2": -1.0, "x2": 2.0, "b": 0.25}
    trace = trace_expression("sigmoid(w1*x1 + w2*x2 + b)", values)
    z = 0.5 - 2.0 + 0.25
    s = 1 / (1 + math.exp(-z))
    assert float(trace["value"]) == pytest.approx(s)
    assert float(trace["gradients"]["w2"]) == pytest.approx(s * (1 - s) * 2.0)


def test_vectors_matrices_and_reductions():
    values = {"x": [[1.0, 2.0]], "W": [[1, -1], [1, 1]], "b": [0, -5]}
    trace = trace_expression("sum(relu(x @ W + b))", values)
    assert float(trace["value"]) == 3.0
    np.testing.assert_array_equal(trace["gradients"]["W"], [[1, 0], [2, 0]])


def test_softmax_family_and_leaky_relu():
    trace = trace_expression("log_softmax(z)[0]", {"z": [2.0, 1.0, 0.1]})
    z = np.array([2.0, 1.0, 0.1])
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(trace["gradients"]["z"], np.eye(3)[0] - p)
    assert float(trace_expression("leaky_relu(x, 0.1)", {"x": -2})["value"]) == pytest.approx(-0.2)
    learned = trace_expression("leaky_relu(x, a)", {"x": -2, "a": 0.3})
    assert float(learned["gradients"]["a"]) == -2.0


def test_symbolic_mode_puts_the_backward_pass_in_the_graph():
    numeric = trace_expression("x*x*x", {"x": 2.0})
    symbolic = trace_expression("x*x*x", {"x": 2.0}, mode="symbolic")
    assert len(symbolic["graph"]) > len(numeric["graph"])
    grad_node = symbolic["gradient_nodes"]["x"]
    assert grad_node in {node["id"] for node in symbolic["graph"]}
    assert float(symbolic["gradients"]["x"]) == 12.0


def test_non_scalar_output_seeds_ones():
    trace = trace_expression("2*x", {"x": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(trace["gradients"]["x"], [2, 2, 2])


@pytest.mark.parametrize("source,values,message", [
    ("x + y", {"x": 1}, "no value given for 'y'"),
    ("foo(x)", {"x": 1}, "unknown function 'foo'"),
    ("sigmoid(x, y)", {"x": 1, "y": 2}, "got 2 arguments"),
    ("x ** y", {"x": 1, "y": 2}, "exponent"),
    ("x @ y", {"x": [1, 2], "y": [1, 2, 3]}, "shapes"),
    ("x", {"x": [[1, 2], [3]]}, "rectangular"),
    ("x", {"x": float("nan")}, "finite"),
    ("x", {"x": "abc"}, "number"),
])
def test_errors_are_clear(source, values, message):
    with pytest.raises(ExpressionError, match=message):
        trace_expression(source, values)


def test_sin_is_reported_until_the_engine_has_it():
    from backprop_playground.engine import OPS

    if "sin" in OPS:
        assert float(trace_expression("sin(x)", {"x": 0.5})["value"]) == pytest.approx(math.sin(0.5))
    else:
        with pytest.raises(ExpressionError, match="unknown function 'sin'") as info:
            trace_expression("(x*y + sin(x))*z", {"x": 1, "y": 2, "z": 3})
        assert info.value.position == 7


def test_value_size_limit_and_mode():
    with pytest.raises(ExpressionError, match="elements of a value: 1001 exceeds the limit of 1000"):
        trace_expression("sum(x)", {"x": list(range(1001))})
    with pytest.raises(ExpressionError, match="elements of a value"):
        trace_expression("sum(x)", {"x": [1, 2, 3]}, limits=Limits(value_elements=2))
    with pytest.raises(ExpressionError, match="mode"):
        trace_expression("x", {"x": 1}, mode="fast")


def test_assignment_makes_one_node_with_two_consumers():
    trace = trace_expression("a = x*y; b = exp(a); a*b + x", {"x": 0.5, "y": 2.0})
    by_label = {node["label"]: node for node in trace["graph"]}
    a = by_label["a"]["id"]
    consumers = [node for node in trace["graph"] if a in node["inputs"]]
    assert len(consumers) == 2
    e = math.e
    assert float(trace["gradients"]["x"]) == pytest.approx(2 * (e + e) + 1)  # ∂/∂x of a·eᵃ + x, a = 2x


def test_evaluate_tree_builds_programs_from_given_leaves():
    from backprop_playground.engine import Tensor
    from backprop_playground.nets.expressions import evaluate_tree
    from backprop_playground.nets.expressions.parse import parse

    x = Tensor(0.5, requires_grad=True, label="x")
    out = evaluate_tree(parse("a = x*x; a + a"), {"x": x})
    out.backward()
    assert float(out.data) == 0.5 and float(x.grad) == 2.0
