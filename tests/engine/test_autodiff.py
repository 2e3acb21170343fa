"""Backward pass: hand-computed cases, accumulation, depth, no_grad, dtypes, errors, second derivatives."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_playground.engine import Tensor, no_grad
from backprop_playground.engine import functional as F
from backprop_playground.engine.ops import Op
from backprop_playground.engine.tensor import apply


def leaf(value, **kw):
    return Tensor(value, requires_grad=True, **kw)


def test_contract_example():
    W = leaf(np.array([[0.5, -1.0], [2.0, 0.25]]))
    x = Tensor(np.array([[0.0, 1.0], [1.0, 0.0]]))
    h = (x @ W + 1.0).relu()
    (h * h).sum().backward()
    pre = x.data @ W.data + 1.0
    expected = x.data.T @ (2 * np.maximum(pre, 0) * (pre > 0))
    assert isinstance(W.grad, np.ndarray) and W.grad.shape == W.data.shape
    np.testing.assert_allclose(W.grad, expected)
    assert x.grad is None and not x.requires_grad


def test_node_used_twice_receives_two_contributions():
    x = leaf(3.0)
    y = x * x
    assert y.inputs == (x, x)
    y.backward()
    assert x.grad == 6.0 and isinstance(x.grad, np.ndarray)


def test_diamond():
    # a = 2w, b = w², y = a·b = 2w³ → dy/dw = 6w²
    w = leaf(1.5)
    a = w * 2.0
    b = w**2
    (a * b).backward()
    assert x_close(w.grad, 6 * 1.5**2)


def x_close(a, b):
    return np.allclose(a, b, rtol=1e-12, atol=1e-12)


def test_broadcasting_sums_gradients_back_to_input_shapes():
    x = leaf(np.arange(6.0).reshape(3, 2))
    b = leaf(np.array([1.0, -1.0]))
    c = leaf(np.array([[2.0], [3.0], [4.0]]))
    s = leaf(0.5)
    ((x + b) * c * s).sum().backward()
    np.testing.assert_allclose(b.grad, [4.5, 4.5])
    np.testing.assert_allclose(c.grad, 0.5 * (x.data + b.data).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(s.grad, ((x.data + b.data) * c.data).sum())
    assert b.grad.shape == (2,) and c.grad.shape == (3, 1) and s.grad.shape == ()


def test_gradients_accumulate_until_zero_grad():
    x = leaf(2.0)
    (x * x).backward()
    (x * 3.0).backward()
    assert x.grad == 4.0 + 3.0
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).backward()
    assert x.grad == 3.0


def test_ten_thousand_deep_chain_has_no_recursion_limit():
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001**10_000)


def test_no_grad_builds_no_graph():
    x = leaf(np.ones(3))
    with no_grad():
        y = (x * 2.0).sum()
    assert not y.requires_grad and y.inputs == () and y.op is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    assert (x * 2.0).requires_grad  # switched back on


def test_float32_is_kept_through_forward_and_backward():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float32)
    y = ((x * 2.0 + 1.0).tanh() / 3.0).sum()
    y.backward()
    assert x.data.dtype == np.float32 and y.data.dtype == np.float32 and x.grad.dtype == np.float32
    assert Tensor([1, 2]).data.dtype == np.float64


def test_op_without_vjp_raises_naming_op_and_input():
    half = Op("half_known", lambda p, a, b: a * b, (lambda B, p, g, out, a, b: g * b, None), "$a $b",
              ("$g $b", "?"), "{0}{1}")
    x, y = leaf(2.0), leaf(3.0)
    out = apply(half, (x, y))
    with pytest.raises(NotImplementedError, match=r"op 'half_known' has no VJP for input 1 \(b\)"):
        out.backward()


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = leaf(np.ones(3))
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2.0).backward()
    (x * 2.0).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])


def test_second_derivative_of_cube_and_tanh():
    x = leaf(1.5)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Tensor) and np.isclose(first.data, 3 * 1.5**2)
    x.zero_grad()
    first.backward()
    assert np.isclose(x.grad, 6 * 1.5)
    z = leaf(0.3)
    z.tanh().backward(create_graph=True)
    dz = z.grad
    z.zero_grad()
    dz.backward()
    t = np.tanh(0.3)
    assert np.isclose(z.grad, -2 * t * (1 - t * t))


def test_hessian_vector_product_of_a_small_mlp_loss():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 2)), rng.integers(0, 2, (5, 1)).astype(float)
    w1, w2 = rng.standard_normal((2, 3)), rng.standard_normal((3, 1))
    v1, v2 = rng.standard_normal((2, 3)), rng.standard_normal((3, 1))

    def grads(a, b, create_graph=False):
        W1, W2 = leaf(a), leaf(b)
        loss = F.binary_cross_entropy_with_logits((Tensor(x) @ W1).tanh() @ W2, y)
        loss.backward(create_graph=create_graph)
        return W1, W2

    W1, W2 = grads(w1, w2, create_graph=True)
    g1, g2 = W1.grad, W2.grad
    W1.zero_grad()
    W2.zero_grad()
    ((g1 * v1).sum() + (g2 * v2).sum()).backward()
    eps = 1e-6
    p, m = grads(w1 + eps * v1, w2 + eps * v2), grads(w1 - eps * v1, w2 - eps * v2)
    np.testing.assert_allclose(W1.grad, (p[0].grad - m[0].grad) / (2 * eps), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(W2.grad, (p[1].grad - m[1].grad) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_create_graph_labels_gradients_and_keeps_them_differentiable():
    x = leaf(2.0, label="x")
    y = (x * x).sum()
    y.label = "L"
    y.backward(create_graph=True)
    assert x.grad.label == "∂L/∂x" and x.grad.requires_grad


def test_leaf_gradients_are_writable_and_not_shared():
    a, b = leaf(np.ones(3)), leaf(np.ones(3))
    (a + b).sum().backward()
    assert a.grad is not b.grad and a.grad.flags.writeable
    a.grad *= 0.0
    np.testing.assert_array_equal(b.grad, np.ones(3))


def test_python_scalars_and_arrays_are_lifted_in_both_positions():
    x = leaf(np.array([1.0, 2.0]))
    y = (2.0 - x) * np.array([1.0, 3.0]) + 1.0 / x + 2**x
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [-1.0, -3.0] - 1.0 / x.data**2 + np.log(2) * 2**x.data)


def test_methods_and_properties():
    t = Tensor(np.arange(6.0).reshape(2, 3), label="t")
    assert t.shape == (2, 3) and t.T.shape == (3, 2) and t.reshape(3, 2).shape == (3, 2)
    assert t.reshape(-1).shape == (6,) and t[1].shape == (3,) and t[:, 1:].shape == (2, 2)
    assert t.sum().item() == 15.0 and t.max(axis=1).numpy().tolist() == [2.0, 5.0]
    assert t.role == "const" and leaf(1.0).role == "param" and (leaf(1.0) * 2.0).role == "op"
    assert Tensor(np.ones(2), batched=True).role == "input"
    t.role = "input"
    assert t.role == "input" and t.detach().data is t.data
    assert "Tensor 't'" in repr(t)
    assert (t > 2.0).tolist() == [[False, False, False], [True, True, True]] and (t <= t).all()


def test_no_grad_and_recorders_are_per_thread():
    import threading

    from backprop_playground.engine import Recorder

    seen = {}

    def other():
        x = leaf(1.0)
        seen["requires_grad"] = (x * 2.0).requires_grad
        (x * 3.0).backward()

    with no_grad(), Recorder() as rec:
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    assert seen["requires_grad"] is True and rec.events == []


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda x: x[1], [0.0, 1.0, 0.0]),
        (lambda x: x.max(), [0.0, 0.0, 1.0]),
        (lambda x: x @ x, [2.0, -4.0, 6.0]),
        (lambda x: x.logsumexp(), np.exp([1.0, -2.0, 3.0]) / np.exp([1.0, -2.0, 3.0]).sum()),
        (lambda x: F.concat([x, x]).sum(), [2.0, 2.0, 2.0]),
        (lambda x: x.reshape(3, 1).T.sum(), [1.0, 1.0, 1.0]),
    ],
    ids=["getitem", "max", "dot", "logsumexp", "concat", "reshape-T"],
)
def test_any_op_can_be_the_root_of_backward(build, expected):
    x = leaf(np.array([1.0, -2.0, 3.0]))
    build(x).backward()
    assert isinstance(x.grad, np.ndarray)
    np.testing.assert_allclose(x.grad, expected)


def test_pass_through_gradients_are_not_shared_between_leaves():
    """add hands its gradient on unchanged: the leaves below a chain of adds still get arrays of their own."""
    a, b, c = leaf(np.ones(3)), leaf(np.ones(3)), leaf(np.ones(3))
    (a + (b + c)).backward(np.ones(3))
    assert len({id(a.grad), id(b.grad), id(c.grad)}) == 3
    a.grad *= 0.0
    np.testing.assert_array_equal(b.grad, np.ones(3))
    np.testing.assert_array_equal(c.grad, np.ones(3))
