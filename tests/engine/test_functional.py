"""functional: losses against direct NumPy formulas, gradient checks of composite losses, and the lecture's
facts (saturation, softmax gradient, generalized ReLU family, maxout)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_playground.engine import Tensor, grad_check
from backprop_playground.engine import functional as F

rng = np.random.default_rng(42)


def leaf(v):
    return Tensor(v, requires_grad=True)


def test_mse_and_target_shape_fix():
    p, t = rng.standard_normal((5, 1)), rng.standard_normal(5)
    assert np.isclose(F.mse(Tensor(p), t).item(), np.mean((p[:, 0] - t) ** 2))
    with pytest.raises(ValueError, match="does not match"):
        F.mse(Tensor(p), np.zeros(3))


def test_bce_from_logits_equals_bce_on_probabilities_and_is_stable():
    z, t = rng.standard_normal((6, 1)) * 3, rng.integers(0, 2, (6, 1)).astype(float)
    p = 1 / (1 + np.exp(-z))
    direct = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert np.isclose(F.binary_cross_entropy_with_logits(Tensor(z), t).item(), direct)
    assert np.isclose(F.binary_cross_entropy(Tensor(p), t).item(), direct)
    big = F.binary_cross_entropy_with_logits(Tensor(np.array([800.0, -800.0])), np.array([0.0, 1.0]))
    assert np.isclose(big.item(), 800.0)


def test_cost_saturation_lesson_gradients():
    """Confidently wrong sigmoid unit (z = −5, y = 1): squared loss ≈ −0.0132, cross-entropy ≈ −0.9933."""
    z = leaf(-5.0)
    ((1.0 - z.sigmoid()) ** 2).backward()
    assert round(float(z.grad), 4) == -0.0132
    z2 = leaf(np.array([-5.0]))
    F.binary_cross_entropy_with_logits(z2, np.array([1.0])).backward()
    assert round(float(z2.grad[0]), 4) == -0.9933


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot():
    z = leaf(rng.standard_normal((4, 3)))
    labels = np.array([0, 2, 1, 2])
    loss = F.softmax_cross_entropy(z, labels)
    s = np.exp(z.data) / np.exp(z.data).sum(1, keepdims=True)
    assert np.isclose(loss.item(), -np.mean(np.log(s[np.arange(4), labels])))
    loss.backward()
    np.testing.assert_allclose(z.grad, (s - np.eye(3)[labels]) / 4)
    assert np.isclose(F.softmax_cross_entropy(Tensor(z.data), np.eye(3)[labels]).item(), loss.item())
    for fast in (False, True):
        z2 = leaf(z.data)
        F.softmax_cross_entropy(z2, Tensor(np.eye(3)[labels]), rows_sum_to_one=fast).backward()
        np.testing.assert_allclose(z2.grad, z.grad)


def test_log_softmax_is_scores_minus_logsumexp():
    z = np.array([1.0, 3.0, 1000.0])
    out = F.log_softmax(Tensor(z)).numpy()
    np.testing.assert_allclose(out, z - (1000.0 + np.log1p(np.exp(-997) + np.exp(-999))))
    assert np.isclose(F.logsumexp(Tensor(z)).item(), 1000.0)
    np.testing.assert_allclose(F.softmax(Tensor(z)).numpy().sum(), 1.0)


def test_generalized_relu_family():
    z = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(F.generalized_relu(Tensor(z), -1.0).numpy(), np.abs(z))
    np.testing.assert_allclose(F.leaky_relu(Tensor(z), 0.1).numpy(), np.where(z > 0, z, 0.1 * z))
    np.testing.assert_allclose(F.relu(Tensor(z)).numpy(), np.maximum(z, 0))
    alpha = leaf(np.full(4, 0.25))
    x = leaf(z)
    F.generalized_relu(x, alpha).sum().backward()
    np.testing.assert_allclose(alpha.grad, np.minimum(z, 0))  # PReLU's α gets a gradient
    np.testing.assert_allclose(x.grad, np.where(z > 0, 1.0, 0.25))


def test_relu_passes_one_when_active_and_saturated_units_pass_almost_nothing():
    z = leaf(np.array([-1.0, 2.0, 8.0]))
    (F.relu(z).sum() + F.sigmoid(z).sum() + F.tanh(z).sum()).backward()
    relu_part = np.array([0.0, 1.0, 1.0])
    s, t = 1 / (1 + np.exp(-z.data)), np.tanh(z.data)
    np.testing.assert_allclose(z.grad, relu_part + s * (1 - s) + (1 - t * t))
    assert (s * (1 - s))[2] < 1e-3 and (1 - t * t)[2] < 1e-6


def test_maxout_takes_max_of_each_group():
    z = Tensor(np.array([[1.0, 5.0, 2.0, -1.0, 0.0, -3.0]]))
    np.testing.assert_array_equal(F.maxout(z, 3).numpy(), [[5.0, 0.0]])
    with pytest.raises(ValueError, match="multiple"):
        F.maxout(z, 4)


def test_gaussian_nll_matches_formula():
    mean, t, log_std = rng.standard_normal((5, 2)), rng.standard_normal((5, 2)), rng.standard_normal(2) * 0.3
    s = np.exp(log_std)
    per_entry = np.log(s) + 0.5 * ((t - mean) / s) ** 2 + 0.5 * math.log(2 * math.pi)
    expected = np.mean(np.sum(per_entry, axis=1))
    assert np.isclose(F.gaussian_nll(Tensor(mean), Tensor(log_std), t).item(), expected)


def test_mixture_density_nll_matches_direct_formula():
    n, k = 5, 3
    logit, mu = rng.standard_normal((n, k)), rng.standard_normal((n, k))
    ls = rng.standard_normal((n, k)) * 0.3
    t = rng.standard_normal(n)
    pi = np.exp(logit) / np.exp(logit).sum(1, keepdims=True)
    sig = np.exp(ls)
    dens = pi * np.exp(-0.5 * ((t[:, None] - mu) / sig) ** 2) / (sig * math.sqrt(2 * math.pi))
    expected = -np.mean(np.log(dens.sum(1)))
    got = F.mixture_density_nll(Tensor(logit), Tensor(mu), Tensor(ls), t).item()
    assert np.isclose(got, expected)


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid()),
        lambda a, b: F.gaussian_nll(a, b * 0.3, np.ones((3, 2))),
        lambda a, b: F.mixture_density_nll(a, b, a * b * 0.2, np.array([0.1, -0.4, 0.7])),
        lambda a, b: F.softmax_cross_entropy(a, np.array([0, 1, 1])) + F.concat([a, b], 1).softplus().mean(),
        lambda a, b: F.mse(F.generalized_relu(a, b.mean()), b),
    ],
    ids=["bce-prob", "gaussian", "mixture", "ce-concat", "mse-prelu"],
)
def test_composite_losses_pass_gradient_check(fn):
    result = grad_check(fn, [rng.standard_normal((3, 2)), rng.standard_normal((3, 2))])
    assert result.passed, result
