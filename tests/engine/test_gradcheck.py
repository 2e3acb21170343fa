"""grad_check finds wrong gradients and reports relative errors; grad_check_node checks one leaf."""

from __future__ import annotations

import numpy as np

from backprop_playground.engine import Tensor, grad_check, grad_check_node
from backprop_playground.engine.ops import Op
from backprop_playground.engine.tensor import apply

WRONG_SQUARE = Op("wrong_square", lambda p, a: a * a, (lambda B, p, g, out, a: g * a,),  # should be 2ga
                  "$a^2", ("$g $a",), "sq")


def test_correct_gradient_passes_with_tiny_error():
    result = grad_check(lambda a, b: (a @ b).tanh(), [np.ones((2, 3)) * 0.3, np.eye(3)[:, :2]])
    assert result.passed and result.max_rel_error < 1e-8
    assert len(result.errors) == 2 == len(result.directional_errors)
    assert result.analytic[0].shape == (2, 3)


def test_wrong_vjp_fails_with_large_relative_error():
    result = grad_check(lambda a: apply(WRONG_SQUARE, (a,)).sum(), [np.array([1.0, 2.0])])
    assert not result.passed and abs(result.max_rel_error - 0.5) < 1e-6


def test_large_inputs_are_sampled_but_directional_check_covers_everything():
    result = grad_check(lambda a: (a * a).sum(), [np.linspace(-1, 1, 500)], max_entries=10)
    assert result.passed and np.isnan(result.numeric[0]).sum() == 490


def test_grad_check_node_checks_one_named_leaf():
    values = {"x": np.array([[1.0, 2.0]]), "W": np.array([[0.5], [-0.3]]), "b": np.array([0.1])}

    def build(t):
        return ((t["x"] @ t["W"] + t["b"]).sigmoid() ** 2).sum()

    result = grad_check_node(build, values, "W")
    assert result.passed and len(result.errors) == 1 and result.analytic[0].shape == (2, 1)


def test_inputs_are_copied():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    grad_check(lambda a: (a * a).sum(), [x])
    assert x.grad is None and x.data.tolist() == [1.0, 2.0]
