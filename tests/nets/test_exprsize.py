"""Expression sizes are worked out from shapes before evaluation, and agree with what evaluation records."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_playground.nets.expressions import ExpressionError, check_sizes, trace_expression
from backprop_playground.nets.expressions.gradcheck import check_expression
from backprop_playground.nets.expressions.parse import parse
from backprop_playground.nets.limits import LimitError, Limits

UNLIMITED = Limits(tensor_elements=10**9, trace_elements=10**12, gradcheck_work=10**15)
RNG = np.random.default_rng(0)


def _values(**shapes):
    return {name: RNG.standard_normal(shape).tolist() for name, shape in shapes.items()}


CASES = [
    ("(x*y + x)*z", {"x": 2, "y": -1, "z": 3}),
    ("sum(relu(x @ W + b))", _values(x=(10, 20), W=(20, 30), b=(30,))),
    ("softmax(x)*y + sigmoid(x) - log_softmax(x, 0)", _values(x=(10, 50), y=(50,))),
    ("maxout(x, 2) @ W", _values(x=(10, 20), W=(10, 5))),
    ("a = x*x; sum(a*a + a, 0)", _values(x=(30, 30))),
    ("x.T @ x @ x.T", _values(x=(30, 20))),
    ("mean(x[0]) + logsumexp(x) + max(x, 1)", _values(x=(30, 30))),
    ("v @ x + x @ w + v @ w", _values(v=(30,), x=(30, 30), w=(30,))),
    ("b @ x", _values(b=(4, 3, 5), x=(5, 2))),
    ("transpose(x) ** 2 - leaky_relu(x.T, a) + leaky_relu(x.T, 0.1)", _values(x=(6, 4), a=(6,))),
    ("sum(x[1, 2] * y[-1])", _values(x=(3, 4, 5), y=(2, 5))),
    ("2*x + 1 - exp(-x) / 3", _values(x=(5, 2))),
]


def _recorded_numbers(raw: dict) -> int:
    return sum(event[key].size for event in raw["events"] for key in ("value", "contribution", "total")
               if isinstance(event.get(key), np.ndarray))


@pytest.mark.parametrize(("source", "values"), CASES)
def test_shape_pass_counts_exactly_what_a_numeric_trace_records(source, values):
    raw = trace_expression(source, values, "numeric", UNLIMITED)
    shapes = {name: np.shape(value) for name, value in values.items()}
    sizes = check_sizes(parse(source), shapes, UNLIMITED)
    assert sizes.total == _recorded_numbers(raw)


@pytest.mark.parametrize(("source", "values"), CASES)
def test_symbolic_estimate_covers_what_a_symbolic_trace_records(source, values):
    raw = trace_expression(source, values, "symbolic", UNLIMITED)
    shapes = {name: np.shape(value) for name, value in values.items()}
    assert check_sizes(parse(source), shapes, UNLIMITED, "symbolic").total >= _recorded_numbers(raw)


def test_a_broadcast_beyond_the_tensor_limit_is_refused_before_allocating():
    values = {"x": np.zeros((1000, 1, 1)).tolist(), "y": np.zeros((1, 1000, 1)).tolist(),
              "z": np.zeros((1, 1, 1000)).tolist()}
    with pytest.raises(ExpressionError, match="elements of an intermediate tensor: 1000000 exceeds") as info:
        trace_expression("x+y+z", values)
    assert info.value.limit == "tensor_elements"


def test_a_matmul_chain_over_the_trace_limit_is_refused():
    values = {"x": np.zeros((300, 1)).tolist(), "y": np.zeros((1, 300)).tolist()}
    with pytest.raises(ExpressionError, match="numbers in a trace") as info:
        trace_expression("a = x@y; b = a@a; c = b@b; sum(c@c)", values)
    assert info.value.limit == "trace_elements"


def test_a_batched_matmul_gradient_temporary_is_bounded():
    # (1, n, k) @ (m, k, 1): the output is small but its gradient with respect to a is m·n·k before summing
    values = {"a": np.zeros((1, 10, 100)).tolist(), "b": np.zeros((1000, 100, 1)).tolist()}
    with pytest.raises(ExpressionError, match="intermediate tensor"):
        check_sizes(parse("a @ b"), {"a": (1, 10, 100), "b": (1000, 100, 1)}, Limits(value_elements=10**6))
    assert values  # the values themselves are only built to show the shapes are legal


def test_shape_errors_still_read_as_shape_errors():
    with pytest.raises(ExpressionError, match="shapes do not fit for '@'"):
        trace_expression("x @ y", _values(x=(2, 3), y=(2, 3)))
    with pytest.raises(ExpressionError, match="index out of range"):
        trace_expression("x[5]", _values(x=(3,)))


def test_an_infinite_axis_or_index_is_a_422_not_a_crash():
    for source in ("x[1e999]", "sum(x, 1e999)", "maxout(x, 1e999)"):
        with pytest.raises(ValueError):
            trace_expression(source, _values(x=(4,)))


def test_gradcheck_work_is_capped_before_it_starts():
    values = {f"x{i}": RNG.standard_normal(1000).tolist() for i in range(40)}
    source = "+".join(f"x{i}*x{(i + 1) % 40}" for i in range(40))
    with pytest.raises(LimitError, match="gradient-check work") as info:
        check_expression(source, values, Limits())
    assert info.value.limit == "gradcheck_work"
    small = check_expression("(x*y + x)*z", {"x": 2, "y": -1, "z": 3}, Limits())
    assert all(r["passed"] for r in small)


def test_a_size_limit_error_points_at_the_operator():
    values = {"x": np.zeros((1000, 1)).tolist(), "y": np.zeros((1, 1000)).tolist()}
    with pytest.raises(ExpressionError) as info:
        trace_expression("sum(x @ y)", values)
    assert info.value.position == 6 and "column 7" in str(info.value)
